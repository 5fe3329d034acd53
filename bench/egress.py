#!/usr/bin/python3
"""Egress (forward proxy) benchmark, issue 5: staticgate's SOCKS5 and HTTP
CONNECT beside Dante, tinyproxy and Squid, through one loopback backend.

Started by bench/egress.sh, which installs the peers and compiles
bench/tools/tunnel_client.c. Columns, each started fresh every round (order
rotated) and stopped afterwards:

  direct          no proxy: the client talks to the backend (the physical limit)
  dante           danted (Debian dante-server), no authentication, SOCKS5
  staticgate      `staticgate run --workers 1`, one [[egress]] speaking both
                  protocols on one port, authentication "none"; measured once
                  as SOCKS5 and once as HTTP CONNECT
  tinyproxy       tinyproxy, CONNECT to any port
  squid           squid -N, workers 1, no cache, CONNECT to any port

Every proxy's outbound connections leave from its own 127.0.0.2x address. The
backend is nginx (1 worker): "ok\\n" at / and a sparse file at /big. Figures:

  1. rate: tunnel_client rate: C concurrent slots (default 64), each opens a
     tunnel, sends one GET / with "Connection: close", reads the response,
     closes, repeats for --duration seconds. Requests/s and latency (connect to
     last byte) p50/p99; proxy CPU per request.
  2. bulk: one tunnel, GET /big (--bulk-mb, default 1024 MiB), discarded by the
     client with recv(MSG_TRUNC). Gbit/s.
  3. memory: --idle N tunnels (default 2000) opened, one keep-alive request
     each, held idle; the proxy's memory (PSS and RSS summed over its
     processes, from /proc/PID/smaps_rollup) after minus before, per tunnel.

The proxy runs on core 0 (taskset), the client and the backend on core 1.
Output: a markdown table on stdout, bench/results/egress-latest.md and
bench/results/egress-latest.json (every run's raw figures).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

BACKEND_IP = "127.0.1.1"
# listen address, outbound source address
SERVERS = {
    "dante": ("127.0.0.11", "127.0.0.21"),
    "tinyproxy": ("127.0.0.12", "127.0.0.22"),
    "squid": ("127.0.0.13", "127.0.0.23"),
    "staticgate": ("127.0.0.14", "127.0.0.24"),
}
# (column, server, protocol)
COLUMNS = [
    ("direct", None, "none"),
    ("dante", "dante", "socks5"),
    ("staticgate socks5", "staticgate", "socks5"),
    ("tinyproxy", "tinyproxy", "http"),
    ("squid", "squid", "http"),
    ("staticgate http", "staticgate", "http"),
]
TARGET_SPEED = 1.3    # issue 5: >= 1.3x the best peer on throughput figures
TARGET_MEMORY = 0.75  # ... and <= 0.75x on memory
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ processes
class Processes:
    """Everything this script started; stop_all() on every way out."""

    def __init__(self):
        self.procs: list[subprocess.Popen] = []

    def start(self, argv, log_path: Path, cpu: int) -> subprocess.Popen:
        f = open(log_path, "ab")
        p = subprocess.Popen(["taskset", "-c", str(cpu), *argv], stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        f.close()
        self.procs.append(p)
        return p

    def stop(self, p: subprocess.Popen, grace: float = 5.0) -> None:
        """TERM the process's group (its forked children too), then KILL."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:  # children left behind (Dante's, squid's) are in the same group
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self) -> None:
        for p in reversed(list(self.procs)):
            self.stop(p, grace=2.0)


def listening(ip: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((ip, port)) == 0


def wait_listen(ip: str, port: int, proc: subprocess.Popen | None, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(ip, port):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def tree_pids(root: int) -> list[int]:
    """root and all its descendants, from /proc/*/stat."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                line = open(f"/proc/{d}/stat").read()
                parent[int(d)] = int(line.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return out


def memory(root: int) -> dict:
    """PSS and RSS in KiB summed over the process tree."""
    pss = rss = n = 0
    for pid in tree_pids(root):
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
            n += 1
        except OSError:
            pass
    return {"pss_kib": pss, "rss_kib": rss, "processes": n}


def cpu_ticks(root: int) -> int:
    """utime+stime of the tree, plus what reaped children left in cutime/cstime."""
    t = 0
    for pid in tree_pids(root):
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        except (OSError, IndexError, ValueError):
            pass
    return t


def core_busy(cpu: int) -> tuple[int, int]:
    for line in open("/proc/stat"):
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:9]]
            busy = v[0] + v[1] + v[2] + v[5] + v[6]
            return busy, busy + v[3] + v[4] + v[7]
    return 0, 1


# ---------------------------------------------------------------- configs
def nginx_conf(work: Path, port: int, nofile: int) -> str:
    return f"""user root;
worker_processes 1;
worker_rlimit_nofile {nofile};
pid {work}/backend/nginx.pid;
error_log {work}/backend/error.log warn;
events {{ worker_connections {nofile - 200}; }}
http {{
  access_log off;
  sendfile on;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  server {{
    listen {BACKEND_IP}:{port} backlog=4096;
    location = / {{ return 200 "ok\\n"; }}
    location = /big {{ alias {work}/backend/big; }}
  }}
}}
"""


def dante_conf(d: Path, ip: str, src: str, port: int) -> str:
    return f"""logoutput: {d}/danted.log
internal: {ip} port = {port}
external: {src}
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
timeout.negotiate: 10
timeout.io: 600
client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}
socks pass {{ from: 127.0.0.0/8 to: {BACKEND_IP}/32 command: connect }}
"""


def tinyproxy_conf(d: Path, ip: str, src: str, port: int, nofile: int) -> str:
    return f"""Port {port}
Listen {ip}
Bind {src}
Timeout 600
MaxClients {nofile // 2 - 100}
LogFile "{d}/tinyproxy.log"
LogLevel Error
PidFile "{d}/tinyproxy.pid"
Allow 127.0.0.0/8
DisableViaHeader Yes
"""


def squid_conf(d: Path, ip: str, src: str, port: int, nofile: int) -> str:
    return f"""http_port {ip}:{port}
tcp_outgoing_address {src}
acl loopback_clients src 127.0.0.0/8
http_access allow loopback_clients
http_access deny all
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log {d}/cache.log
pid_filename {d}/squid.pid
coredump_dir {d}
netdb_filename none
pinger_enable off
workers 1
max_filedescriptors {nofile}
shutdown_lifetime 1 seconds
read_timeout 600 seconds
client_lifetime 1 hour
"""


def staticgate_conf(ip: str, src: str, port: int) -> str:
    return f"""[global]
workers = 1
log_level = "warn"

[[egress]]
name = "bench"
bind = ["{ip}:{port}"]
protocols = ["socks5", "http"]
authentication = "none"
source_addresses = ["{src}"]
idle_timeout = "600s"
max_connections = 0

[egress.access]
allow = [{{ destination = "{BACKEND_IP}/32", ports = "1-65535" }}]
"""


def start_server(name: str, args, work: Path, procs: Processes, binary: str | None) -> subprocess.Popen | None:
    ip, src = SERVERS[name]
    d = work / name
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o777)  # squid and tinyproxy may write as an unprivileged user
    port = args.proxy_port
    if listening(ip, port):
        raise SystemExit(f"{ip}:{port} is already in use (set BENCH_PORT_BASE)")
    if name == "dante":
        (d / "danted.conf").write_text(dante_conf(d, ip, src, port))
        argv = ["/usr/sbin/danted", "-f", str(d / "danted.conf")]
    elif name == "tinyproxy":
        (d / "tinyproxy.conf").write_text(tinyproxy_conf(d, ip, src, port, args.nofile))
        argv = ["tinyproxy", "-d", "-c", str(d / "tinyproxy.conf")]
    elif name == "squid":
        (d / "squid.conf").write_text(squid_conf(d, ip, src, port, args.nofile))
        argv = ["/usr/sbin/squid", "-N", "-f", str(d / "squid.conf")]
    else:
        (d / "staticgate.toml").write_text(staticgate_conf(ip, src, port))
        chk = subprocess.run([binary, "check", "-c", str(d / "staticgate.toml")], capture_output=True,
                             text=True, timeout=30)
        if chk.returncode != 0:
            log(f"staticgate rejected the benchmark config: {chk.stdout}{chk.stderr}")
            return None
        argv = [binary, "run", "-c", str(d / "staticgate.toml"), "--workers", "1"]
    p = procs.start(argv, d / "stdout.log", args.proxy_cpu)
    if not wait_listen(ip, port, p):
        log(f"{name} did not start listening; its output:\n" + (d / "stdout.log").read_text()[-2000:])
        for extra in ("danted.log", "tinyproxy.log", "cache.log"):
            if (d / extra).exists():
                log(f"{extra}: " + (d / extra).read_text()[-1500:])
        procs.stop(p)
        return None
    return p


# ------------------------------------------------------------ measurements
def client(args, mode: str, protocol: str, server: str | None, *extra, timeout: float = 120) -> dict:
    argv = ["taskset", "-c", str(args.load_cpu), str(args.client), mode, "--proxy", protocol,
            "--target", f"{BACKEND_IP}:{args.backend_port}", *extra]
    if server:
        argv += ["--proxy-addr", f"{SERVERS[server][0]}:{args.proxy_port}"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"exit {r.returncode}: {r.stdout[-300:]} {r.stderr[-300:]}"}


def measure_rate(args, protocol, server, proc) -> dict:
    root = proc.pid if proc else None
    t0 = cpu_ticks(root) if root else 0
    c0 = core_busy(args.proxy_cpu)
    r = client(args, "rate", protocol, server, "--conns", str(args.conns), "--duration", str(args.duration),
               timeout=args.duration + 30)
    c1 = core_busy(args.proxy_cpu)
    if root:
        ticks = cpu_ticks(root) - t0
        r["proxy_cpu_s"] = ticks / CLK_TCK
        # share of the proxy core used by anything but the proxy (other sessions, builds)
        r["foreign_busy"] = round(max(0.0, (c1[0] - c0[0] - ticks) / max(1, c1[1] - c0[1])), 3)
        r["proxy_busy"] = round(ticks / CLK_TCK / max(0.001, r.get("seconds", args.duration)), 3)
    return r


def measure_bulk(args, protocol, server) -> dict:
    return client(args, "bulk", protocol, server, "--path", "/big", "--timeout", "60", timeout=120)


def measure_memory(args, protocol, server, proc, work: Path) -> dict:
    time.sleep(args.settle)
    before = memory(proc.pid)
    out = work / f"hold-{server}-{protocol}.txt"
    with open(out, "w") as f:
        holder = subprocess.Popen(
            ["taskset", "-c", str(args.load_cpu), str(args.client), "hold", "--proxy", protocol,
             "--proxy-addr", f"{SERVERS[server][0]}:{args.proxy_port}",
             "--target", f"{BACKEND_IP}:{args.backend_port}", "--count", str(args.idle),
             "--timeout", "5", "--phase-timeout", "120"], stdout=f, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 150
        info = None
        while time.monotonic() < deadline and holder.poll() is None:
            text = out.read_text()
            if text.startswith("PHASE held "):
                info = json.loads(text.split(" ", 2)[2])
                break
            time.sleep(0.1)
        if info is None:
            return {"error": f"holder did not report: {out.read_text()[-300:]}"}
        time.sleep(args.settle)
        held = memory(proc.pid)
        n = info["open"]
        r = {"holder": info, "before": before, "held": held}
        if n:
            r["pss_kib_per_tunnel"] = (held["pss_kib"] - before["pss_kib"]) / n
            r["rss_kib_per_tunnel"] = (held["rss_kib"] - before["rss_kib"]) / n
        return r
    finally:
        if holder.poll() is None:
            holder.send_signal(signal.SIGUSR1)
            try:
                holder.wait(10)
            except subprocess.TimeoutExpired:
                holder.kill()
                holder.wait(5)


def brief(column, kind, r) -> str:
    if "error" in r:
        return f"{column} {kind}: ERROR {r['error']}"
    if kind == "rate":
        return (f"{column} rate: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
                f"{r['errors']} errors {r.get('first_error') or ''}")
    if kind == "bulk":
        return f"{column} bulk: {r['gbit_s']:.2f} Gbit/s ({r['bytes'] >> 20} MiB) {r.get('first_error') or ''}"
    return (f"{column} memory: {r.get('pss_kib_per_tunnel', 0):.1f} KiB PSS / tunnel, "
            f"{r.get('rss_kib_per_tunnel', 0):.1f} KiB RSS, held {r['holder']['open']}/{r['holder']['open'] + r['holder']['failed']}"
            f" {r['holder'].get('first_error') or ''}")


def run_round(args, rnd: int, work: Path, procs: Processes, binary: str | None, raw: list) -> None:
    cols_all = [c for c in COLUMNS if (c[1] or "direct") in args.peers]
    k = (rnd - 1) % len(cols_all)
    for column in cols_all[k:] + cols_all[:k]:
        # Each column gets a fresh server, also staticgate's two protocols:
        # memory freed by one protocol's idle tunnels must not serve the next.
        server = column[1] or "direct"
        cols = [column]
        proc = None
        if server != "direct":
            log(f"round {rnd}: starting {server} for {column[2]}")
            proc = start_server(server, args, work, procs, binary)
            if proc is None:
                for col, _, _ in cols:
                    raw.append({"round": rnd, "column": col, "kind": "start", "error": "did not start"})
                continue
        srv = None if server == "direct" else server
        for col, _, protocol in cols:
            client(args, "rate", protocol, srv, "--conns", "16", "--duration", "1", timeout=30)  # warm-up
            kinds = ["memory", "rate", "bulk"] if srv else ["rate", "bulk"]
            for kind in kinds:
                if kind == "memory":
                    r = measure_memory(args, protocol, srv, proc, work)
                elif kind == "rate":
                    r = measure_rate(args, protocol, srv, proc)
                else:
                    r = measure_bulk(args, protocol, srv)
                raw.append({"round": rnd, "column": col, "kind": kind, **r})
                log("  " + brief(col, kind, r))
            if proc is not None and proc.poll() is not None:
                raw.append({"round": rnd, "column": col, "kind": "crash",
                            "error": f"exited with {proc.returncode} during the round; see {server}/stdout.log"})
                log(f"  {server} EXITED ({proc.returncode})")
                break
        if proc is not None:
            procs.stop(proc)


# ------------------------------------------------------------------ report
def summarize(raw: list, columns: list[str]) -> dict:
    out = {}
    for col in columns:
        rows = {k: [r for r in raw if r["column"] == col and r["kind"] == k and "error" not in r]
                for k in ("rate", "bulk", "memory")}
        errs = [r for r in raw if r["column"] == col and "error" in r]
        s = {"errors": [f"round {r['round']} {r['kind']}: {r['error']}" for r in errs]}

        def med(kind, key):
            v = [r[key] for r in rows[kind] if r.get(key) is not None]
            return statistics.median(v) if v else None
        s["rps"] = med("rate", "rps")
        s["p50_ms"] = med("rate", "p50_ms")
        s["p99_ms"] = med("rate", "p99_ms")
        s["rate_errors"] = sum(r["errors"] for r in rows["rate"])
        s["rate_first_error"] = next((r["first_error"] for r in rows["rate"] if r.get("first_error")), "")
        cpu = [r["proxy_cpu_s"] * 1e6 / r["requests"] for r in rows["rate"] if r.get("proxy_cpu_s") and r["requests"]]
        s["cpu_us_per_req"] = statistics.median(cpu) if cpu else None
        fb = [r["foreign_busy"] for r in rows["rate"] if "foreign_busy" in r]
        s["foreign_busy_max"] = max(fb) if fb else None
        pb = [r["proxy_busy"] * 100 for r in rows["rate"] if "proxy_busy" in r]
        s["proxy_busy_pct"] = statistics.median(pb) if pb else None
        s["foreign_busy_pct"] = statistics.median(fb) * 100 if fb else None
        s["gbit_s"] = med("bulk", "gbit_s")
        s["bulk_failed"] = sum(1 for r in rows["bulk"] if not r.get("ok"))
        s["pss_kib"] = med("memory", "pss_kib_per_tunnel")
        s["rss_kib"] = med("memory", "rss_kib_per_tunnel")
        s["held"] = min((r["holder"]["open"] for r in rows["memory"]), default=None)
        s["hold_failed"] = max((r["holder"]["failed"] for r in rows["memory"]), default=0)
        s["processes"] = max((r["held"]["processes"] for r in rows["memory"]), default=None)
        out[col] = s
    return out


def fmt(v, spec, suffix=""):
    return "—" if v is None else format(v, spec) + suffix


def render(args, meta, summ) -> str:
    cols = [c for c, srv, _ in COLUMNS if (srv or "direct") in args.peers]
    L = [f"## Egress benchmark ({meta['date']})", "",
         f"`{meta['command']}` — {meta['rounds']} round(s), medians; {args.duration} s rate runs with "
         f"{args.conns} concurrent tunnels; bulk {args.bulk_mb} MiB; {args.idle} idle tunnels.", "",
         f"Machine: {meta['machine']}; load average {meta['load_start']} at start, {meta['load_end']} at end. "
         f"Pinning: proxy `taskset -c {args.proxy_cpu}`, client and backend `taskset -c {args.load_cpu}`.", "",
         f"Versions: {meta['versions']}", "",
         "| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]

    def row(label, key, spec, suffix=""):
        L.append(f"| {label} | " + " | ".join(fmt(summ[c][key], spec, suffix) for c in cols) + " |")
    L.append("| protocol | " + " | ".join(p for c, srv, p in COLUMNS if c in cols) + " |")
    row("new tunnel per request, req/s", "rps", ",.0f")
    row("  latency p50 (ms)", "p50_ms", ".2f")
    row("  latency p99 (ms)", "p99_ms", ".2f")
    row("  proxy CPU per request (µs)", "cpu_us_per_req", ".0f")
    row("  proxy core used by the proxy (%)", "proxy_busy_pct", ".0f")
    row("  proxy core used by other processes (%)", "foreign_busy_pct", ".0f")
    row("bulk, one tunnel (Gbit/s)", "gbit_s", ".2f")
    row("memory per idle tunnel, PSS (KiB)", "pss_kib", ".1f")
    row("memory per idle tunnel, RSS (KiB)", "rss_kib", ".1f")
    row("  tunnels held", "held", "d")
    row("  proxy processes while holding", "processes", "d")
    L += ["", "**Targets (issue 5)**: staticgate ÷ the best peer of the same protocol in this run.", "",
          "| figure | protocol | staticgate | best peer | ratio | target | |", "|---|---|---:|---|---:|---|---|"]
    groups = {"socks5": ("staticgate socks5", ["dante"]), "http": ("staticgate http", ["tinyproxy", "squid"])}
    figures = [("new tunnel per request (req/s)", "rps", ",.0f", True),
               ("bulk, one tunnel (Gbit/s)", "gbit_s", ".2f", True),
               ("memory per idle tunnel, PSS (KiB)", "pss_kib", ".1f", False)]
    verdicts = {}
    for label, key, spec, higher in figures:
        for proto, (sg, peers) in groups.items():
            if sg not in cols:
                continue
            vals = [(p, summ[p][key]) for p in peers if p in cols and summ[p][key] is not None]
            mine = summ[sg][key]
            if not vals or mine is None:
                L.append(f"| {label} | {proto} | {fmt(mine, spec)} | — | — | — | not measured |")
                continue
            best = max(vals, key=lambda x: x[1]) if higher else min(vals, key=lambda x: x[1])
            ratio = mine / best[1] if best[1] else float("inf")
            ok = ratio >= TARGET_SPEED if higher else ratio <= TARGET_MEMORY
            verdicts[f"{key}/{proto}"] = ok
            target = f"≥ {TARGET_SPEED}×" if higher else f"≤ {TARGET_MEMORY}×"
            shown = f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.3f}×"
            L.append(f"| {label} | {proto} | {fmt(mine, spec)} | {best[0]} {fmt(best[1], spec)} | {shown} | "
                     f"{target} | {'met' if ok else 'not met'} |")
    notes = []
    for c in cols:
        s = summ[c]
        for e in s["errors"]:
            notes.append(f"{c}: {e}")
        if s["rate_errors"]:
            notes.append(f"{c}: {s['rate_errors']} failed requests in the rate runs (first: {s['rate_first_error']})")
        if s["bulk_failed"]:
            notes.append(f"{c}: {s['bulk_failed']} bulk transfer(s) failed")
        if s["hold_failed"]:
            notes.append(f"{c}: up to {s['hold_failed']} idle tunnels failed to open")
        if s["foreign_busy_max"] is not None and s["foreign_busy_max"] > 0.10:
            notes.append(f"{c}: other processes used up to {s['foreign_busy_max'] * 100:.0f}% of the proxy core "
                         "during a rate run (they fill the time the proxy waits, and compete with it when it is "
                         "busy: noise)")
    if args.skipped:
        notes.append("skipped: " + "; ".join(args.skipped))
    if notes:
        L += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    L.append("")
    meta["verdicts"] = verdicts
    return "\n".join(L)


def versions(binary) -> str:
    def cmd(*argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (r.stdout + r.stderr).strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    pkg = lambda p: cmd("dpkg-query", "-W", "-f", f"{p} ${{Version}}", p)  # noqa: E731
    sg = cmd(binary, "version").splitlines()[0] if binary else "staticgate skipped"
    rev = cmd("git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD")
    return f"{pkg('dante-server')}; {pkg('tinyproxy')}; {pkg('squid')}; {pkg('nginx')}; {sg} (git {rev})"


def find_binary() -> str | None:
    env = os.environ.get("STATICGATE_BIN")
    if env:
        return env if os.access(env, os.X_OK) else None
    for p in ("build/release/staticgate", "build/dev/staticgate"):
        if os.access(REPO_DIR / p, os.X_OK):
            return str(REPO_DIR / p)
    return None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="environment: STATICGATE_BIN, BENCH_PROXY_CPU (0), BENCH_LOAD_CPU (1), "
                                       "BENCH_PORT_BASE (29000: backend BASE+80, proxies BASE+81)")
    p.add_argument("--client", required=True, help="the compiled bench/tools/tunnel_client")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=5, help="seconds per rate run (default 5)")
    p.add_argument("--conns", type=int, default=64, help="concurrent tunnels in the rate runs (default 64)")
    p.add_argument("--idle", type=int, default=2000, help="idle tunnels for the memory figure (default 2000)")
    p.add_argument("--bulk-mb", type=int, default=1024, help="size of the bulk download, MiB (default 1024)")
    p.add_argument("--quick", action="store_true", help="1 round, 2 s runs, 1000 idle tunnels, 256 MiB bulk")
    p.add_argument("--only", default="direct,dante,tinyproxy,squid,staticgate", help="comma list of servers")
    p.add_argument("--out", default=str(BENCH_DIR / "results"))
    p.add_argument("--keep-work", action="store_true")
    p.add_argument("--skipped", action="append", default=[], help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.duration, a.idle, a.bulk_mb = 1, 2, 1000, 256
    if not (1 <= a.rounds <= 20 and 1 <= a.duration <= 60 and 1 <= a.conns <= 1000 and 1 <= a.idle <= 9000
            and 16 <= a.bulk_mb <= 8192):
        p.error("--rounds 1..20, --duration 1..60, --conns 1..1000, --idle 1..9000, --bulk-mb 16..8192")
    a.peers = [x for x in a.only.split(",") if x]
    a.proxy_cpu = int(os.environ.get("BENCH_PROXY_CPU", "0"))
    a.load_cpu = int(os.environ.get("BENCH_LOAD_CPU", "1"))
    base = int(os.environ.get("BENCH_PORT_BASE", "29000"))
    a.backend_port, a.proxy_port = base + 80, base + 81
    a.settle = 1.0
    return a


def main(argv) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    args.nofile = hard
    if 2 * args.idle + 1000 > hard:
        args.idle = (hard - 1000) // 2
        log(f"fd limit {hard}: --idle lowered to {args.idle}")
    if (os.cpu_count() or 1) < 2:
        args.proxy_cpu = args.load_cpu = 0
        log("1 CPU: proxy and load share core 0")
    binary = None
    if "staticgate" in args.peers:
        binary = find_binary()
        if binary is None:
            args.peers.remove("staticgate")
            args.skipped.append("staticgate (no binary: build/release/staticgate, build/dev or $STATICGATE_BIN)")

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)  # unwinds through the finally below

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    work = Path(tempfile.mkdtemp(prefix="staticgate-bench-egress-"))
    procs = Processes()
    try:
        meta = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                "command": os.environ.get("BENCH_EGRESS_COMMAND") or " ".join(["bench/egress.py", *argv]),
                "rounds": args.rounds, "load_start": " ".join(open("/proc/loadavg").read().split()[:3]),
                "machine": f"{os.uname().sysname} {os.uname().release}, {os.cpu_count()} CPUs, fd limit {hard}",
                "versions": versions(binary)}
        log(f"servers: {', '.join(args.peers)}; load average {meta['load_start']}; work dir {work}")
        (work / "backend").mkdir()
        with open(work / "backend" / "big", "wb") as f:  # sparse: reads as zeros from the page cache
            f.truncate(args.bulk_mb << 20)
        (work / "backend" / "nginx.conf").write_text(nginx_conf(work, args.backend_port, hard))
        if listening(BACKEND_IP, args.backend_port):
            raise SystemExit(f"{BACKEND_IP}:{args.backend_port} is already in use (set BENCH_PORT_BASE)")
        backend = procs.start(["nginx", "-p", f"{work}/backend/", "-e", f"{work}/backend/error.log",
                               "-c", f"{work}/backend/nginx.conf", "-g", "daemon off;"],
                              work / "backend" / "stdout.log", args.load_cpu)
        if not wait_listen(BACKEND_IP, args.backend_port, backend):
            raise SystemExit("backend nginx did not start: " + (work / "backend" / "error.log").read_text()[-500:])
        # read the file once, so every bulk run finds it in the page cache
        client(args, "bulk", "none", None, "--path", "/big", timeout=120)
        raw: list = []
        for rnd in range(1, args.rounds + 1):
            run_round(args, rnd, work, procs, binary, raw)
        meta["load_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
        cols = [c for c, srv, _ in COLUMNS if (srv or "direct") in args.peers]
        summ = summarize(raw, cols)
        text = render(args, meta, summ)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "egress-latest.md").write_text(text)
        (out / "egress-latest.json").write_text(json.dumps({"meta": meta, "summary": summ, "raw": raw}, indent=1))
        print(text)
        log(f"wrote {out / 'egress-latest.md'} and {out / 'egress-latest.json'}")
        return 0
    finally:
        procs.stop_all()
        if args.keep_work:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        log("interrupted; everything started was stopped")
        sys.exit(130)

#!/usr/bin/env python3
"""Helpers for bench/run.sh: read /proc, parse tool output, build the report.

Subcommands
  snapshot PID...      memory facts of these processes and of the kernel (json)
  wrk FILE             the BENCH_JSON line printed by bench/wrk_report.lua (json)
  iperf FILE           bytes/seconds/bits/retransmits from `iperf3 -J` (json)
  table RAW META OUT_MD OUT_JSON
                       turn raw records (one json per line) into the table:
                       print it, write it as markdown and write all numbers as json

run.sh records raw facts only (counts, tick deltas, snapshots before/after);
every derived number (rates, per-request CPU, bytes per connection, medians,
ratios) is computed here, in one place.
"""

import json
import os
import statistics
import sys

# ----------------------------------------------------------------- /proc reads


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _fd_kinds(pid):
    kinds = {"fds": 0, "pipe_fds": 0, "socket_fds": 0}
    d = f"/proc/{pid}/fd"
    for name in os.listdir(d):
        try:
            target = os.readlink(f"{d}/{name}")
        except OSError:
            continue
        kinds["fds"] += 1
        if target.startswith("pipe:"):
            kinds["pipe_fds"] += 1
        elif target.startswith("socket:"):
            kinds["socket_fds"] += 1
    return kinds


# Slab caches whose size changes for reasons unrelated to connections being
# held *now*: TIME_WAIT buckets and half-open requests left by earlier tests
# expire on their own during the measurement (60 s TIME_WAIT), so they would
# only add drift.
_SLAB_EXCLUDE = ("tw_sock_", "request_sock_")


def _slab_bytes():
    """Sum of active_objs * objsize over /proc/slabinfo (root only), minus drift caches."""
    total = 0
    try:
        with open("/proc/slabinfo") as f:
            for line in f:
                if line.startswith(("slabinfo", "#")):
                    continue
                parts = line.split()
                if parts[0].startswith(_SLAB_EXCLUDE):
                    continue
                total += int(parts[1]) * int(parts[3])
    except OSError:
        return None
    return total


def _meminfo_kb(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def _sockstat():
    out = {}
    with open("/proc/net/sockstat") as f:
        for line in f:
            proto, _, rest = line.partition(":")
            fields = rest.split()
            for k, v in zip(fields[::2], fields[1::2]):
                out[f"{proto}_{k}"] = int(v)
    return out


def cmd_snapshot(pids):
    snap = {"rss_kb": 0, "fds": 0, "pipe_fds": 0, "socket_fds": 0}
    for pid in pids:
        snap["rss_kb"] += _rss_kb(pid)
        for k, v in _fd_kinds(pid).items():
            snap[k] += v
    snap["slab_bytes"] = _slab_bytes()
    snap["meminfo_slab_kb"] = _meminfo_kb("Slab")
    ss = _sockstat()
    snap["tcp_mem_pages"] = ss.get("TCP_mem")
    snap["tcp_inuse"] = ss.get("TCP_inuse")
    snap["tcp_tw"] = ss.get("TCP_tw")
    print(json.dumps(snap))


def cmd_wrk(path):
    with open(path) as f:
        for line in f:
            if line.startswith("BENCH_JSON "):
                print(line[len("BENCH_JSON "):].strip())
                return 0
    print(json.dumps({"error": "no BENCH_JSON line in wrk output"}))
    return 0


def cmd_iperf(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(json.dumps({"error": f"unreadable iperf3 json: {e}"}))
        return 0
    if "error" in doc:
        print(json.dumps({"error": str(doc["error"])}))
        return 0
    end = doc.get("end", {})
    rx = end.get("sum_received", {})
    tx = end.get("sum_sent", {})
    print(json.dumps({
        "bytes": rx.get("bytes", 0),
        "seconds": rx.get("seconds", 0),
        "bits_per_second": rx.get("bits_per_second", 0),
        "retransmits": tx.get("retransmits"),
    }))
    return 0


# ------------------------------------------------------------------ the table

PEERS = ["direct", "haproxy", "nginx", "staticgate"]

# key, label, unit, better ("hi"/"lo"), decimals
ROWS = [
    ("ka_rps", "keep-alive: requests/s", "req/s", "hi", 0),
    ("ka_p50_ms", "keep-alive: p50 latency", "ms", "lo", 3),
    ("ka_p99_ms", "keep-alive: p99 latency", "ms", "lo", 3),
    ("cc_rps", "new conn per request: requests/s", "req/s", "hi", 0),
    ("cc_p99_ms", "new conn per request: p99 latency", "ms", "lo", 3),
    ("up_gbps", "iperf3 client->server", "Gbit/s", "hi", 2),
    ("down_gbps", "iperf3 server->client (-R)", "Gbit/s", "hi", 2),
    ("idle_rss_B", "idle conn: proxy RSS (after 1 req)", "B/conn", "lo", 0),
    ("idle_rss_conn_B", "idle conn: proxy RSS (connect only)", "B/conn", "lo", 0),
    ("idle_slab_B", "idle conn: kernel slab, whole system", "B/conn", "lo", 0),
    ("idle_slab_proxy_B", "idle conn: kernel slab, minus direct", "B/conn", "lo", 0),
    ("idle_pipes", "idle conn: pipes held by proxy", "pipes/conn", "lo", 2),
    ("idle_held", "idle conn: connections held", "conns", "hi", 0),
    ("cpu_ka_us", "proxy CPU per keep-alive request", "us", "lo", 2),
    ("cpu_cc_us", "proxy CPU per new connection", "us", "lo", 2),
    ("cpu_up_ms_GB", "proxy CPU per GB, client->server", "ms/GB", "lo", 1),
    ("cpu_down_ms_GB", "proxy CPU per GB, server->client", "ms/GB", "lo", 1),
]


def _normalize(rec):
    """Lift a tool's own error (wrk/iperf json with "error") to the record."""
    for k in ("wrk", "iperf"):
        if isinstance(rec.get(k), dict) and "error" in rec[k] and "error" not in rec:
            rec["error"] = rec[k]["error"]
    return rec


def _derive(rec, clk_tck):
    """Derived values for one raw record: {metric: value}."""
    out = {}
    kind = rec["kind"]
    if "error" in rec:
        return out
    cpu_s = rec["cpu_ticks"] / clk_tck if rec.get("cpu_ticks") is not None else None
    if kind == "wrk":
        w = rec["wrk"]
        if w.get("requests", 0) <= 0 or w.get("duration_us", 0) <= 0:
            return out
        rps = w["requests"] / (w["duration_us"] / 1e6)
        mode = rec["mode"]
        out[f"{mode}_rps"] = rps
        out[f"{mode}_p99_ms"] = w["p99_us"] / 1000
        if mode == "ka":
            out["ka_p50_ms"] = w["p50_us"] / 1000
        if cpu_s is not None:
            out[f"cpu_{mode}_us"] = cpu_s * 1e6 / w["requests"]
    elif kind == "iperf":
        i = rec["iperf"]
        if not i.get("bytes"):
            return out
        d = rec["dir"]
        out[f"{d}_gbps"] = i["bits_per_second"] / 1e9
        if cpu_s is not None:
            # The proxy moved the bytes of the whole run, including the
            # handshake and the ramp; iperf's received bytes are the payload.
            out[f"cpu_{d}_ms_GB"] = cpu_s * 1e3 / (i["bytes"] / 1e9)
    elif kind == "idle":
        base, held = rec["baseline"], rec["held"]
        n = rec["holder"]["open"]
        if n <= 0:
            return out
        suffix = "" if rec["phase"] == "requested" else "_conn"
        if rec.get("has_pids"):
            out[f"idle_rss{suffix}_B"] = (held["rss_kb"] - base["rss_kb"]) * 1024 / n
            if suffix == "":
                out["idle_pipes"] = (held["pipe_fds"] - base["pipe_fds"]) / 2 / n
        if suffix == "" and base.get("slab_bytes") is not None and held.get("slab_bytes") is not None:
            out["idle_slab_B"] = (held["slab_bytes"] - base["slab_bytes"]) / n
        if suffix == "":
            out["idle_held"] = n
    return out


def _fmt(v, decimals):
    if v is None:
        return "—"
    if decimals == 0:
        return f"{v:,.0f}"
    return f"{v:,.{decimals}f}"


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def cmd_table(raw_path, meta_path, out_md, out_json):
    with open(meta_path) as f:
        meta = json.load(f)
    clk_tck = meta.get("clk_tck", 100)
    records = []
    with open(raw_path) as f:
        for line in f:
            line = line.strip()
            if line:
                records.append(_normalize(json.loads(line)))

    noise_limit = meta.get("noise_limit", 0.10)
    # per_round[peer][metric] = [values, every attempt in run order]
    # clean[peer][metric]     = the same, only attempts without outside CPU load
    per_round = {p: {} for p in PEERS}
    clean = {p: {} for p in PEERS}
    noisy = {}  # peer -> [runs, noisy runs, worst share]
    notes = []
    for rec in records:
        peer = rec["peer"]
        fg = rec.get("foreign_busy")
        is_noisy = fg is not None and fg > noise_limit
        for k, v in _derive(rec, clk_tck).items():
            per_round.setdefault(peer, {}).setdefault(k, []).append(v)
            if not is_noisy:
                clean.setdefault(peer, {}).setdefault(k, []).append(v)
        if "error" in rec:
            notes.append(f"{peer} round {rec['round']} {rec['kind']} {rec.get('mode', rec.get('dir', rec.get('phase', '')))}: {rec['error']}")
        if rec["kind"] == "wrk" and "wrk" in rec:
            w = rec["wrk"]
            errs = sum(w.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_timeout", "err_status"))
            if errs and errs > 0.001 * max(1, w.get("requests", 0)):
                notes.append(
                    f"{peer} round {rec['round']} wrk {rec['mode']}: {errs} errors in {w.get('requests')} requests "
                    f"(connect {w.get('err_connect')}, read {w.get('err_read')}, write {w.get('err_write')}, "
                    f"timeout {w.get('err_timeout')}, non-2xx {w.get('err_status')})")
        h = rec.get("holder") or {}
        if rec["kind"] == "idle" and h.get("failed"):
            notes.append(f"{peer} round {rec['round']} idle ({rec['phase']}): {h['failed']} of {h['open'] + h['failed']} "
                         f"connections failed ({h.get('first_error')}); per-conn figures divide by the {h['open']} held")
        if fg is not None:
            n = noisy.setdefault(peer, [0, 0, 0.0])
            n[0] += 1
            n[1] += is_noisy
            n[2] = max(n[2], fg)

    # Medians of the clean attempts where there is one; otherwise of all of
    # them, and the figure is marked "~" (measured only while something else
    # used the CPUs).
    med, rough = {}, set()
    for p in PEERS:
        med[p] = {}
        for k, vals in per_round.get(p, {}).items():
            c = clean.get(p, {}).get(k)
            med[p][k] = statistics.median(c if c else vals)
            if not c:
                rough.add((p, k))
    for p, (runs, bad, worst) in noisy.items():
        if bad:
            notes.append(f"{p}: {bad} of {runs} timed runs had more than {noise_limit:.0%} of a core taken by other "
                         f"processes (worst {worst:.0%}); medians use the other runs where there were any")
    if rough:
        notes.append("~ marks a median taken only from runs disturbed by other processes: do not trust it")
    # Kernel memory attributable to the proxy: what the system pinned beyond
    # the direct case (client + backend sockets alone).
    for p in PEERS[1:]:
        a, d = med[p].get("idle_slab_B"), med["direct"].get("idle_slab_B")
        if a is not None and d is not None:
            med[p]["idle_slab_proxy_B"] = a - d

    peers = [p for p in PEERS if p in meta["peers"]]
    header = ["figure", "unit"] + peers + ["staticgate/haproxy", "staticgate/direct"]
    rows = []
    for key, label, unit, better, dec in ROWS:
        cells = [label, unit + (" ↑" if better == "hi" else " ↓")]
        for p in peers:
            cells.append(("~" if (p, key) in rough else "") + _fmt(med[p].get(key), dec))
        sg = med["staticgate"].get(key)
        r1 = _ratio(sg, med["haproxy"].get(key))
        mark = "~" if ("staticgate", key) in rough or ("haproxy", key) in rough else ""
        r2 = _ratio(sg, med["direct"].get(key)) if key in ("ka_rps", "ka_p50_ms", "ka_p99_ms", "cc_rps", "cc_p99_ms", "up_gbps", "down_gbps") else None
        cells.append("—" if r1 is None else f"{mark}{r1:.2f}")
        mark = "~" if ("staticgate", key) in rough or ("direct", key) in rough else ""
        cells.append("—" if r2 is None else f"{mark}{r2:.2f}")
        rows.append(cells)

    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    def line(cells):
        return "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    text = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    print("\n".join(text))
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  - " + n)

    md = [f"# staticgate benchmark — {meta['date']}", ""]
    md.append(f"Command: `{meta['command']}`  ")
    md.append(f"Rounds: {meta['rounds']} (median shown); duration per run: {meta['duration_s']} s; "
              f"idle connections: {meta['idle_conns']}  ")
    md.append(f"Timed runs during which other processes took more than {meta.get('noise_limit', 0.1):.0%} of a core "
              f"were repeated up to {meta.get('noisy_retries', 0)} times; medians prefer undisturbed runs.  ")
    md.append(f"Machine: {meta['machine']}  ")
    md.append(f"Pinning: {meta['pinning']}  ")
    md.append(f"Versions: {meta['versions']}  ")
    md.append(f"Load average at start: {meta['loadavg_start']}; at end: {meta.get('loadavg_end', '?')}  ")
    if meta.get("skipped"):
        md.append(f"Skipped: {meta['skipped']}  ")
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|")
    for r in rows:
        md.append("| " + " | ".join(str(c) for c in r) + " |")
    md.append("")
    md.append("↑ higher is better, ↓ lower is better. Ratios are staticgate's median over the other column's median.")
    if notes:
        md.append("")
        md.append("Notes:")
        md.extend("- " + n for n in notes)
    md.append("")
    os.makedirs(os.path.dirname(out_md) or ".", exist_ok=True)
    with open(out_md, "w") as f:
        f.write("\n".join(md))
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "median": med, "per_round": per_round, "per_round_clean": clean, "notes": notes, "raw": records},
                  f, indent=1, sort_keys=True)
    return 0


def cmd_brief(rec_json):
    """One progress line for a raw record, on stdout."""
    rec = _normalize(json.loads(rec_json))
    what = rec.get("mode", rec.get("dir", rec.get("phase", "")))
    if "error" in rec:
        print(f"    {rec['peer']:<10} {rec['kind']} {what}: ERROR {rec['error']}")
        return 0
    units = {k: (unit, dec) for k, _, unit, _, dec in ROWS}
    parts = []
    for k, v in _derive(rec, os.sysconf("SC_CLK_TCK")).items():
        unit, dec = units.get(k, ("", 2))
        parts.append(f"{k}={_fmt(v, dec)} {unit}")
    if rec["kind"] == "idle":
        parts.append(f"held={rec['holder'].get('open')} failed={rec['holder'].get('failed')}")
    if rec.get("foreign_busy"):
        parts.append(f"foreign={rec['foreign_busy']:.0%}")
    print(f"    {rec['peer']:<10} {rec['kind']} {what}: " + ", ".join(parts))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "snapshot":
        cmd_snapshot([int(p) for p in args])
        return 0
    if cmd == "wrk":
        return cmd_wrk(args[0])
    if cmd == "iperf":
        return cmd_iperf(args[0])
    if cmd == "brief":
        return cmd_brief(args[0])
    if cmd == "table":
        return cmd_table(*args)
    print(f"unknown subcommand {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The egress proxy's source addresses, beyond test_egress.py's single 127.0.0.77: several
addresses under each source_selection (round_robin, destination_hash, per_user), IPv6 sources
and destinations, a source address that vanishes while staticgate runs (in a network namespace
of the test's own, so the host's addresses are never touched), and the server-wide
max_connections.

Which address a connection left from is read twice: from staticgate's connection log (its
"source") and from the destination's view (nginx's access log, or the namespace backend's
answer)."""

from __future__ import annotations

import collections
import crypt  # noqa: deprecated in 3.11, present in Debian 12's Python; only to make test hashes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dns_server
import sg_helpers as h

V4_SOURCES = ["127.0.0.77", "127.0.0.78"]
PASSWORD = "s3cret pass"
BOB = "bobpw"
ANY_PORT = "1-65535"


def make_hash(password: str) -> str:
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


# ---- fixtures -----------------------------------------------------------------------------------

@pytest.fixture
def names():
    """PowerDNS on 127.0.3.3: web/other -> 127.0.1.41/.43, h0..h7 -> 127.0.1.41 (distinct names for
    destination_hash), v6 -> ::1 only, dual -> both 127.0.1.41 and ::1."""
    records = ["web 60 IN A 127.0.1.41", "other 60 IN A 127.0.1.43", "v6 60 IN AAAA ::1",
               "dual 60 IN A 127.0.1.41", "dual 60 IN AAAA ::1"]
    records += [f"h{i} 60 IN A 127.0.1.41" for i in range(8)]
    d = dns_server.DnsServer([], address="127.0.3.3", records=records)
    d.start()
    yield d
    d.close()


@pytest.fixture
def web(nginx):
    return nginx(("127.0.1.41", "127.0.1.43"), common_port=True)


@pytest.fixture
def need_ipv6():
    if not h.ipv6_loopback_available():
        pytest.skip("IPv6 loopback (::1) is not available on this host")


@pytest.fixture
def web6(nginx, need_ipv6):
    """nginx on 127.0.1.41 and [::1], one port for both (names with A and AAAA share it)."""
    return nginx(("127.0.1.41", "::1"), common_port=True)


@pytest.fixture
def proxy(staticgate, ports, tmp_path, names):
    """Factory: proxy(sources=[...], workers=N, **egress_overrides) -> (sg, address, log_path).
    Users alice (PASSWORD) and bob (BOB) in a credentials file."""

    def start(sources=V4_SOURCES, workers=2, allow=None, **overrides):
        port = ports.get("127.0.0.1")
        passwd = tmp_path / "egress.passwd"
        passwd.write_text(f"alice:{make_hash(PASSWORD)}\nbob:{make_hash(BOB)}\n")
        log = tmp_path / "connections.jsonl"
        egress = {
            "name": "out",
            "bind": [f"127.0.0.1:{port}"],
            "credentials_file": str(passwd),
            "source_addresses": list(sources),
            "name_servers": [names.server],
            "handshake_timeout": "2s",
            "connect_timeout": "2s",
            "access": {"allow": allow if allow is not None else [
                {"destination": "127.0.1.0/24", "ports": ANY_PORT},
                {"destination": "::1/128", "ports": ANY_PORT}]},
            **overrides,
        }
        cfg = {"global": {"workers": workers, "connection_log": str(log)}, "egress": [egress]}
        sg = staticgate(cfg, ready_addrs=[("127.0.0.1", port)])
        return sg, ("127.0.0.1", port), log

    return start


# ---- helpers (as in test_egress.py) -----------------------------------------------------------------

def curl(*args, timeout=20):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True,
                          timeout=timeout)


def socks_curl(addr, url, user="alice", password=PASSWORD, hostname=True):
    return curl("--socks5-hostname" if hostname else "--socks5", h.fmt_addr(*addr),
                "--proxy-user", f"{user}:{password}", url)


def http_proxy_url(addr, user="alice", password=PASSWORD):
    return f"http://{user}:{password.replace(' ', '%20')}@{h.fmt_addr(*addr)}"


def is_probe(x: dict) -> bool:
    # The harness's readiness probe connects and closes without a word.
    return x["protocol"] == "unknown" and x["result"] == "closed"


def log_lines(log: Path, n: int, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
        lines = [x for x in lines if not is_probe(x)]
        if len(lines) >= n:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"expected {n} log lines in {log}")


def access_log_sources(nginx_server, expected: int, timeout: float = 5.0) -> list[str]:
    """Client addresses in nginx's access log once it has `expected` lines (nginx writes a line
    after the response is on its way)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = nginx_server.access_log.read_text().splitlines() if nginx_server.access_log.exists() else []
        if len(lines) >= expected or time.monotonic() > deadline:
            return [line.split()[0] for line in lines]
        time.sleep(0.02)


def socks_handshake(addr, user: str, password: str, request: bytes, timeout=10) -> tuple[socket.socket, bytes]:
    """Greeting and RFC 1929 login, then `request` (the SOCKS5 request from ATYP on). Returns the
    socket and the reply (up to 22 bytes: enough for an IPv6 bound address)."""
    s = socket.create_connection(addr, timeout=timeout)
    s.sendall(b"\x05\x01\x02")
    assert s.recv(2) == b"\x05\x02"
    s.sendall(b"\x01" + bytes([len(user)]) + user.encode() + bytes([len(password)]) + password.encode())
    assert s.recv(2) == b"\x01\x00"
    s.sendall(b"\x05\x01\x00" + request)
    reply = b""
    try:
        while len(reply) < 4 or len(reply) < {1: 10, 4: 22}.get(reply[3], 10):
            chunk = s.recv(22 - len(reply))
            if not chunk:
                break
            reply += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return s, reply


def socks_request_ip(ip: str, port: int) -> bytes:
    if ":" in ip:
        return b"\x04" + socket.inet_pton(socket.AF_INET6, ip) + port.to_bytes(2, "big")
    return b"\x01" + socket.inet_aton(ip) + port.to_bytes(2, "big")


def socks_request_name(name: str, port: int) -> bytes:
    return b"\x03" + bytes([len(name)]) + name.encode() + port.to_bytes(2, "big")


def get_through(s: socket.socket, host: str = "x") -> bytes:
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    return h.recv_until_eof(s)


# ---- 1. round robin -------------------------------------------------------------------------------

def test_round_robin_spreads_connections_over_the_source_addresses(proxy, web):
    workers = 2
    sg, addr, log = proxy(source_selection="round_robin", workers=workers)
    port = web.ports["127.0.1.41"]
    n = 20
    for i in range(n):
        r = socks_curl(addr, f"http://web.test:{port}/") if i % 2 else curl(
            "--proxy", http_proxy_url(addr), f"http://web.test:{port}/")
        assert r.returncode == 0, r.stderr
        assert r.stdout == "backend-127.0.1.41\n"
    seen = collections.Counter(access_log_sources(web, n))
    assert sum(seen.values()) == n and set(seen) == set(V4_SOURCES), seen
    # Each worker takes the addresses in turn, so the two counts differ by at most one per worker.
    assert abs(seen["127.0.0.77"] - seen["127.0.0.78"]) <= workers, seen
    logged = collections.Counter(x["source"] for x in log_lines(log, n))
    assert logged == seen


def test_round_robin_with_one_worker_alternates_strictly(proxy, web):
    sg, addr, log = proxy(workers=1)  # round_robin is the default
    port = web.ports["127.0.1.43"]
    for _ in range(6):
        r = socks_curl(addr, f"http://127.0.1.43:{port}/", user="bob", password=BOB, hostname=False)
        assert r.returncode == 0, r.stderr
    sources = [x["source"] for x in log_lines(log, 6)]
    assert all(a != b for a, b in zip(sources, sources[1:])), sources
    assert access_log_sources(web, 6) == sources


# ---- 2. destination_hash and per_user -------------------------------------------------------------------

def test_destination_hash_keeps_each_destination_on_one_source(proxy, web):
    sg, addr, log = proxy(source_selection="destination_hash")
    port = web.ports["127.0.1.41"]
    hosts = [f"h{i}.test" for i in range(8)] + ["127.0.1.41", "127.0.1.43"]
    rounds = 3
    for _ in range(rounds):
        for host in hosts:
            r = socks_curl(addr, f"http://{host}:{port}/")
            assert r.returncode == 0, (host, r.stderr)
    lines = log_lines(log, rounds * len(hosts))
    by_destination = collections.defaultdict(list)
    for x in lines:
        assert x["result"] == "closed", x
        by_destination[x["destination"].rpartition(":")[0]].append(x["source"])
    assert set(by_destination) == set(hosts)
    for host, sources in by_destination.items():
        assert len(sources) == rounds and len(set(sources)) == 1, (host, sources)
    # Ten destinations do not all hash to the same of two addresses (the hash is fixed: FNV-1a).
    assert {s[0] for s in by_destination.values()} == set(V4_SOURCES), dict(by_destination)
    assert collections.Counter(access_log_sources(web, len(lines))) == collections.Counter(
        x["source"] for x in lines)


def test_per_user_pins_one_user_and_round_robins_another(proxy, web):
    pinned = "127.0.0.78"
    sg, addr, log = proxy(source_selection="per_user", workers=1,
                          user=[{"name": "alice", "source_address": pinned}])
    port = web.ports["127.0.1.41"]
    for _ in range(5):  # alice: SOCKS5 and plain HTTP, always from her address
        assert socks_curl(addr, f"http://web.test:{port}/").returncode == 0
        r = curl("--proxy", http_proxy_url(addr), f"http://web.test:{port}/")
        assert r.returncode == 0, r.stderr
    for _ in range(6):  # bob has no pinned address: round robin (one worker: strictly alternating)
        r = socks_curl(addr, f"http://web.test:{port}/", user="bob", password=BOB)
        assert r.returncode == 0, r.stderr
    lines = log_lines(log, 16)
    alice = [x["source"] for x in lines if x["user"] == "alice"]
    bob = [x["source"] for x in lines if x["user"] == "bob"]
    assert alice == [pinned] * 10, alice
    assert len(bob) == 6 and set(bob) == set(V4_SOURCES), bob
    assert all(a != b for a, b in zip(bob, bob[1:])), bob
    assert access_log_sources(web, 16) == [x["source"] for x in lines]


# ---- 3. IPv6 ----------------------------------------------------------------------------------------------

def test_socks5_to_an_ipv6_literal_leaves_from_the_ipv6_source(proxy, web6):
    sg, addr, log = proxy(sources=["127.0.0.77", "::1"])
    port = web6.ports["::1"]
    r = socks_curl(addr, f"http://[::1]:{port}/", hostname=False)  # curl sends ATYP 4 (IPv6)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-::1\n"
    # The same proxy sends an IPv4 destination from its IPv4 address.
    r = socks_curl(addr, f"http://127.0.1.41:{port}/", hostname=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.41\n"
    lines = log_lines(log, 2)
    assert [(x["source"], x["address"]) for x in lines] == [
        ("::1", f"[::1]:{port}"), ("127.0.0.77", f"127.0.1.41:{port}")], lines
    assert sorted(access_log_sources(web6, 2)) == ["127.0.0.77", "::1"]


def test_raw_socks5_ipv6_request_gets_an_ipv6_bound_address(proxy, web6):
    sg, addr, log = proxy(sources=["::1"])
    port = web6.ports["::1"]
    s, reply = socks_handshake(addr, "alice", PASSWORD, socks_request_ip("::1", port))
    with s:
        assert reply[:4] == b"\x05\x00\x00\x04", reply  # succeeded, BND.ADDR is IPv6
        assert socket.inet_ntop(socket.AF_INET6, reply[4:20]) == "::1"
        assert b"backend-::1" in get_through(s)
    (line,) = log_lines(log, 1)
    assert line["source"] == "::1" and line["result"] == "closed"


def test_a_name_with_only_an_aaaa_record_leaves_from_the_ipv6_source(proxy, web6):
    sg, addr, log = proxy(sources=["127.0.0.77", "::1"])
    port = web6.ports["::1"]
    r = socks_curl(addr, f"http://v6.test:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-::1\n"
    r = curl("--proxy", http_proxy_url(addr), f"http://v6.test:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-::1\n"
    assert [x["source"] for x in log_lines(log, 2)] == ["::1", "::1"]
    assert access_log_sources(web6, 2) == ["::1", "::1"]


def test_a_dual_stack_name_with_only_ipv6_sources_uses_its_aaaa_record(proxy, web6):
    """Only IPv6 can leave from here, so a name with both A and AAAA records must be reached over
    IPv6 rather than failing on its IPv4 address."""
    sg, addr, log = proxy(sources=["::1"])
    port = web6.ports["::1"]
    r = socks_curl(addr, f"http://dual.test:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-::1\n"
    (line,) = log_lines(log, 1)
    assert line["source"] == "::1" and line["address"] == f"[::1]:{port}", line


def test_an_ipv4_destination_with_only_ipv6_sources_fails_cleanly(proxy, web6):
    sg, addr, log = proxy(sources=["::1"])
    port = web6.ports["127.0.1.41"]
    # SOCKS5 with an IPv4 literal: a failure reply, not success and not a silent close.
    s, reply = socks_handshake(addr, "alice", PASSWORD, socks_request_ip("127.0.1.41", port))
    s.close()
    assert len(reply) >= 2 and reply[0] == 5 and reply[1] not in (0, 2), reply  # neither success nor "not allowed"
    # HTTP: 502 Bad Gateway, for CONNECT and for plain forwarding.
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", http_proxy_url(addr), f"http://127.0.1.41:{port}/")
    assert r.stdout == "502", (r.stdout, r.stderr)
    r = curl("-o", "/dev/null", "-w", "%{http_connect}", "-p", "--proxy", http_proxy_url(addr),
             f"http://127.0.1.41:{port}/")
    assert r.stdout == "502", (r.stdout, r.stderr)
    lines = log_lines(log, 3)
    assert [x["result"] for x in lines] == ["connect_failed"] * 3, lines
    assert [x["protocol"] for x in lines] == ["socks5", "http", "http_connect"], lines
    for x in lines:
        assert x["source"] == "" and x["destination"] == f"127.0.1.41:{port}", x
        assert x["detail"] == f"no IPv4 source address for 127.0.1.41:{port}", x
    assert access_log_sources(web6, 0, timeout=0) == []
    assert sg.alive()


def test_the_log_says_no_source_address_of_the_family(proxy, web6):
    sg, addr, log = proxy(sources=["::1"])
    port = web6.ports["127.0.1.41"]
    s, reply = socks_handshake(addr, "alice", PASSWORD, socks_request_ip("127.0.1.41", port))
    s.close()
    assert reply[:2] != b"\x05\x00", reply
    (line,) = log_lines(log, 1)
    assert "IPv4" in line["detail"] and "source address" in line["detail"], line


# ---- 5. server-wide max_connections -----------------------------------------------------------------------

def wait_for_probe_line(log: Path, timeout: float = 5.0) -> None:
    """The harness's readiness probe counts as a connection until staticgate has logged it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and any(is_probe(json.loads(x)) for x in log.read_text().splitlines()):
            return
        time.sleep(0.02)
    raise AssertionError("the readiness probe was never logged")


def test_max_connections_closes_the_third_connection_at_once(proxy, web):
    sg, addr, log = proxy(max_connections=2)
    wait_for_probe_line(log)
    port = web.ports["127.0.1.41"]
    held = []
    for _ in range(2):
        s, reply = socks_handshake(addr, "bob", BOB, socks_request_name("web.test", port))
        assert reply[:2] == b"\x05\x00", reply
        held.append(s)
    started = time.monotonic()
    assert h.connection_outcome(addr, timeout=5) in ("eof", "reset")  # no greeting needed to be refused
    assert time.monotonic() - started < 1.5  # at once, not after the handshake timeout (2s)
    # A client that talks gets nothing either.
    assert h.connection_outcome(addr, send=b"\x05\x01\x02", timeout=5) in ("eof", "reset")
    limited = [x for x in log_lines(log, 2) if x["result"] == "limit"]
    assert len(limited) == 2, log.read_text()
    # The two tunnels carry on.
    for s in held:
        assert b"backend-127.0.1.41" in get_through(s, "web.test")
        s.close()
    # And with them gone there is room again.
    deadline = time.monotonic() + 5
    while True:
        r = socks_curl(addr, f"http://web.test:{port}/", user="bob", password=BOB)
        if r.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.41\n"


# ---- 4. a source address that vanishes at run time (own network namespace) ---------------------------------

NS_SOURCES = ["10.200.0.1", "10.200.0.2"]
NS_BACKEND = "10.200.0.9"
NS_BACKEND_PORT = 8080
NS_PROXY_PORT = 1080

# A tiny HTTP server that answers with the client's address.
BACKEND_CODE = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.client_address[0] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""


class Netns:
    """A network namespace of this test: `ip netns add`, loopback up; everything started in it is
    stopped and the namespace deleted by close()."""

    def __init__(self, name: str):
        self.name = name
        self.procs: list[subprocess.Popen] = []
        r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            pytest.skip(f"cannot create a network namespace (needs root / CAP_SYS_ADMIN): "
                        f"`ip netns add {name}`: {r.stderr.strip()}")
        try:
            self.run("ip", "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def cmd(self, *args) -> list[str]:
        return ["ip", "netns", "exec", self.name, *args]

    def run(self, *args, check=True, timeout=15) -> subprocess.CompletedProcess:
        r = subprocess.run(self.cmd(*args), capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args)} in {self.name} failed ({r.returncode}): {r.stderr}")
        return r

    def popen(self, args, **kwargs) -> subprocess.Popen:
        p = subprocess.Popen(self.cmd(*args), stdin=subprocess.DEVNULL, **kwargs)
        self.procs.append(p)
        return p

    def wait_listening(self, host: str, port: int, proc: subprocess.Popen, timeout: float = 10.0) -> bool:
        probe = (f"import socket; socket.create_connection(({host!r}, {port}), timeout=1).close()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if self.run(sys.executable, "-c", probe, check=False).returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)


@pytest.fixture
def netns():
    ns = Netns(f"sg-test-{os.getpid()}")
    yield ns
    ns.close()


@pytest.mark.deadline(120)
def test_a_source_address_that_vanishes_is_skipped(netns, staticgate_bin, tmp_path):
    for a in [*NS_SOURCES, NS_BACKEND]:
        netns.run("ip", "addr", "add", f"{a}/32", "dev", "lo")
    backend = netns.popen([sys.executable, "-c", BACKEND_CODE, NS_BACKEND, str(NS_BACKEND_PORT)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert netns.wait_listening(NS_BACKEND, NS_BACKEND_PORT, backend), "the namespace's backend did not start"

    passwd = tmp_path / "egress.passwd"
    passwd.write_text(f"alice:{make_hash(PASSWORD)}\n")
    log = tmp_path / "connections.jsonl"
    cfg = {"global": {"workers": 1, "connection_log": str(log)},
           "egress": [{"name": "ns", "bind": [f"127.0.0.1:{NS_PROXY_PORT}"], "credentials_file": str(passwd),
                       "source_addresses": NS_SOURCES, "connect_timeout": "2s",
                       "access": {"allow": [{"destination": "10.200.0.0/24", "ports": ANY_PORT}]}}]}
    config_path = tmp_path / "staticgate.toml"
    config_path.write_text(h.render_config(cfg))
    stderr_path = tmp_path / "staticgate.stderr"
    with open(stderr_path, "wb") as err:
        sg = netns.popen([staticgate_bin, "run", "-c", str(config_path)], stdout=err, stderr=err)
    assert netns.wait_listening("127.0.0.1", NS_PROXY_PORT, sg), stderr_path.read_text()

    def request() -> str:
        r = netns.run("curl", "-sS", "--max-time", "5", "--socks5", f"127.0.0.1:{NS_PROXY_PORT}",
                      "--proxy-user", f"alice:{PASSWORD}", f"http://{NS_BACKEND}:{NS_BACKEND_PORT}/",
                      check=False, timeout=15)
        assert r.returncode == 0, f"curl: {r.stderr}\nstaticgate:\n{stderr_path.read_text()[-3000:]}"
        return r.stdout.strip()

    before = [request() for _ in range(4)]
    assert sorted(before) == sorted(NS_SOURCES * 2), before  # round robin over both
    assert "cannot be used" not in stderr_path.read_text()

    netns.run("ip", "addr", "del", f"{NS_SOURCES[0]}/32", "dev", "lo")
    after = [request() for _ in range(6)]
    assert after == [NS_SOURCES[1]] * 6, after
    assert sg.poll() is None
    text = stderr_path.read_text()
    assert f"source address {NS_SOURCES[0]} cannot be used" in text and "skipped" in text, text

    lines = [json.loads(x) for x in log.read_text().splitlines()]
    lines = [x for x in lines if x["protocol"] == "socks5"]
    assert [x["source"] for x in lines[-6:]] == [NS_SOURCES[1]] * 6
    assert all(x["result"] == "closed" for x in lines), lines

    # The address comes back: it is used again.
    netns.run("ip", "addr", "add", f"{NS_SOURCES[0]}/32", "dev", "lo")
    again = [request() for _ in range(4)]
    assert sorted(again) == sorted(NS_SOURCES * 2), again

    sg.send_signal(signal.SIGTERM)
    assert sg.wait(15) == 0, stderr_path.read_text()
    bad = [m for m in h.SANITIZER_MARKERS if m in stderr_path.read_text()]
    assert not bad, stderr_path.read_text()

"""The process survives hostile or sloppy clients and targets, keeps serving,
does not leak sockets, and its memory stays bounded. idle_timeout closes idle
connections (including half-closed ones)."""

from __future__ import annotations

import collections
import concurrent.futures
import random
import socket
import time

import pytest

import sg_helpers as h

# Observed values are printed (pytest -s). With the 0.1.0 dev build, workers = 2:
# RSS ~5 MiB at start and ~5 MiB after every abuse below (1002 sockets with 500
# connections held); sockets back to the 2 listening sockets every time.
RSS_LIMIT = 200 << 20


def settled_sockets(sg, timeout=5.0):
    """The process's socket count once it stops changing (bounded)."""
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = sg.fd_kinds().get("socket", 0)
        if n == last:
            return n
        last = n
        time.sleep(0.3)
    return last


def assert_healthy(sg, addr, names, baseline_sockets, what):
    """Still alive, still serving, every abusive connection released (socket
    count back to the baseline within a bounded wait), RSS below the bound."""
    assert sg.alive(), f"staticgate died after {what}; stderr:\n{sg.stderr()}"
    for _ in range(3):
        assert h.backend_name(addr, timeout=10) in names
    deadline = time.monotonic() + 20
    sockets = None
    while time.monotonic() < deadline:
        sockets = sg.fd_kinds().get("socket", 0)
        if sockets <= baseline_sockets:
            break
        time.sleep(0.2)
    kinds = sg.fd_kinds()
    rss = sg.rss()
    print(f"after {what}: rss={rss / 2**20:.1f} MiB fds={kinds} baseline_sockets={baseline_sockets}")
    assert sockets <= baseline_sockets, (
        f"sockets leaked after {what}: {sockets} open, {baseline_sockets} at start ({kinds})")
    assert rss < RSS_LIMIT, f"RSS {rss / 2**20:.1f} MiB after {what}"


@pytest.fixture
def gate(backends, simple_gate, request):
    forwarding = getattr(request, "param", "auto")
    sg, addr = simple_gate(backends.targets, workers=2, forwarding=forwarding)
    h.backend_name(addr)  # warm up: first connection on each path
    baseline = settled_sockets(sg)
    print(f"baseline: rss={sg.rss() / 2**20:.1f} MiB fds={sg.fd_kinds()}")
    return sg, addr, backends.names, baseline


def run_parallel(fn, count, threads=20):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, range(count)))


def test_garbage_bytes(gate):
    sg, addr, names, baseline = gate

    def one(i):
        rng = random.Random(i)
        with h.connect(addr, timeout=10) as s:
            try:
                s.sendall(rng.randbytes(rng.randint(1, 64 << 10)))
                if i % 2:
                    s.shutdown(socket.SHUT_WR)
                h.wait_closed(s, timeout=10)  # nginx answers 400 and closes
            except OSError:
                pass

    run_parallel(one, 200)
    assert_healthy(sg, addr, names, baseline, "200 garbage connections")


@pytest.mark.parametrize("gate", ["auto", "splice", "copy"], indirect=True)
def test_client_reset_mid_download(gate, files):
    sg, addr, names, baseline = gate
    files.ensure("mid.bin", 8 << 20, seed=2)

    def one(i):
        with h.connect(addr, timeout=10) as s:
            s.sendall(b"GET /files/mid.bin HTTP/1.0\r\nHost: t\r\n\r\n")
            got = 0
            while got < (64 << 10) * (1 + i % 8):
                b = s.recv(65536)
                if not b:
                    break
                got += len(b)
            h.set_linger_zero(s)

    run_parallel(one, 200)
    assert_healthy(sg, addr, names, baseline, "200 client RSTs mid-download")


@pytest.mark.parametrize("forwarding", ["auto", "splice", "copy"])
def test_target_reset_mid_upload(tcp_server, simple_gate, forwarding):
    resetter = tcp_server("127.0.1.4", h.reset_after_handler(32 << 10))
    sg, addr = simple_gate([resetter.target], workers=2, forwarding=forwarding)
    baseline = settled_sockets(sg)
    chunk = b"x" * (256 << 10)

    def one(i):
        with h.connect(addr, timeout=10) as s:
            try:
                for _ in range(16):  # 4 MB unless the reset comes first
                    s.sendall(chunk)
            except (ConnectionResetError, BrokenPipeError):
                return "reset"
            except socket.timeout:
                return "send blocked"  # staticgate stopped reading but kept the client open
            return h.wait_closed(s, timeout=10)

    outcomes = run_parallel(one, 100)
    assert sg.alive(), sg.stderr()
    # The target's RST must end the client connection too (no hang).
    assert set(outcomes) <= {"reset", "eof"}, collections.Counter(outcomes)
    assert resetter.accepted >= 100
    assert settled_sockets(sg, timeout=20) <= baseline, sg.fd_kinds()
    print(f"after 100 target RSTs: rss={sg.rss() / 2**20:.1f} MiB fds={sg.fd_kinds()}")
    assert sg.rss() < RSS_LIMIT


def test_500_half_open_connections_held_then_dropped(gate):
    sg, addr, names, baseline = gate
    held = []
    try:
        for i in range(500):
            s = h.connect(addr, timeout=10)
            held.append(s)
            if i % 2:
                s.sendall(b"GET / HTTP/1.1\r\nHost: incompl")  # a request never finished
        # Held connections do not block new ones.
        for _ in range(5):
            assert h.backend_name(addr, timeout=10) in names
        print(f"with 500 held: rss={sg.rss() / 2**20:.1f} MiB fds={sg.fd_kinds()}")
    finally:
        for i, s in enumerate(held):
            if i % 3 == 0:
                h.set_linger_zero(s)  # a third dropped with RST, the rest with FIN
            s.close()
    assert_healthy(sg, addr, names, baseline, "500 half-open connections dropped")


def test_connect_then_close_immediately(gate):
    sg, addr, names, baseline = gate
    for i in range(500):
        s = h.connect(addr, timeout=10)
        if i % 2:
            h.set_linger_zero(s)
        s.close()
    assert_healthy(sg, addr, names, baseline, "500 connect-and-close")


def test_everything_in_a_row_memory_bounded(gate, files):
    # The same abuse back to back on one process, to catch slow leaks.
    sg, addr, names, baseline = gate
    files.ensure("mid.bin", 8 << 20, seed=2)
    for round_ in range(3):
        for i in range(100):
            with h.connect(addr, timeout=10) as s:
                try:
                    s.sendall(random.Random(i).randbytes(1000))
                    h.wait_closed(s, timeout=10)
                except OSError:
                    pass
        for i in range(50):
            with h.connect(addr, timeout=10) as s:
                s.sendall(b"GET /files/mid.bin HTTP/1.0\r\n\r\n")
                s.recv(65536)
                h.set_linger_zero(s)
        for i in range(200):
            h.connect(addr, timeout=10).close()
        assert_healthy(sg, addr, names, baseline, f"abuse round {round_ + 1}")


def ignore_eof_handler(conn, server):
    """Reads until EOF, then neither sends nor closes for up to 30 s."""
    while conn.recv(65536):
        pass
    for _ in range(300):
        if server._stopping:
            return
        time.sleep(0.1)


def test_idle_timeout_closes_idle_connection(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    sg, addr = simple_gate([srv.target], listener={"idle_timeout": "1s"})
    with h.connect(addr, timeout=10) as s:
        assert h.recv_line(s) == b"hello hold\n"
        t0 = time.monotonic()
        outcome = h.wait_closed(s, timeout=10)
        elapsed = time.monotonic() - t0
    print(f"idle connection closed after {elapsed:.2f}s ({outcome})")
    assert outcome in ("eof", "reset"), outcome
    assert srv.wait_active(lambda n: n == 0), "backend side not closed"


def test_idle_timeout_closes_half_closed_connection(tcp_server, simple_gate):
    # Client sent FIN, target never answers nor closes: without the idle
    # timeout this session would live forever.
    srv = tcp_server("127.0.1.4", ignore_eof_handler)
    sg, addr = simple_gate([srv.target], listener={"idle_timeout": "1s"})
    with h.connect(addr, timeout=10) as s:
        s.sendall(b"request")
        s.shutdown(socket.SHUT_WR)
        outcome = h.wait_closed(s, timeout=10)
    assert outcome in ("eof", "reset"), outcome


def test_idle_timeout_spares_active_connection(tcp_server, simple_gate):
    echo = tcp_server("127.0.1.5", h.echo_handler)
    sg, addr = simple_gate([echo.target], listener={"idle_timeout": "1s"})
    with h.connect(addr, timeout=10) as s:
        for i in range(12):  # ~3.6 s of traffic, never idle for more than 0.3 s
            msg = f"ping {i}\n".encode()
            s.sendall(msg)
            assert h.recv_line(s) == msg
            time.sleep(0.3)
        outcome = h.wait_closed(s, timeout=10)
    assert outcome in ("eof", "reset"), outcome

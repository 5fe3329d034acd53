"""Connect retries: a failed connect to one target (refused, or timed out)
is retried on another target before any byte has moved; when every target is
dead the client connection is closed promptly."""

from __future__ import annotations

import socket
import time

import pytest

import sg_helpers as h

DEAD_HOST = "127.0.1.9"  # nothing ever listens here


@pytest.mark.parametrize("algorithm", ["round_robin", "least_connections", "maglev"])
def test_dead_target_is_skipped(backends, ports, simple_gate, algorithm):
    dead = h.fmt_addr(DEAD_HOST, ports.get(DEAD_HOST))
    # The dead target first and in the middle, so every algorithm picks it.
    targets = [dead, backends.targets[0], backends.targets[1]]
    sg, addr = simple_gate(targets, algorithm=algorithm,
                           group={"connect_retries": 2, "connect_timeout": "2s"})
    names = []
    for i in range(30):
        source = f"127.0.2.{i + 1}" if algorithm == "maglev" else None
        names.append(h.backend_name(addr, source=source, timeout=15))
    assert set(names) <= set(backends.names[:2]), names
    if algorithm != "maglev":
        assert set(names) == set(backends.names[:2]), names


def test_two_dead_targets_with_enough_retries(backends, ports, simple_gate):
    dead1 = h.fmt_addr(DEAD_HOST, ports.get(DEAD_HOST))
    dead2 = h.fmt_addr(DEAD_HOST, ports.get(DEAD_HOST))
    sg, addr = simple_gate([dead1, dead2, backends.targets[2]], workers=1,
                           group={"connect_retries": 2})
    for _ in range(12):
        assert h.backend_name(addr, timeout=15) == backends.names[2]


def _blackhole(ports):
    """A listener whose accept queue is full: further SYNs are dropped, so a
    connect to it neither succeeds nor is refused until a timeout. Returns
    (target string, sockets to close) or skips if the kernel still accepts."""
    host = "127.0.1.8"
    port = ports.get(host)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind((host, port))
    lsock.listen(0)
    keep = [lsock]
    for _ in range(4):  # fill the queue (backlog 0 holds one or two)
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((host, port))
        keep.append(c)
    time.sleep(0.2)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect((host, port))
        connected = True
    except (socket.timeout, OSError):
        connected = False
    finally:
        probe.close()
    if connected:
        for s in keep:
            s.close()
        pytest.skip("kernel accepted a connect to a full accept queue; no blackhole target")
    return h.fmt_addr(host, port), keep


def test_connect_timeout_then_retry_other_target(backends, ports, simple_gate):
    hole, keep = _blackhole(ports)
    try:
        sg, addr = simple_gate([hole, backends.targets[0]], workers=1,
                               group={"connect_timeout": "300ms", "connect_retries": 1})
        for _ in range(6):
            # Each request whose first pick is the blackhole costs ~300 ms.
            assert h.backend_name(addr, timeout=15) == backends.names[0]
    finally:
        for s in keep:
            s.close()


@pytest.mark.parametrize("retries", [0, 2])
def test_all_targets_dead_closes_client_promptly(ports, simple_gate, retries):
    dead = [h.fmt_addr(DEAD_HOST, ports.get(DEAD_HOST)) for _ in range(3)]
    sg, addr = simple_gate(dead, group={"connect_retries": retries})
    for _ in range(10):
        outcome = h.connection_outcome(addr, send=b"GET / HTTP/1.0\r\n\r\n", timeout=10)
        assert outcome in ("eof", "reset"), outcome
    assert sg.alive()


def test_all_targets_dead_client_sends_nothing(ports, simple_gate):
    # A client that waits for the server to speak first must not hang either.
    dead = [h.fmt_addr(DEAD_HOST, ports.get(DEAD_HOST)) for _ in range(2)]
    sg, addr = simple_gate(dead)
    assert h.connection_outcome(addr, timeout=10) in ("eof", "reset")


def test_all_targets_blackholed_closes_client_after_connect_timeout(ports, simple_gate):
    hole, keep = _blackhole(ports)
    try:
        sg, addr = simple_gate([hole], group={"connect_timeout": "500ms",
                                              "connect_retries": 1})
        outcome = h.connection_outcome(addr, send=b"hello", timeout=10)
        assert outcome in ("eof", "reset"), outcome
    finally:
        for s in keep:
            s.close()


def test_dead_target_comes_alive(ports, tcp_server, simple_gate):
    # A target that was refusing is used once something listens there.
    host = "127.0.1.7"
    port = ports.get(host)
    sg, addr = simple_gate([h.fmt_addr(host, port)])
    assert h.connection_outcome(addr, timeout=10) in ("eof", "reset")
    tcp_server(host, h.hold_handler, name="late", port=port)
    with h.connect(addr, timeout=10) as s:
        assert h.recv_line(s) == b"hello late\n"

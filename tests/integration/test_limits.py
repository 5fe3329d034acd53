"""Per-listener max_connections: excess connections are not served (the
design closes them right after accept), and capacity comes back when a
connection ends."""

from __future__ import annotations

import socket
import time

import pytest

import sg_helpers as h


def open_served(addr, server_name, count):
    """Opens count connections, each proven to reach the backend (greeting)."""
    socks = []
    try:
        for _ in range(count):
            s = h.connect(addr, timeout=10)
            socks.append(s)
            line = h.recv_line(s)
            assert line == f"hello {server_name}\n".encode(), line
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


def served_within(addr, server_name, timeout):
    """Polls until a new connection is served (greeting received); returns the
    socket or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = h.connect(addr, timeout=5)
        except OSError:
            time.sleep(0.1)
            continue
        try:
            if h.recv_line(s) == f"hello {server_name}\n".encode():
                return s
        except OSError:
            pass
        s.close()
        time.sleep(0.1)
    return None


def settle(server):
    """Waits until the readiness probe's connection is gone on the backend, and
    a little longer so staticgate has released it too."""
    assert server.wait_active(lambda n: n == 0)
    time.sleep(0.3)


@pytest.mark.parametrize("workers", [1, 2])
def test_sixth_connection_is_not_served(tcp_server, simple_gate, workers):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    sg, addr = simple_gate([srv.target], workers=workers, listener={"max_connections": 5})
    settle(srv)
    held = open_served(addr, "hold", 5)
    try:
        accepted_before = srv.accepted
        outcome = h.connection_outcome(addr, timeout=5)
        # Observed/expected: 'eof' (or 'reset'): staticgate accepts and closes
        # at once. 'data' would mean it was proxied; 'timeout' that it was left
        # hanging in the accept queue.
        print(f"6th connection with 5 held (workers={workers}): {outcome}")
        assert outcome in ("eof", "reset"), f"6th connection over the limit: {outcome}"
        assert srv.accepted == accepted_before, "the 6th connection reached the backend"
        assert srv.peak_active <= 5

        # Still full: another one is refused the same way.
        assert h.connection_outcome(addr, timeout=5) in ("eof", "reset")

        # Release one; a new connection is served again.
        held.pop().close()
        assert srv.wait_active(lambda n: n == 4)
        s = served_within(addr, "hold", timeout=10)
        assert s is not None, "no connection served after releasing one"
        held.append(s)
        assert srv.peak_active <= 5
    finally:
        for s in held:
            s.close()


def test_limit_is_per_listener(tcp_server, ports, staticgate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    p1, p2 = ports.get("127.0.0.1"), ports.get("127.0.0.1")
    cfg = {
        "global": {"workers": 2},
        "listener": [
            {"name": "small", "bind": [h.fmt_addr("127.0.0.1", p1)], "target_group": "g",
             "max_connections": 2},
            {"name": "other", "bind": [h.fmt_addr("127.0.0.1", p2)], "target_group": "g",
             "max_connections": 10},
        ],
        "target_group": [{"name": "g", "targets": [srv.target]}],
    }
    staticgate(cfg)
    settle(srv)
    held = open_served(("127.0.0.1", p1), "hold", 2)
    try:
        assert h.connection_outcome(("127.0.0.1", p1), timeout=5) in ("eof", "reset")
        held += open_served(("127.0.0.1", p2), "hold", 10)
        assert h.connection_outcome(("127.0.0.1", p2), timeout=5) in ("eof", "reset")
    finally:
        for s in held:
            s.close()


def test_limit_counts_connections_closed_by_target(tcp_server, simple_gate):
    # Capacity also comes back when the *target* ends the connection.
    srv = tcp_server("127.0.1.4", h.send_then_drain_handler(b"hello short\n"), name="short")
    sg, addr = simple_gate([srv.target], workers=1, listener={"max_connections": 2})
    for _ in range(20):
        with h.connect(addr, timeout=10) as s:
            assert h.recv_line(s) == b"hello short\n"
            s.shutdown(socket.SHUT_WR)
            assert h.recv_until_eof(s) == b""


def test_zero_means_unlimited(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    sg, addr = simple_gate([srv.target], listener={"max_connections": 0})
    held = open_served(addr, "hold", 300)
    try:
        assert srv.wait_active(lambda n: n >= 300)
    finally:
        for s in held:
            s.close()

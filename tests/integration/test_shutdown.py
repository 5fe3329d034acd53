"""SIGTERM drains: listeners close at once, established connections carry on
until they end (or shutdown_grace runs out), then the process exits 0. A second
signal stops waiting."""

from __future__ import annotations

import signal
import socket
import time

import sg_helpers as h


def refused(addr) -> bool:
    try:
        with socket.create_connection(addr, timeout=2) as s:
            s.settimeout(2)
            return s.recv(1) == b""  # accepted and closed also counts as not served
    except OSError:
        return True


def test_established_connection_finishes_during_drain(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.echo_handler, name="echo")
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", srv.port)], workers=2, global_={"shutdown_grace": "20s"})
    with h.connect(addr) as s:
        s.sendall(b"before\n")
        assert h.recv_line(s) == b"before\n"
        sg.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not refused(addr):
            time.sleep(0.1)
        assert refused(addr), "new connections still accepted while draining"
        assert sg.alive()
        s.sendall(b"during drain\n")
        assert h.recv_line(s) == b"during drain\n"
        s.shutdown(socket.SHUT_WR)
        assert h.recv_until_eof(s) == b""
    start = time.monotonic()
    rc = sg.proc.wait(10)
    sg.stopped = True
    assert time.monotonic() - start < 5, "did not exit promptly once the last connection ended"
    sg.check_clean_exit(rc)
    assert "all connections ended" in sg.stderr()


def test_grace_runs_out(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", srv.port)], workers=1, global_={"shutdown_grace": "500ms"})
    with h.connect(addr) as s:
        assert h.recv_line(s) == b"hello hold\n"
        rc = sg.stop(signal.SIGTERM, timeout=10)
        assert h.wait_closed(s, 5) in ("eof", "reset")
    sg.check_clean_exit(rc)
    assert "grace over" in sg.stderr()


def test_second_signal_stops_waiting(tcp_server, simple_gate):
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", srv.port)], workers=1, global_={"shutdown_grace": "60s"})
    with h.connect(addr) as s:
        assert h.recv_line(s) == b"hello hold\n"
        sg.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert sg.alive()
        rc = sg.stop(signal.SIGINT, timeout=10)
    sg.check_clean_exit(rc)
    assert "second signal" in sg.stderr()

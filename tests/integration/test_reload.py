"""Live reload (SIGHUP): a valid config is applied without dropping established
connections; a target that leaves its group gets no new connections and its
connections drain for deregistration_delay; a broken config changes nothing."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time

import sg_helpers as h


def reload(sg, cfg):
    sg.config_path.write_text(h.render_config(cfg))
    mark = len(sg.stderr(1 << 20))
    sg.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tail = sg.stderr(1 << 20)[mark:]
        if "reload: applied" in tail or "reload refused" in tail:
            time.sleep(0.2)  # workers apply the new generation on their own threads
            return tail
        time.sleep(0.05)
    raise AssertionError("no reload outcome logged:\n" + sg.stderr())


def stream_handler(conn, server):
    """Greets, then sends a line every 100 ms until the client closes (a long download)."""
    conn.settimeout(60)
    conn.sendall(f"hello {server.name}\n".encode())
    try:
        for i in range(600):
            conn.sendall(f"{server.name} {i}\n".encode())
            time.sleep(0.1)
    except OSError:
        pass


def connect_to(addr, greeting, tries=20):
    """A connection that reached the target greeting with `greeting` (round robin picks)."""
    for _ in range(tries):
        c = h.connect(addr)
        if h.recv_line(c) == greeting:
            return c
        c.close()
    raise AssertionError(f"no connection greeted with {greeting!r} in {tries} tries")


def names(addr, n=10):
    out = set()
    for _ in range(n):
        with h.connect(addr) as s:
            out.add(h.recv_line(s).decode().strip())
    return out


def test_removed_target_drains_and_new_connections_avoid_it(tmp_path, tcp_server, ports, simple_gate):
    a = tcp_server("127.0.1.4", stream_handler, name="a")
    b = tcp_server("127.0.1.5", stream_handler, name="b")
    ta, tb = h.fmt_addr("127.0.1.4", a.port), h.fmt_addr("127.0.1.5", b.port)
    log = tmp_path / "c.jsonl"
    sg, addr = simple_gate([ta, tb], workers=2, global_={"connection_log": str(log)},
                           group={"deregistration_delay": "30s"})
    assert names(addr) == {"hello a", "hello b"}

    # A long download from target a.
    s = connect_to(addr, b"hello a\n")
    cfg = h.simple_config(h.fmt_addr(*addr), [tb], workers=2, global_={"connection_log": str(log)},
                          group={"deregistration_delay": "30s"})
    out = reload(sg, cfg)
    assert "reload: applied" in out, out
    assert names(addr) == {"hello b"}, "a removed target still got new connections"
    # The download carries on across the reload.
    seen = [h.recv_line(s) for _ in range(5)]
    assert all(x.startswith(b"a ") for x in seen), seen
    s.close()

    # With a short deregistration delay, a connection to a removed target is closed.
    cfg_back = h.simple_config(h.fmt_addr(*addr), [ta, tb], workers=2, global_={"connection_log": str(log)},
                               group={"deregistration_delay": "1s"})
    assert "reload: applied" in reload(sg, cfg_back)
    s = connect_to(addr, b"hello a\n")
    cfg_gone = h.simple_config(h.fmt_addr(*addr), [tb], workers=2, global_={"connection_log": str(log)},
                               group={"deregistration_delay": "1s"})
    assert "reload: applied" in reload(sg, cfg_gone)
    start = time.monotonic()
    s.settimeout(10)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    assert time.monotonic() - start < 8, "drained connection was not closed after deregistration_delay"
    s.close()
    time.sleep(0.5)
    ends = [json.loads(x)["end"] for x in log.read_text().splitlines()]
    assert "drained" in ends, ends


def test_listeners_added_and_removed(ports, tcp_server, simple_gate):
    a = tcp_server("127.0.1.4", h.hold_handler, name="a")
    ta = h.fmt_addr("127.0.1.4", a.port)
    sg, addr = simple_gate([ta], workers=2)
    with h.connect(addr) as held:
        assert h.recv_line(held) == b"hello a\n"
        second = ("127.0.0.31", ports.get("127.0.0.31"))
        cfg = h.simple_config([h.fmt_addr(*second)], [ta], workers=2)
        assert "reload: applied" in reload(sg, cfg)
        with h.connect(second) as s:
            assert h.recv_line(s) == b"hello a\n"
        try:
            with socket.create_connection(addr, timeout=2) as s:
                s.settimeout(2)
                assert s.recv(16) == b"", "the removed listener still serves"
        except OSError:
            pass
        # The connection accepted by the removed listener is untouched.
        held.sendall(b"still here")
        held.shutdown(socket.SHUT_WR)
        assert held.recv(16) == b""  # hold_handler closes after our EOF: a clean end


def test_broken_config_changes_nothing(tcp_server, simple_gate):
    a = tcp_server("127.0.1.4", h.hold_handler, name="a")
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", a.port)], workers=1)
    sg.config_path.write_text("[[listener]]\nname = \"x\"\nbind = \"127.0.0.1:1\"\ntarget_group = \"nope\"\n")
    sg.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "reload refused" not in sg.stderr():
        time.sleep(0.05)
    assert "reload refused" in sg.stderr()
    assert "nope" in sg.stderr()  # the exact error is reported
    assert names(addr, 3) == {"hello a"}
    assert sg.alive()


def test_shutdown_waits_for_connections_of_a_removed_listener(ports, tcp_server, simple_gate):
    import signal
    srv = tcp_server("127.0.1.4", h.echo_handler, name="echo")
    target = h.fmt_addr("127.0.1.4", srv.port)
    sg, addr = simple_gate([target], workers=2, global_={"shutdown_grace": "20s"})
    with h.connect(addr) as held:
        held.sendall(b"one\n")
        assert h.recv_line(held) == b"one\n"
        second = ("127.0.0.32", ports.get("127.0.0.32"))
        # A listener of another name: the one that accepted `held` is gone from the config.
        cfg = h.simple_config([h.fmt_addr(*second)], [target], workers=2, global_={"shutdown_grace": "20s"},
                              listener={"name": "second"})
        assert "reload: applied" in reload(sg, cfg)
        sg.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert sg.alive(), "stopped without waiting for the connection of the removed listener"
        held.sendall(b"two\n")
        assert h.recv_line(held) == b"two\n"
    rc = sg.proc.wait(10)
    sg.stopped = True
    sg.check_clean_exit(rc)
    assert "draining 1 connection(s)" in sg.stderr()

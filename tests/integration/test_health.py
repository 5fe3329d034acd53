"""Health checks against real nginx backends: a stopped backend turns unhealthy
within the thresholds and traffic moves; it comes back when the backend does;
HTTP checks judge the status; with every target unhealthy the group fails open;
passive detection takes a target out after real connections fail."""

from __future__ import annotations

import collections
import json
import time

import sg_helpers as h


def spread(addr, n=30):
    return collections.Counter(h.backend_name(addr) for _ in range(n))


def wait_for(predicate, timeout=15.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


FAST = {"interval": "200ms", "timeout": "100ms", "healthy_threshold": 2, "unhealthy_threshold": 2}


def test_a_stopped_backend_turns_unhealthy_and_comes_back(nginx, simple_gate):
    up = nginx(("127.0.1.1", "127.0.1.2"))
    extra = nginx(("127.0.1.3",))
    sg, addr = simple_gate(up.targets + extra.targets, workers=2, group={"health_check": dict(FAST)})
    assert set(spread(addr)) == {"backend-127.0.1.1", "backend-127.0.1.2", "backend-127.0.1.3"}

    extra.stop()
    assert wait_for(lambda: "127.0.1.3" in sg.stderr() and "unhealthy" in sg.stderr()), sg.stderr()
    assert set(spread(addr)) == {"backend-127.0.1.1", "backend-127.0.1.2"}


def test_recovery_on_the_same_address(tcp_server, ports, simple_gate):
    port = ports.get("127.0.1.5")
    a = tcp_server("127.0.1.4", h.hold_handler, name="a")
    b = tcp_server("127.0.1.5", h.hold_handler, name="b", port=port)
    sg, addr = simple_gate([h.fmt_addr("127.0.1.4", a.port), h.fmt_addr("127.0.1.5", port)], workers=1,
                           group={"health_check": dict(FAST)})
    b.stop()
    assert wait_for(lambda: "unhealthy" in sg.stderr()), sg.stderr()
    b2 = tcp_server("127.0.1.5", h.hold_handler, name="b", port=port)
    assert wait_for(lambda: "-> healthy" in sg.stderr()), sg.stderr()
    names = set()
    for _ in range(10):
        with h.connect(addr) as s:
            names.add(h.recv_line(s))
    assert names == {b"hello a\n", b"hello b\n"}
    b2.stop()


def test_http_check_judges_the_status_and_all_unhealthy_fails_open(nginx, simple_gate):
    up = nginx(("127.0.1.1", "127.0.1.2"))
    good = dict(FAST, protocol="http", path="/", expected_status="200")
    sg, addr = simple_gate(up.targets, workers=1, group={"health_check": good})
    assert set(spread(addr, 10)) == {"backend-127.0.1.1", "backend-127.0.1.2"}
    time.sleep(1.0)
    assert "unhealthy" not in sg.stderr(), sg.stderr()

    bad = dict(FAST, protocol="http", path="/no-such-page", expected_status="200-299")
    sg2, addr2 = simple_gate(up.targets, workers=1, group={"health_check": bad})
    assert wait_for(lambda: "failing open" in sg2.stderr()), sg2.stderr()
    assert "unexpected" in sg2.stderr() or "404" in sg2.stderr() or "unhealthy" in sg2.stderr()
    # Fail-open: traffic still reaches both.
    assert set(spread(addr2, 10)) == {"backend-127.0.1.1", "backend-127.0.1.2"}


def test_passive_failures_take_a_target_out_between_probes(tmp_path, nginx, ports, simple_gate):
    up = nginx(("127.0.1.1",))
    dead = h.fmt_addr("127.0.1.9", ports.get("127.0.1.9"))
    log = tmp_path / "c.jsonl"
    slow_probes = {"interval": "1h", "timeout": "5s", "passive_failures": 1, "start_healthy": True}
    sg, addr = simple_gate(up.targets + [dead], workers=1, global_={"connection_log": str(log)},
                           group={"health_check": slow_probes})
    for _ in range(20):
        assert h.backend_name(addr) == "backend-127.0.1.1"  # connect retry covers the dead one
    assert wait_for(lambda: "unhealthy" in sg.stderr()), sg.stderr()
    time.sleep(0.6)  # let the log flush what came before (every 250 ms)
    before = len(log.read_text().splitlines()) if log.exists() else 0
    for _ in range(10):
        assert h.backend_name(addr) == "backend-127.0.1.1"
    time.sleep(0.6)  # the log flushes every 250 ms
    lines = [json.loads(x) for x in log.read_text().splitlines()][before:]
    assert lines and all(x["attempts"] == 1 for x in lines), lines


def test_health_survives_a_reload(tmp_path, tcp_server, ports, simple_gate):
    import signal
    a = tcp_server("127.0.1.4", h.hold_handler, name="a")
    dead = h.fmt_addr("127.0.1.9", ports.get("127.0.1.9"))
    log = tmp_path / "c.jsonl"
    check = {"interval": "2s", "timeout": "1s", "unhealthy_threshold": 1, "passive_failures": 0}
    targets = [h.fmt_addr("127.0.1.4", a.port), dead]
    sg, addr = simple_gate(targets, workers=1, global_={"connection_log": str(log)}, group={"health_check": check})
    assert wait_for(lambda: "unhealthy" in sg.stderr()), sg.stderr()
    cfg = h.simple_config(h.fmt_addr(*addr), targets, workers=1, global_={"connection_log": str(log)},
                          group={"health_check": check}, listener={"idle_timeout": "300s"})
    sg.config_path.write_text(h.render_config(cfg))
    sg.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "reload: applied" in sg.stderr()), sg.stderr()
    time.sleep(0.3)
    before = len(log.read_text().splitlines()) if log.exists() else 0
    # Right after the reload, before any new probe: the dead target must still be out.
    for _ in range(6):
        with h.connect(addr) as s:
            assert h.recv_line(s) == b"hello a\n"
    time.sleep(0.6)
    lines = [json.loads(x) for x in log.read_text().splitlines()][before:]
    assert lines and all(x["attempts"] == 1 for x in lines), lines


def _hold_a_connection_to(addr, name: bytes):
    """Connects until the balancer hands us the target that greets with `name`."""
    for _ in range(20):
        s = h.connect(addr)
        if h.recv_line(s) == name:
            return s
        s.close()
    raise AssertionError(f"never reached {name!r}")


def test_on_unhealthy_close_ends_established_connections(tcp_server, ports, simple_gate, tmp_path):
    # Probes go to a port of their own, so stopping the probe server makes target a unhealthy
    # while the connection we hold to its traffic port stays up on the backend's side.
    probe_port = ports.get_common(["127.0.1.6", "127.0.1.7"])
    probe_a = tcp_server("127.0.1.6", h.hold_handler, name="probe-a", port=probe_port)
    tcp_server("127.0.1.7", h.hold_handler, name="probe-b", port=probe_port)
    a = tcp_server("127.0.1.6", h.hold_handler, name="a")
    b = tcp_server("127.0.1.7", h.hold_handler, name="b")
    log = tmp_path / "connections.jsonl"
    targets = [h.fmt_addr("127.0.1.6", a.port), h.fmt_addr("127.0.1.7", b.port)]
    check = dict(FAST, port=probe_port, on_unhealthy="close")
    sg, addr = simple_gate(targets, workers=2, global_={"connection_log": str(log)}, group={"health_check": check})
    held = _hold_a_connection_to(addr, b"hello a\n")
    other = _hold_a_connection_to(addr, b"hello b\n")
    probe_a.stop()
    assert h.wait_closed(held, 10) in ("eof", "reset"), sg.stderr()
    other.sendall(b"x")  # the healthy target's connection is untouched
    assert h.wait_closed(other, 0.5) == "timeout"
    other.close()
    assert wait_for(lambda: any(json.loads(x)["end"] == "target_unhealthy" for x in log.read_text().splitlines()))


def test_on_unhealthy_keep_is_the_default(tcp_server, ports, simple_gate):
    probe_port = ports.get_common(["127.0.1.6", "127.0.1.7"])
    probe_a = tcp_server("127.0.1.6", h.hold_handler, name="probe-a", port=probe_port)
    tcp_server("127.0.1.7", h.hold_handler, name="probe-b", port=probe_port)
    a = tcp_server("127.0.1.6", h.hold_handler, name="a")
    b = tcp_server("127.0.1.7", h.hold_handler, name="b")
    targets = [h.fmt_addr("127.0.1.6", a.port), h.fmt_addr("127.0.1.7", b.port)]
    sg, addr = simple_gate(targets, workers=2, group={"health_check": dict(FAST, port=probe_port)})
    held = _hold_a_connection_to(addr, b"hello a\n")
    probe_a.stop()
    assert wait_for(lambda: "unhealthy" in sg.stderr()), sg.stderr()
    assert h.wait_closed(held, 1.0) == "timeout"  # still open
    held.close()

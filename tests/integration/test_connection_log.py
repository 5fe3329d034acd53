"""The connection log: one JSON line per connection, naming the real client,
the static address it reached, the target, bytes each way and how it ended."""

from __future__ import annotations

import json
import time

import sg_helpers as h


def find_line(path, predicate, timeout=10.0):
    """Waits (bounded) for a log line matching predicate; returns it parsed. Every
    line must be valid JSON. (The harness's readiness probe adds lines of its own.)"""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
            found = [x for x in lines if predicate(x)]
            if found:
                return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no matching log line in {lines}")


def test_normal_reset_and_failed_connections_are_logged(tmp_path, nginx, ports, tcp_server, simple_gate):
    log = tmp_path / "connections.jsonl"
    web = nginx(("127.0.1.1",)).addrs[0]
    resetter = tcp_server("127.0.1.5", h.reset_after_handler(10), name="rst")
    dead_port = ports.get("127.0.1.9")

    sg_ok, addr_ok = simple_gate([h.fmt_addr(*web)], global_={"connection_log": str(log)}, workers=1)
    status, _, body = h.http_get(addr_ok, source="127.0.2.7")
    assert status == 200
    line = find_line(log, lambda x: x["client"].startswith("127.0.2.7:"))
    assert line["local"] == h.fmt_addr(*addr_ok)
    assert line["target"] == h.fmt_addr(*web)
    assert line["listener"] == "main" and line["target_group"] == "g"
    assert line["bytes_from_client"] > 0 and line["bytes_from_target"] >= len(body)
    assert line["end"] in ("client_closed", "target_closed")
    assert line["attempts"] == 1
    assert line["duration_ms"] >= 0
    assert line["start"].endswith("Z")
    sg_ok.check_clean_exit(sg_ok.stop())

    log_rst = tmp_path / "rst.jsonl"
    _, addr_rst = simple_gate([h.fmt_addr("127.0.1.5", resetter.port)], global_={"connection_log": str(log_rst)},
                              workers=1)
    with h.connect(addr_rst) as s:
        try:
            s.sendall(b"x" * 4096)
            h.recv_until_eof(s)
        except OSError:
            pass
    find_line(log_rst, lambda x: x["end"] == "target_reset")

    log_dead = tmp_path / "dead.jsonl"
    _, addr_dead = simple_gate([h.fmt_addr("127.0.1.9", dead_port)], global_={"connection_log": str(log_dead)},
                               workers=1, group={"connect_retries": 0})
    with h.connect(addr_dead) as s:
        assert h.wait_closed(s, 10) in ("eof", "reset")
    line = find_line(log_dead, lambda x: x["end"] == "connect_failed")
    assert line["target"] is None
    assert line["attempts"] == 1


def test_idle_timeout_is_logged(tmp_path, tcp_server, simple_gate):
    log = tmp_path / "idle.jsonl"
    srv = tcp_server("127.0.1.4", h.hold_handler, name="hold")
    _, addr = simple_gate([h.fmt_addr("127.0.1.4", srv.port)], global_={"connection_log": str(log)},
                          listener={"idle_timeout": "500ms"}, workers=1)
    with h.connect(addr) as s:
        assert h.recv_line(s) == b"hello hold\n"
        assert h.wait_closed(s, 10) in ("eof", "reset")
    line = find_line(log, lambda x: x["end"] == "idle_timeout")
    assert line["bytes_from_target"] == len(b"hello hold\n")

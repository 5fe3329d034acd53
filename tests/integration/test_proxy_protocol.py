"""PROXY protocol through real peers: nginx backends listening with
`proxy_protocol` report the address the header carried, so they prove v1 and v2
deliver the true client address; HAProxy with `send-proxy-v2` in front of a
listener with accept_proxy_protocol proves staticgate reads it."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

import sg_helpers as h

HAPROXY = "/usr/sbin/haproxy"


def get_body(addr, source):
    status, _, body = h.http_get(addr, source=source)
    assert status == 200
    return body.decode().strip()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_targets_learn_the_client_address(nginx, simple_gate, version):
    backend = nginx(("127.0.1.6",), proxy_protocol=True)
    _, addr = simple_gate(backend.targets, group={"proxy_protocol": version}, workers=1)
    with h.connect(addr, source="127.0.2.33") as s:
        client_port = s.getsockname()[1]
        s.sendall(b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        raw = h.recv_until_eof(s)
    assert raw.startswith(b"HTTP/1.1 200"), raw[:200]
    assert raw.rstrip().endswith(f"127.0.2.33:{client_port}".encode()), raw


@pytest.fixture
def haproxy(tmp_path, ports):
    procs = []

    def start(listen, server, send_proxy="send-proxy-v2"):
        cfg = tmp_path / f"haproxy{len(procs)}.cfg"
        cfg.write_text(f"""global
    maxconn 1000
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
listen front
    bind {h.fmt_addr(*listen)}
    server s1 {server} {send_proxy}
""")
        p = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(p)
        deadline = time.monotonic() + 10
        assert h._poll_connect(listen, deadline, lambda: p.poll() is None), "haproxy did not start"
        return p

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.mark.parametrize("send_proxy", ["send-proxy-v2", "send-proxy"])
def test_behind_haproxy_the_original_client_is_used(tmp_path, nginx, ports, staticgate, haproxy, send_proxy):
    backend = nginx(("127.0.1.7",), proxy_protocol=True)
    log = tmp_path / "connections.jsonl"
    gate_port = ports.get("127.0.0.21")
    cfg = h.simple_config(h.fmt_addr("127.0.0.21", gate_port), backend.targets, workers=1,
                          listener={"accept_proxy_protocol": True},
                          group={"proxy_protocol": "v1"}, global_={"connection_log": str(log)})
    # Readiness is probed through HAProxy below; a bare probe would send no header.
    staticgate(cfg, ready_addrs=[])
    front = ("127.0.0.22", ports.get("127.0.0.22"))
    haproxy(front, h.fmt_addr("127.0.0.21", gate_port), send_proxy)

    body = get_body(front, "127.0.2.44")
    assert body.startswith("127.0.2.44:"), body

    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline:
        if log.exists():
            lines = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
            if any(x["client"].startswith("127.0.2.44:") for x in lines):
                break
        time.sleep(0.1)
    line = next(x for x in lines if x["client"].startswith("127.0.2.44:"))
    assert line["local"] == h.fmt_addr(*front), line  # where the client really connected


def test_header_split_across_packets_and_payload_in_the_same_packet(nginx, ports, staticgate):
    backend = nginx(("127.0.1.8",), proxy_protocol=True)
    port = ports.get("127.0.0.23")
    staticgate(h.simple_config(h.fmt_addr("127.0.0.23", port), backend.targets, workers=1,
                               listener={"accept_proxy_protocol": True}, group={"proxy_protocol": "v2"}),
               ready_addrs=[])
    h._poll_connect(("127.0.0.23", port), time.monotonic() + 10)
    header = b"PROXY TCP4 198.51.100.9 127.0.0.23 40000 80\r\n"
    with socket.create_connection(("127.0.0.23", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, 20):
            s.sendall(header[i:i + 1])
            time.sleep(0.01)
        # the rest of the header and the request together
        s.sendall(header[20:] + b"GET / HTTP/1.0\r\nHost: t\r\n\r\n")
        raw = h.recv_until_eof(s)
    assert raw.rstrip().endswith(b"198.51.100.9:40000"), raw


@pytest.mark.parametrize("garbage", [b"GET / HTTP/1.0\r\n\r\n", b"\x16\x03\x01\x02\x00", b"PROXY TCP4 1.2.3\r\n"])
def test_a_missing_or_bad_header_closes_the_connection(nginx, ports, staticgate, garbage):
    backend = nginx(("127.0.1.8",), proxy_protocol=True)
    port = ports.get("127.0.0.24")
    sg = staticgate(h.simple_config(h.fmt_addr("127.0.0.24", port), backend.targets, workers=1,
                                    listener={"accept_proxy_protocol": True}, group={"proxy_protocol": "v1"}),
                    ready_addrs=[])
    h._poll_connect(("127.0.0.24", port), time.monotonic() + 10)
    with socket.create_connection(("127.0.0.24", port), timeout=10) as s:
        s.sendall(garbage)
        assert h.wait_closed(s, 10) in ("eof", "reset")
    # Still serving proper clients.
    with socket.create_connection(("127.0.0.24", port), timeout=10) as s:
        s.sendall(b"PROXY TCP4 198.51.100.10 127.0.0.24 40001 80\r\nGET / HTTP/1.0\r\nHost: t\r\n\r\n")
        assert h.recv_until_eof(s).startswith(b"HTTP/1.1 200")
    assert sg.alive()

"""The egress proxy (SOCKS5, HTTP CONNECT, plain HTTP forwarding) against real
clients: curl --socks5-hostname / --socks5 / --proxy, proxychains4 wrapping a
program, and Python's standard library through HTTP_PROXY; destinations are
nginx (plain HTTP, whose access log must show the configured source address
127.0.0.77) and a TLS server of the test. Names resolve through a real
PowerDNS. Negative cases: wrong password, disallowed host and port, the cloud
metadata address, a name resolving to a forbidden address, malformed SOCKS and
HTTP bytes, a silent client."""

from __future__ import annotations

import crypt  # noqa: deprecated in 3.11, present in Debian 12's Python; only to make test hashes
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

import dns_server
import sg_helpers as h

SOURCE = "127.0.0.77"
PASSWORD = "s3cret pass"


def make_hash(password: str) -> str:
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


@pytest.fixture
def names():
    """PowerDNS answering web.test -> 127.0.1.41, evil.test -> 169.254.169.254, lo.test -> 127.0.0.1."""
    d = dns_server.DnsServer([], address="127.0.3.2", records=[
        "web 60 IN A 127.0.1.41", "tls 60 IN A 127.0.1.42", "evil 60 IN A 169.254.169.254",
        "other 60 IN A 127.0.1.43"])
    d.start()
    yield d
    d.close()


@pytest.fixture
def web(nginx):
    return nginx(("127.0.1.41", "127.0.1.43"), common_port=True)


@pytest.fixture
def proxy(staticgate, ports, tmp_path, names):
    """Factory: proxy(**egress_overrides) -> (sg, address, log_path)."""

    def start(allow=None, users=None, admin=None, passwd_text=None, **overrides):
        port = ports.get("127.0.0.1")
        passwd = tmp_path / "egress.passwd"
        passwd.write_text(passwd_text or f"alice:{make_hash(PASSWORD)}\nbob:{make_hash('bobpw')}\n")
        log = tmp_path / "connections.jsonl"
        egress = {
            "name": "out",
            "bind": [f"127.0.0.1:{port}"],
            "credentials_file": str(passwd),
            "source_addresses": [SOURCE],
            "name_servers": [names.server],
            "handshake_timeout": "1s",
            "connect_timeout": "2s",
            "access": {"allow": allow if allow is not None else [
                {"destination": "127.0.1.0/24", "ports": "1-65535"}, {"destination": "*.test"}]},
            **overrides,
        }
        if users is not None:
            egress["user"] = users
        cfg = {"global": {"workers": 2, "connection_log": str(log)}, "egress": [egress]}
        if admin:
            cfg["admin"] = {"listen": h.fmt_addr(*admin)}
        sg = staticgate(cfg, ready_addrs=[("127.0.0.1", port)])
        return sg, ("127.0.0.1", port), log

    return start


def curl(*args, timeout=20):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True,
                          timeout=timeout)


def log_lines(log: Path, n: int, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
        # The test harness's readiness probe connects and closes without a word.
        lines = [x for x in lines if not (x["protocol"] == "unknown" and x["result"] == "closed")]
        if len(lines) >= n:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"expected {n} log lines in {log}")


def access_log_sources(nginx_server, expected: int = 1, timeout: float = 5.0) -> list[str]:
    """Client addresses in nginx's access log, once it has `expected` lines: nginx writes a
    line after the response is on its way, so the client may see the answer first."""
    deadline = time.monotonic() + timeout
    while True:
        lines = nginx_server.access_log.read_text().splitlines() if nginx_server.access_log.exists() else []
        if len(lines) >= expected or time.monotonic() > deadline:
            return [line.split()[0] for line in lines]
        time.sleep(0.02)


def test_socks5_hostname_with_credentials_leaves_from_the_source_address(proxy, web):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.41"]
    r = curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", f"alice:{PASSWORD}", f"http://web.test:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.41\n"
    assert access_log_sources(web) == [SOURCE]
    (line,) = log_lines(log, 1)
    assert line["protocol"] == "socks5" and line["user"] == "alice" and line["source"] == SOURCE
    assert line["destination"] == f"web.test:{port}" and line["address"] == f"127.0.1.41:{port}"
    assert line["result"] == "closed" and line["bytes_from_target"] > 0


def test_socks5_with_an_ip_destination(proxy, web):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.43"]
    r = curl("--socks5", h.fmt_addr(*addr), "--proxy-user", f"bob:bobpw", f"http://127.0.1.43:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.43\n"


def test_plain_http_forwarding_and_the_access_log_source(proxy, web):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.41"]
    r = curl("--proxy", f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}", f"http://web.test:{port}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.41\n"
    assert access_log_sources(web) == [SOURCE]


def test_python_standard_library_through_http_proxy(proxy, web):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.43"]
    env = dict(os.environ, HTTP_PROXY=f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}",
               NO_PROXY="")
    code = ("import urllib.request; "
            f"print(urllib.request.urlopen('http://other.test:{port}/', timeout=10).read().decode(), end='')")
    r = subprocess.run(["/usr/bin/python3", "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.43\n"


@pytest.fixture
def tls_server(tmp_path, ports):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tls.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    host, port = "127.0.1.42", ports.get("127.0.1.42")
    listener = socket.create_server((host, port))
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    tls.recv(4096)
                    body = b"hello over tls\n"
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
            except (OSError, ssl.SSLError):
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield port
    stop.set()
    t.join(5)
    listener.close()


def test_http_connect_tunnels_tls(proxy, tls_server):
    sg, addr, log = proxy()
    r = curl("-k", "--proxy", f"http://{h.fmt_addr(*addr)}", "--proxy-user", f"alice:{PASSWORD}",
             f"https://tls.test:{tls_server}/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello over tls\n"
    (line,) = log_lines(log, 1)
    assert line["protocol"] == "http_connect" and line["result"] == "closed"


def test_proxychains_wraps_an_unmodified_program(proxy, web, tmp_path):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.43"]
    conf = tmp_path / "proxychains.conf"
    conf.write_text(f"strict_chain\nquiet_mode\ntcp_read_time_out 5000\ntcp_connect_time_out 5000\n"
                    f"[ProxyList]\nsocks5 {addr[0]} {addr[1]} alice {PASSWORD.replace(' ', '')}\n")
    # proxychains' config cannot hold a space in the password: bob's has none.
    conf.write_text(conf.read_text().replace(f"alice {PASSWORD.replace(' ', '')}", "bob bobpw"))
    r = subprocess.run(["proxychains4", "-f", str(conf), "curl", "-sS", "--max-time", "10",
                        f"http://127.0.1.43:{port}/"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "backend-127.0.1.43\n"
    assert access_log_sources(web) == [SOURCE]


# ---- refusals ---------------------------------------------------------------------------------

def test_wrong_password_is_refused_in_both_protocols(proxy, web):
    sg, addr, log = proxy()
    port = web.ports["127.0.1.41"]
    r = curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", "alice:wrong", f"http://web.test:{port}/")
    assert r.returncode != 0
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", f"http://alice:wrong@{h.fmt_addr(*addr)}",
             f"http://web.test:{port}/")
    assert r.stdout == "407"
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", f"http://{h.fmt_addr(*addr)}", f"http://web.test:{port}/")
    assert r.stdout == "407"
    lines = log_lines(log, 3)
    assert [x["result"] for x in lines] == ["auth_failed"] * 3
    assert web.access_log.read_text() == ""


def test_a_host_outside_the_allow_list_gets_403(proxy, web):
    sg, addr, log = proxy(allow=[{"destination": "web.test"}])
    port = web.ports["127.0.1.43"]
    proxy_url = f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}"
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", proxy_url, f"http://other.test:{port}/")
    assert r.stdout == "403"
    (line,) = log_lines(log, 1)
    assert line["result"] == "denied" and "other.test" in line["destination"]


@pytest.mark.parametrize("url,why", [
    ("http://169.254.169.254:80/latest/meta-data/", "cloud metadata"),
    ("http://evil.test:{port}/", "name resolving to a forbidden address"),
])
def test_forbidden_destinations_get_403_and_socks_reply_2(proxy, web, url, why):
    sg, addr, log = proxy()
    url = url.format(port=web.ports["127.0.1.41"])
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}", url)
    assert r.stdout == "403", why
    r = curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", f"alice:{PASSWORD}", url)
    assert r.returncode == 97 or "not allowed" in r.stderr.lower(), r.stderr  # curl: SOCKS reply 2
    assert [x["result"] for x in log_lines(log, 2)] == ["denied", "denied"]


def test_disallowed_port_is_refused(proxy, web):
    sg, addr, log = proxy(allow=[{"destination": "127.0.1.0/24", "ports": "1-2"}])
    port = web.ports["127.0.1.41"]
    r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}",
             f"http://127.0.1.41:{port}/")
    assert r.stdout == "403"


def raw(addr, data: bytes, read_timeout=5.0) -> bytes:
    with socket.create_connection(addr, timeout=read_timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(4096):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def test_malformed_bytes_get_an_answer_and_nothing_else_breaks(proxy, web):
    sg, addr, log = proxy()
    assert raw(addr, b"GARBAGE\x00\r\n\r\n").startswith(b"HTTP/1.1 400")
    # SOCKS5: a greeting offering username/password, then a broken sub-negotiation.
    answer = raw(addr, b"\x05\x01\x02" + b"\x07\xff")
    assert answer[:2] == b"\x05\x02" and answer[2:] in (b"", b"\x01\x01")
    # BIND is not supported: reply 7.
    auth = b"\x01\x05alice" + bytes([len(PASSWORD)]) + PASSWORD.encode()
    answer = raw(addr, b"\x05\x01\x02" + auth + b"\x05\x02\x00\x01\x7f\x00\x01\x29\x00\x50")
    assert answer[:4] == b"\x05\x02\x01\x00" and answer[4:6] == b"\x05\x07"
    r = curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", f"alice:{PASSWORD}",
             f"http://web.test:{web.ports['127.0.1.41']}/")
    assert r.returncode == 0 and sg.alive()


def test_a_silent_client_is_closed_after_the_handshake_timeout(proxy):
    sg, addr, log = proxy()
    started = time.monotonic()
    with socket.create_connection(addr, timeout=10) as s:
        assert s.recv(100) == b""  # closed without an answer: nothing was said
    assert 0.8 < time.monotonic() - started < 5
    (line,) = log_lines(log, 1)
    assert line["result"] == "handshake_timeout"


def test_metrics_count_per_user_and_source_address(proxy, web, ports):
    import check_metrics
    admin = ("127.0.0.46", ports.get("127.0.0.46"))
    sg, addr, log = proxy(admin=admin)
    port = web.ports["127.0.1.41"]
    for _ in range(3):
        assert curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", f"alice:{PASSWORD}",
                    f"http://web.test:{port}/").returncode == 0
    assert curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", "alice:nope",
                f"http://web.test:{port}/").returncode != 0
    log_lines(log, 4)
    with urllib.request.urlopen(f"http://{h.fmt_addr(*admin)}/api/v1/egress", timeout=10) as r:
        (server,) = json.loads(r.read())
    assert server["results"]["auth_failed"] == 1
    assert server["results"]["closed"] >= 3  # and the harness's readiness probe
    alice = next(u for u in server["users"] if u["key"] == "alice")
    assert alice["tunnels"] == 3 and alice["bytes_from_destination"] > 0
    source = next(u for u in server["source_addresses"] if u["key"] == SOURCE)
    assert source["tunnels"] == 3
    text = check_metrics.fetch(f"http://{h.fmt_addr(*admin)}/metrics")
    check_metrics.check(text, ["staticgate_egress_active_connections", "staticgate_egress_active_tunnels"])
    assert 'staticgate_egress_tunnels_total{egress="out",by="user",key="alice"} 3' in text


def test_an_open_proxy_is_refused_unless_confirmed(staticgate_bin, tmp_path):
    cfg = {"egress": [{"name": "open", "bind": ["0.0.0.0:1080"], "authentication": "none"}]}
    path = tmp_path / "open.toml"
    path.write_text(h.render_config(cfg))
    r = subprocess.run([staticgate_bin, "check", "-c", str(path)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "open proxy" in r.stderr, r.stderr
    cfg["egress"][0]["allow_open_proxy"] = True
    path.write_text(h.render_config(cfg))
    r = subprocess.run([staticgate_bin, "check", "-c", str(path)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr


def test_hash_password_makes_a_credentials_line_the_proxy_accepts(proxy, web, staticgate_bin, tmp_path):
    line = subprocess.run([staticgate_bin, "hash-password", "--user", "carol"], input="carol pw\n",
                          capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    assert line.startswith("carol:$y$")
    sg, addr, log = proxy()
    passwd = tmp_path / "egress.passwd"
    # A second instance with carol in its file (the fixture wrote alice and bob).
    passwd2 = tmp_path / "carol.passwd"
    passwd2.write_text(line + "\n")
    port = web.ports["127.0.1.41"]
    sg2, addr2, _ = proxy(credentials_file=str(passwd2))
    r = curl("--socks5-hostname", h.fmt_addr(*addr2), "--proxy-user", "carol:carol pw", f"http://web.test:{port}/")
    assert r.returncode == 0, r.stderr
    r = curl("--socks5-hostname", h.fmt_addr(*addr2), "--proxy-user", "carol:wrong", f"http://web.test:{port}/")
    assert r.returncode != 0
    assert passwd.exists()


def socks_connect(addr, user: str, password: str, host: str, port: int) -> tuple[socket.socket, bytes]:
    s = socket.create_connection(addr, timeout=10)
    s.sendall(b"\x05\x01\x02")
    assert s.recv(2) == b"\x05\x02"
    s.sendall(b"\x01" + bytes([len(user)]) + user.encode() + bytes([len(password)]) + password.encode())
    assert s.recv(2) == b"\x01\x00"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + port.to_bytes(2, "big"))
    reply = s.recv(10)
    return s, reply


def test_per_user_connection_limit(proxy, web):
    sg, addr, log = proxy(max_connections_per_user=2)
    port = web.ports["127.0.1.41"]
    held = []
    for _ in range(2):
        s, reply = socks_connect(addr, "bob", "bobpw", "web.test", port)
        assert reply[:2] == b"\x05\x00", reply
        held.append(s)
    s, reply = socks_connect(addr, "bob", "bobpw", "web.test", port)
    assert reply[:2] == b"\x05\x01", reply  # general failure: over the user's limit
    s.close()
    # Another user is not affected, and bob gets a slot back when one closes.
    s, reply = socks_connect(addr, "alice", PASSWORD, "web.test", port)
    assert reply[:2] == b"\x05\x00"
    s.close()
    held.pop().close()
    deadline = time.monotonic() + 5
    while True:
        s, reply = socks_connect(addr, "bob", "bobpw", "web.test", port)
        s.close()
        if reply[:2] == b"\x05\x00" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert reply[:2] == b"\x05\x00"
    for s in held:
        s.close()
    assert "limit" in [x["result"] for x in log_lines(log, 3)]


def test_reload_applies_new_users_and_binds_without_cutting_tunnels(proxy, web, ports, tmp_path):
    import signal
    sg, addr, log = proxy()
    port = web.ports["127.0.1.41"]
    held, reply = socks_connect(addr, "bob", "bobpw", "web.test", port)
    assert reply[:2] == b"\x05\x00"
    # New config: bob removed from the credentials file, a second bind address.
    (tmp_path / "egress.passwd").write_text(f"alice:{make_hash(PASSWORD)}\n")
    second = ("127.0.0.1", ports.get("127.0.0.1"))
    sg.cfg["egress"][0]["bind"].append(h.fmt_addr(*second))
    sg.config_path.write_text(h.render_config(sg.cfg))
    sg.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(second, timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, sg.stderr()
            time.sleep(0.05)
    r = curl("--socks5-hostname", h.fmt_addr(*second), "--proxy-user", f"alice:{PASSWORD}", f"http://web.test:{port}/")
    assert r.returncode == 0, r.stderr
    r = curl("--socks5-hostname", h.fmt_addr(*addr), "--proxy-user", "bob:bobpw", f"http://web.test:{port}/")
    assert r.returncode != 0  # bob is gone for new connections...
    held.sendall(b"GET / HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n")
    assert b"backend-127.0.1.41" in h.recv_until_eof(held)  # ...but his open tunnel carries on
    held.close()


def test_a_dns_server_that_never_answers_gets_504_within_the_handshake_timeout(proxy, ports):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # receives queries, answers none
    silent.bind(("127.0.3.3", 0))
    try:
        sg, addr, log = proxy(name_servers=[f"127.0.3.3:{silent.getsockname()[1]}"])
        started = time.monotonic()
        r = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy",
                 f"http://alice:{PASSWORD.replace(' ', '%20')}@{h.fmt_addr(*addr)}", "http://web.test:80/")
        assert r.stdout == "504"
        assert time.monotonic() - started < 5
        (line,) = log_lines(log, 1)
        assert line["result"] == "resolve_failed"
    finally:
        silent.close()

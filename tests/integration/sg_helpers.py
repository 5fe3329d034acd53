"""Helpers shared by the integration tests: ports, config rendering, client
sockets, small Python TCP backends, and wrappers around the nginx and
staticgate processes.

Everything here is bounded: every socket has a timeout, every wait has a
deadline, every loop a count. Only loopback addresses are used.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"

# Strings that must never appear in staticgate's stderr.
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "ThreadSanitizer",
                     "UndefinedBehaviorSanitizer", "runtime error")

SOCKET_TIMEOUT = 30.0  # default for every blocking socket call in the tests


# --------------------------------------------------------------------------
# Addresses and ports

def family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def fmt_addr(host: str, port: int) -> str:
    """'127.0.0.1:80' or '[::1]:80', the form staticgate's config accepts."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class PortAllocator:
    """Hands out ports that are free on a given loopback address and never
    hands out the same (address, port) twice in one test session.

    Ports come from below the kernel's ephemeral range so outgoing client
    connections can never steal them between allocation and bind. The start
    point depends on the pid so that concurrent sessions rarely probe the same
    ports.
    """

    def __init__(self) -> None:
        lo, _hi = 32768, 60999
        try:
            lo, _hi = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        except OSError:
            pass
        self._low = 10000
        self._high = max(self._low + 1000, lo) - 1
        span = self._high - self._low
        self._next = self._low + (os.getpid() * 7919) % span
        self._given: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def _candidate(self) -> int:
        port = self._next
        self._next += 1
        if self._next > self._high:
            self._next = self._low
        return port

    @staticmethod
    def _is_free(host: str, port: int) -> bool:
        try:
            with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
                s.bind((host, port))  # no SO_REUSEADDR: also rejects TIME_WAIT leftovers
            return True
        except OSError:
            return False

    def get(self, host: str = "127.0.0.1") -> int:
        """A free port on host."""
        return self.get_common([host])

    def get_common(self, hosts) -> int:
        """One port that is free on every address in hosts."""
        with self._lock:
            for _ in range(5000):
                port = self._candidate()
                if any((h, port) in self._given for h in hosts):
                    continue
                if all(self._is_free(h, port) for h in hosts):
                    for h in hosts:
                        self._given.add((h, port))
                    return port
        raise RuntimeError(f"no free port found on {hosts}")


# --------------------------------------------------------------------------
# Config rendering (a tiny TOML emitter: strings, ints, bools, lists, inline tables)

def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # ASCII JSON strings are valid TOML basic strings
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot render {v!r} as TOML")


def render_config(cfg: dict) -> str:
    """cfg = {"global": {...}, "listener": [{...}], "target_group": [{...}]}"""
    out = []
    for table in ("global", "admin"):
        if cfg.get(table) is not None:
            out.append(f"[{table}]")
            out += [f"{k} = {toml_value(v)}" for k, v in cfg[table].items()]
            out.append("")
    for table in ("listener", "target_group", "egress"):
        for entry in cfg.get(table, []):
            out.append(f"[[{table}]]")
            out += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
            out.append("")
    return "\n".join(out)


def simple_config(bind, targets, algorithm="round_robin", workers=2, forwarding="auto",
                  listener=None, group=None, global_=None):
    """One listener 'main' -> one target group 'g'. bind: 'ip:port' or a list."""
    cfg = {
        "global": {"workers": workers, "log_level": "info", "forwarding": forwarding,
                   **(global_ or {})},
        "listener": [{"name": "main", "bind": [bind] if isinstance(bind, str) else list(bind),
                      "target_group": "g", **(listener or {})}],
        "target_group": [{"name": "g", "algorithm": algorithm, "connect_timeout": "2s",
                          "connect_retries": 2, "targets": list(targets), **(group or {})}],
    }
    return cfg


# --------------------------------------------------------------------------
# Client side

def connect(addr, source: str | None = None, timeout: float = SOCKET_TIMEOUT) -> socket.socket:
    """A connected TCP socket to addr=(host, port), optionally bound to a
    source address (port chosen by the kernel)."""
    host, port = addr
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        if source is not None:
            s.bind((source, 0))
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


def set_linger_zero(s: socket.socket) -> None:
    """close() will then send RST instead of FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def recv_until_eof(s: socket.socket, limit: int = 1 << 30) -> bytes:
    chunks, total = [], 0
    while total < limit:
        b = s.recv(1 << 20)
        if not b:
            break
        chunks.append(b)
        total += len(b)
    return b"".join(chunks)


def recv_line(s: socket.socket, limit: int = 4096) -> bytes:
    """Reads byte by byte up to and including b'\\n' (or EOF)."""
    out = bytearray()
    while len(out) < limit:
        b = s.recv(1)
        if not b:
            break
        out += b
        if b == b"\n":
            break
    return bytes(out)


def wait_closed(s: socket.socket, timeout: float) -> str:
    """Waits until the peer closes s. Returns 'eof', 'reset', 'timeout', or
    'data' if bytes arrived instead (they are discarded)."""
    s.settimeout(timeout)
    try:
        b = s.recv(65536)
    except socket.timeout:
        return "timeout"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    return "data" if b else "eof"


def connection_outcome(addr, send: bytes = b"", timeout: float = 10.0,
                       source: str | None = None) -> str:
    """Connects, optionally sends, then waits for the server's verdict:
    'eof' or 'reset' (closed by the server; a reset may already surface in
    connect() or send()), 'data' (the server answered), 'timeout' (nothing
    happened within timeout)."""
    try:
        s = connect(addr, source=source, timeout=timeout)
    except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError):
        return "reset"
    with s:
        try:
            if send:
                s.sendall(send)
        except (ConnectionResetError, BrokenPipeError):
            return "reset"
        return wait_closed(s, timeout)


def parse_http_head(raw: bytes):
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest


def http_get(addr, path: str = "/", source: str | None = None, shut_wr: bool = False,
             timeout: float = SOCKET_TIMEOUT):
    """HTTP/1.0 GET over a raw socket, reading until EOF.
    Returns (status, headers, body)."""
    with connect(addr, source=source, timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
        if shut_wr:
            s.shutdown(socket.SHUT_WR)
        raw = recv_until_eof(s)
    if b"\r\n\r\n" not in raw:
        raise AssertionError(f"incomplete HTTP response from {addr}: {raw[:200]!r}")
    return parse_http_head(raw)


def backend_name(addr, source: str | None = None, timeout: float = SOCKET_TIMEOUT) -> str:
    """GET / through addr; nginx answers 'backend-<ip>'."""
    status, _, body = http_get(addr, "/", source=source, timeout=timeout)
    assert status == 200, (status, body)
    return body.decode().strip()


def http_download_hash(addr, path: str, shut_wr: bool = False, timeout: float = 60.0):
    """GET path and stream the body into sha256 without keeping it.
    Returns (status, content_length_header, body_bytes_received, hexdigest)."""
    with connect(addr, timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: test\r\n\r\n".encode())
        if shut_wr:
            s.shutdown(socket.SHUT_WR)
        buf = b""
        while b"\r\n\r\n" not in buf:
            b = s.recv(65536)
            if not b:
                raise AssertionError(f"EOF before HTTP headers: {buf[:200]!r}")
            buf += b
        status, headers, rest = parse_http_head(buf)
        h = hashlib.sha256(rest)
        n = len(rest)
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return status, int(headers.get("content-length", -1)), n, h.hexdigest()


def random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


# --------------------------------------------------------------------------
# Small Python TCP backends (thread per connection)

class TcpServer:
    """A listening socket on (host, port); every accepted connection runs
    handler(conn, server) on its own thread, and is closed afterwards.

    `accepted` counts connections ever accepted, `active` those whose handler
    is running, `peak_active` the maximum of `active`. Handlers may append to
    `records` (under `lock`)."""

    def __init__(self, host: str, port: int, handler, name: str | None = None,
                 backlog: int = 1024):
        self.host, self.port = host, port
        self.addr = (host, port)
        self.target = fmt_addr(host, port)
        self.name = name or f"py-{host}"
        self.handler = handler
        self.lock = threading.Lock()
        self.accepted = 0
        self.active = 0
        self.peak_active = 0
        self.records: list = []
        self.errors: list = []
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.sock = socket.socket(family_of(host), socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True,
                                               name=f"accept-{self.target}")
        self._accept_thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                return
            conn.settimeout(SOCKET_TIMEOUT)
            with self.lock:
                if self._stopping:
                    conn.close()
                    return
                self.accepted += 1
                self.active += 1
                self.peak_active = max(self.peak_active, self.active)
                self._conns.add(conn)
                t = threading.Thread(target=self._run, args=(conn,), daemon=True)
                self._threads.append(t)
            t.start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self)
        except OSError as e:  # resets from clients are part of several tests
            if not self._stopping:
                with self.lock:
                    self.errors.append(repr(e))
        finally:
            with self.lock:
                self.active -= 1
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def wait_active(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self.active):
                    return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        self._stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._accept_thread.join(5)
        for t in threads:
            t.join(5)


def _read_all(conn: socket.socket, on_chunk=None) -> int:
    n = 0
    while True:
        b = conn.recv(1 << 20)
        if not b:
            return n
        n += len(b)
        if on_chunk:
            on_chunk(b)


def hold_handler(conn, server: TcpServer) -> None:
    """Greets with 'hello <name>\\n', then waits for the client's EOF and closes."""
    conn.settimeout(120)
    conn.sendall(f"hello {server.name}\n".encode())
    _read_all(conn)


def echo_handler(conn, server: TcpServer) -> None:
    """Echoes everything; after the client's EOF, half-closes and returns."""
    conn.settimeout(120)
    while True:
        b = conn.recv(1 << 20)
        if not b:
            break
        conn.sendall(b)
    conn.shutdown(socket.SHUT_WR)


def sink_hash_handler(conn, server: TcpServer) -> None:
    """Reads until EOF, then replies '<bytes> <sha256 hex>\\n' and closes.
    Only the client's FIN (forwarded by the proxy) can make it reply."""
    conn.settimeout(120)
    h = hashlib.sha256()
    n = _read_all(conn, h.update)
    conn.sendall(f"{n} {h.hexdigest()}\n".encode())
    with server.lock:
        server.records.append((n, h.hexdigest()))


def greet_then_half_close_handler(conn, server: TcpServer) -> None:
    """Sends a greeting and half-closes first (FIN towards the client), then
    keeps reading until the client's EOF and records what arrived."""
    conn.sendall(f"hello {server.name}\n".encode())
    conn.shutdown(socket.SHUT_WR)
    chunks = []
    _read_all(conn, chunks.append)
    with server.lock:
        server.records.append(b"".join(chunks))


def reset_after_handler(nbytes: int):
    """Reads about nbytes, then closes with RST (SO_LINGER 0)."""
    def handler(conn, server: TcpServer) -> None:
        got = 0
        while got < nbytes:
            b = conn.recv(65536)
            if not b:
                break
            got += len(b)
        set_linger_zero(conn)
    return handler


def send_then_drain_handler(data: bytes):
    """Sends data, then reads until the client's EOF (so close() never finds
    unread bytes and turns into an RST), then closes."""
    def handler(conn, server: TcpServer) -> None:
        conn.settimeout(60)
        conn.sendall(data)
        _read_all(conn)
    return handler


# --------------------------------------------------------------------------
# Processes

def _poll_connect(addr, deadline: float, alive=lambda: True) -> bool:
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with socket.create_connection(addr, timeout=1.0):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _tail(path: Path, n: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return "<no file>"
    return data[-n:].decode("utf-8", "replace")


class Nginx:
    """One nginx process (daemon off, master_process off) with one HTTP server
    per address: GET / answers 'backend-<ip>\\n', /files/<name> serves the
    files in files_dir."""

    def __init__(self, workdir: Path, ports: PortAllocator, ips, files_dir: Path,
                 proxy_protocol: bool = False, common_port: bool = False):
        """proxy_protocol: listen with nginx's `proxy_protocol` (v1 and v2) and
        answer GET / with the client address the header carried, 'ip:port\\n'."""
        self.proxy_protocol = proxy_protocol
        if not os.access(NGINX, os.X_OK):
            raise RuntimeError(f"nginx not found at {NGINX}")
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ips = list(ips)
        # common_port: one port on every address (targets found by DNS share the group's port).
        shared = ports.get_common(self.ips) if common_port else None
        self.ports = {ip: shared or ports.get(ip) for ip in self.ips}
        self.addrs = [(ip, self.ports[ip]) for ip in self.ips]
        self.targets = [fmt_addr(ip, self.ports[ip]) for ip in self.ips]
        self.names = [f"backend-{ip}" for ip in self.ips]
        self.conf = self.dir / "nginx.conf"
        self.error_log = self.dir / "error.log"
        self.access_log = self.dir / "access.log"
        self.conf.write_text(self._render(files_dir))
        self.stderr_path = self.dir / "nginx.stderr"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [NGINX, "-p", str(self.dir), "-c", str(self.conf), "-e", str(self.error_log)],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        deadline = time.monotonic() + 10
        for a in self.addrs:
            if not _poll_connect(a, deadline, lambda: self.proc.poll() is None):
                self.stop()
                raise RuntimeError(f"nginx did not come up on {a}:\n{_tail(self.stderr_path)}"
                                   f"\n{_tail(self.error_log)}")

    def _render(self, files_dir: Path) -> str:
        d = self.dir
        servers = []
        for ip in self.ips:
            listen = f"[{ip}]:{self.ports[ip]}" if ":" in ip else f"{ip}:{self.ports[ip]}"
            body = f"backend-{ip}"
            if self.proxy_protocol:
                listen += " proxy_protocol"
                body = "$proxy_protocol_addr:$proxy_protocol_port"
            servers.append(f"""
    server {{
        listen {listen};
        location = / {{
            default_type text/plain;
            return 200 "{body}\\n";
        }}
        location /files/ {{
            alias {files_dir}/;
        }}
    }}""")
        return f"""# written by tests/integration (sg_helpers.Nginx)
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile 8192;

events {{
    worker_connections 4096;
}}

http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 5s;
    client_header_timeout 10s;
{''.join(servers)}
}}
"""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Staticgate:
    """A running `staticgate run -c <file>`. stderr and stdout go to files in
    the test's tmp dir."""

    def __init__(self, binary: str, workdir: Path, cfg: dict, args=(), ready_addrs=None,
                 ready_timeout: float = 10.0, extra_config: str = "", env: dict | None = None):
        self.binary = binary
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cfg = cfg
        self.config_path = self.dir / "staticgate.toml"
        # extra_config: TOML appended as is (tables render_config does not write, e.g. [aws]).
        self.config_path.write_text(render_config(cfg) + ("\n" + extra_config if extra_config else ""))
        self.stderr_path = self.dir / "staticgate.stderr"
        self.stdout_path = self.dir / "staticgate.stdout"
        self.args = [binary, "run", "-c", str(self.config_path), *args]
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, env=env)
        self.pid = self.proc.pid
        self.stopped = False
        if ready_addrs is None:
            ready_addrs = [parse_addr(b) for lst in cfg.get("listener", []) for b in lst["bind"]]
        deadline = time.monotonic() + ready_timeout
        for a in ready_addrs:
            if not _poll_connect(a, deadline, lambda: self.proc.poll() is None):
                rc = self.proc.poll()
                self.kill()
                raise AssertionError(
                    f"staticgate not ready on {a} within {ready_timeout}s (exit code {rc});"
                    f" config:\n{self.config_path.read_text()}\nstderr:\n{self.stderr()}")

    def stderr(self, n: int = 6000) -> str:
        return _tail(self.stderr_path, n)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        import psutil
        return psutil.Process(self.pid).memory_info().rss

    def fd_kinds(self) -> dict:
        """Counts of the process's open fds by kind: socket, pipe, anon_inode, file."""
        kinds: dict = {}
        fd_dir = Path(f"/proc/{self.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            kind = target.split(":", 1)[0] if ":" in target and not target.startswith("/") else "file"
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds

    def send_signal(self, sig) -> None:
        self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.stopped = True

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int:
        """Sends sig, waits (bounded) and returns the exit code; kills and
        raises if the process does not exit in time."""
        if self.stopped:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"staticgate did not exit within {timeout}s of {sig!r};"
                                 f" stderr:\n{self.stderr()}")
        self.stopped = True
        return rc

    def check_clean_exit(self, rc: int) -> None:
        text = _tail(self.stderr_path, 1 << 24)
        bad = [m for m in SANITIZER_MARKERS if m in text]
        assert not bad, f"sanitizer report in staticgate stderr ({bad}):\n{self.stderr(20000)}"
        assert rc == 0, f"staticgate exit code {rc} (expected 0); stderr:\n{self.stderr()}"


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    """Polls predicate() every 50 ms until it returns something truthy (returned), or fails
    after `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def parse_addr(text: str):
    """'127.0.0.1:80' / '[::1]:80' -> (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)

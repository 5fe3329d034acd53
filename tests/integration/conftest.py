"""Fixtures for the integration tests: the real staticgate binary (from
$STATICGATE_BIN) in front of real peers (nginx, small Python servers), all on
loopback addresses:

  127.0.0.1        staticgate listeners
  127.0.1.x        backends (nginx servers, Python servers); 127.0.1.9 is kept dead
  127.0.2.x        client source addresses (maglev)

Run one file:  cd tests/integration &&
               STATICGATE_BIN=../../build/dev/staticgate /usr/bin/python3 -m pytest -q -p no:cacheprovider test_forwarding.py
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal

import pytest

import dns_server
import sg_helpers as h

# Many tests hold hundreds of sockets; use the hard limit.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _hard == resource.RLIM_INFINITY or _soft < _hard:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
    except (ValueError, OSError):
        pass

TEST_DEADLINE_S = 240  # per test, on top of the per-call socket timeouts


def pytest_configure(config):
    config.addinivalue_line("markers", "deadline(seconds): per-test time limit (default 240)")


def pytest_sessionstart(session):
    binary = os.environ.get("STATICGATE_BIN")
    if not binary:
        pytest.exit("STATICGATE_BIN is not set: point it at the staticgate binary to test, e.g. "
                    "STATICGATE_BIN=/work/main/build/dev/staticgate (ctest sets it)", returncode=2)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(f"STATICGATE_BIN={binary!r} is not an executable file", returncode=2)
    if not os.access(h.NGINX, os.X_OK):
        pytest.exit(f"nginx not found at {h.NGINX} (apt-get install nginx)", returncode=2)


@pytest.fixture(autouse=True)
def _deadline(request):
    """Fails a test that runs longer than its deadline instead of hanging ctest."""
    marker = request.node.get_closest_marker("deadline")
    seconds = int(marker.args[0]) if marker else TEST_DEADLINE_S

    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded its {seconds}s deadline")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def staticgate_bin() -> str:
    return os.environ["STATICGATE_BIN"]


@pytest.fixture(scope="session")
def ports() -> h.PortAllocator:
    return h.PortAllocator()


class Files:
    """Files nginx serves under /files/; created on first use."""

    def __init__(self, directory):
        self.dir = directory
        self.sha256: dict[str, str] = {}
        self._data: dict[str, bytes] = {}

    def ensure(self, name: str, size: int, seed: int = 1) -> bytes:
        """Creates /files/<name> (size random bytes) once; returns its content."""
        if name not in self._data:
            data = h.random_bytes(size, seed)
            (self.dir / name).write_bytes(data)
            self.sha256[name] = hashlib.sha256(data).hexdigest()
            self._data[name] = data
        return self._data[name]


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    f = Files(tmp_path_factory.mktemp("files"))
    (f.dir / "small.txt").write_text("small file\n")
    yield f
    for p in f.dir.iterdir():  # do not leave 100 MB behind in /tmp/pytest-of-*
        p.unlink()


@pytest.fixture
def nginx(tmp_path, ports, files):
    """Factory: nginx(ips=[...]) starts one nginx with a server per address."""
    started = []

    def start(ips=("127.0.1.1", "127.0.1.2", "127.0.1.3"), proxy_protocol=False, common_port=False):
        n = h.Nginx(tmp_path / f"nginx{len(started)}", ports, ips, files.dir, proxy_protocol, common_port)
        started.append(n)
        return n

    yield start
    for n in started:
        n.stop()


@pytest.fixture
def backends(nginx):
    """Three nginx backends on 127.0.1.1, .2, .3."""
    return nginx()


@pytest.fixture
def tcp_server(ports):
    """Factory: tcp_server(host, handler, name=None) starts a Python TCP server
    on a fresh port."""
    started = []

    def start(host, handler, name=None, port=None, backlog=1024):
        s = h.TcpServer(host, port or ports.get(host), handler, name=name, backlog=backlog)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def staticgate(tmp_path, staticgate_bin):
    """Factory: staticgate(cfg, args=()) writes cfg (a dict, see
    sg_helpers.render_config) and runs `staticgate run -c`, returning once every
    bind address accepts connections. At teardown each instance gets SIGTERM and
    must exit 0 with no sanitizer report on stderr."""
    started = []

    def start(cfg, args=(), ready_addrs=None, **kw):
        sg = h.Staticgate(staticgate_bin, tmp_path / f"staticgate{len(started)}", cfg, args,
                          ready_addrs, **kw)
        started.append(sg)
        return sg

    yield start
    problems = []
    for sg in started:
        try:
            if not sg.stopped:
                sg.check_clean_exit(sg.stop())
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def simple_gate(ports, staticgate):
    """Factory: simple_gate(targets, **simple_config kwargs) -> (staticgate, listen addr)
    with the listener on a fresh 127.0.0.1 port."""

    def start(targets, host="127.0.0.1", **kwargs):
        port = ports.get(host)
        sg = staticgate(h.simple_config(h.fmt_addr(host, port), targets, **kwargs))
        return sg, (host, port)

    return start


@pytest.fixture
def dns():
    """Factory: dns(addresses, **kw) starts a PowerDNS that answers like an ALB
    (dns_server.DnsServer); stopped at teardown."""
    started = []

    def start(addresses, **kw):
        d = dns_server.DnsServer(addresses, **kw)
        d.start()
        started.append(d)
        return d

    yield start
    for d in started:
        d.close()


"""The HTTP side: one loopback listener (HTTP/1.1, keep-alive) that routes
  /_fake/...                     the control API (control.py)
  /latest/... and container path instance metadata and container credentials (metadata.py)
  everything else                the query APIs (dispatch.py)
and FakeAws, the object tests hold: start it in a thread, read its url, inspect and steer it.
"""

from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import control
from .cloudwatch import CloudWatch
from .credential_store import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, CredentialStore
from .dispatch import Dispatcher
from .ec2 import Ec2
from .elbv2 import Elbv2
from .faults import FaultTable
from .metadata import Metadata
from .settings import Settings
from .sigv4_verify import Received

MAX_BODY = 8 * 1024 * 1024


class FakeAws:
    """An AWS-compatible endpoint on 127.0.0.1 for ELBv2, EC2, CloudWatch, STS, instance metadata
    and container credentials.

        with FakeAws() as aws:                 # port 0: a free port
            aws.url                            # "http://127.0.0.1:PORT", for --endpoint-url
            aws.access_key_id, aws.secret_access_key
            aws.faults.add({"action": "RegisterTargets", "kind": "throttle", "count": 2})
            aws.calls(action="RegisterTargets"); aws.state()
    """

    access_key_id = DEFAULT_ACCESS_KEY_ID
    secret_access_key = DEFAULT_SECRET_ACCESS_KEY

    def __init__(self, host: str = "127.0.0.1", port: int = 0, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.store = CredentialStore()
        self.faults = FaultTable()
        self._build_services()
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    def _build_services(self) -> None:
        from .sts import Sts
        self.elbv2 = Elbv2(self.settings)
        self.ec2 = Ec2()
        self.cloudwatch = CloudWatch()
        self.sts = Sts(self.store, self.settings)
        self.metadata = Metadata(self.store, self.settings)
        self.dispatcher = Dispatcher(self.store, self.faults, self.settings,
                                     {"elbv2": self.elbv2, "ec2": self.ec2, "cloudwatch": self.cloudwatch, "sts": self.sts})

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeAws":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-aws", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeAws":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment for a client process signing with the default key (add the endpoint
        override your client takes, e.g. --endpoint-url or staticgate's endpoint_url)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}

    # ---- inspection and control (also reachable over HTTP, see control.py)

    def state(self) -> dict:
        return {"elbv2": self.elbv2.state(), "ec2": self.ec2.state(), "cloudwatch": self.cloudwatch.state(),
                "keys": [k.public() for k in self.store.all()], "faults": self.faults.pending(),
                "settings": self.settings.public()}

    def calls(self, service: str | None = None, action: str | None = None) -> list[dict]:
        return [c for c in self.dispatcher.recorded()
                if (service is None or c["service"] == service) and (action is None or c["action"] == action)]

    def reset(self) -> None:
        """Forgets every resource, recorded call and pending fault; keys and settings stay."""
        self.faults.clear()
        self.dispatcher.clear()
        with self.elbv2._lock:
            self.elbv2.groups.clear()
        with self.ec2._lock:
            self.ec2.interfaces.clear()
            self.ec2.addresses.clear()
        with self.cloudwatch._lock:
            self.cloudwatch.data.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _handler_for(fake: FakeAws):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-aws"
        sys_version = ""

        def log_message(self, fmt, *args):  # quiet: tests read /_fake/calls instead
            pass

        def do_GET(self):
            self._serve()

        do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, "text/plain", b"Request Entity Too Large")
                return
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            if parts.path.startswith(control.PREFIX):
                status, out = control.handle(fake, self.command, self.path, body)
                self._reply(status, "application/json", out)
                return
            if fake.metadata.is_metadata(parts.path):
                kind = "container" if parts.path == fake.settings.container_path else "imds"
                fault = fake.faults.take(kind, kind)
                if fault is not None and fault.kind == "reset":
                    self._reset()
                    return
                if fault is not None and fault.kind in ("500", "503"):
                    self._reply(int(fault.kind), "text/plain", b"Service Unavailable")
                    return
                if fault is not None and fault.kind == "delay":
                    fake._stopping.wait(fault.seconds)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, content_type, out = fake.metadata.handle(self.command, parts.path, headers)
                self._reply(status, content_type, out)
                return
            received = Received(method=self.command, path=parts.path, query=parts.query,
                                headers=list(self.headers.items()), body=body)
            answer = fake.dispatcher.serve(received)
            if answer.reset:
                self._reset()
                return
            if answer.delay:
                fake._stopping.wait(answer.delay)
            self._reply(answer.status, answer.content_type, answer.body, answer.request_id)

        def _reply(self, status: int, content_type: str, body: bytes, request_id: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if request_id:
                self.send_header("x-amzn-RequestId", request_id)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _reset(self) -> None:
            # SO_LINGER with a zero timeout turns close() into an RST: the client sees
            # "connection reset by peer", as with a dropped load balancer connection.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

    return Handler

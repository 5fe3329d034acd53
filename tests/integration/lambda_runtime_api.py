"""A local emulation of the AWS Lambda Runtime API (version 2018-06-01) for the runtime tests:
it queues events, hands them to the runtime through the long-polling /next, and records what
the runtime answers.

Faithful to the Lambda developer guide ("Using the Lambda runtime API for custom runtimes")
and to AWS's runtime interface emulator, which the status codes and error bodies follow:

  GET  /2018-06-01/runtime/invocation/next
       200, the event as body, with Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms
       (Unix ms), Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id (when traced),
       Content-Type: application/json. Blocks while there is no event. 403
       InvalidStateTransition while an invocation is unanswered.
  POST /2018-06-01/runtime/invocation/{id}/response
       202 {"status":"OK"}; 403 InvalidStateTransition when no invocation is outstanding (none
       yet, or already answered); 400 InvalidRequestID for another id; 413
       RequestEntityTooLarge over 6 MiB, and the invocation is then recorded as failed with
       Function.ResponseSizeTooLarge (Lambda does the same).
  POST /2018-06-01/runtime/invocation/{id}/error
       202; 403; 400, as above. The type comes from Lambda-Runtime-Function-Error-Type.
  POST /2018-06-01/runtime/init/error
       202 before the first /next; 403 InvalidStateTransition after it.
Errors are JSON {"errorMessage": ..., "errorType": ...}. Unknown paths 404, other methods 405.
A 500 from /next (fail_next) is Lambda's "container error": the runtime must exit.

Everything is bounded: a /next waits at most NEXT_WAIT_S, wait_* calls take timeouts. close()
ends blocked /next calls by closing their connections, closes every other connection and the
listening socket: to the runtime, the API is gone.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

MAX_PAYLOAD = 6 * 1024 * 1024
NEXT_WAIT_S = 120.0
PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
DEFAULT_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:staticgate"


@dataclass
class Event:
    request_id: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Answer:
    """What the runtime answered for one invocation."""
    request_id: str
    kind: str                 # "response" or "error"
    body: bytes
    error_type: str | None    # Lambda-Runtime-Function-Error-Type of an error
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


@dataclass
class Post:
    """Every POST the API received, with the status it answered (for protocol checks)."""
    path: str
    status: int


class LambdaRuntimeApi:
    def __init__(self, host: str = "127.0.0.1", function_arn: str = DEFAULT_ARN, timeout_ms: int = 30000):
        self.function_arn = function_arn
        self.timeout_ms = timeout_ms
        self._cond = threading.Condition()
        self._queue: list[Event] = []
        self._state = "init"            # init -> idle <-> invoking
        self._current: Event | None = None
        self._closed = False
        self._fail_next: list[tuple[int, dict]] = []
        self._sockets: set[socket.socket] = set()
        self.answers: dict[str, Answer] = {}
        self.init_errors: list[Answer] = []
        self.posts: list[Post] = []
        self.next_calls = 0
        api = self

        class Handler(_Handler):
            pass
        Handler.api = api
        self._server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    # ------------------------------------------------------------------ test side

    def queue(self, payload, request_id: str | None = None, trace_id: str | None = None,
              deadline_ms: int | None = None, omit: tuple[str, ...] = (),
              override: dict[str, str] | None = None) -> str:
        """Queues one event (dict/list -> JSON, str/bytes as they are); returns its request id.
        omit/override change the /next headers, to send malformed events."""
        if isinstance(payload, (dict, list)):
            body = json.dumps(payload).encode()
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = payload
        request_id = request_id or str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + self.timeout_ms
        headers = {"Lambda-Runtime-Aws-Request-Id": request_id,
                   "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                   "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
                   "Content-Type": "application/json"}
        if trace_id:
            headers["Lambda-Runtime-Trace-Id"] = trace_id
        for name in omit:
            headers.pop(name, None)
        headers.update(override or {})
        with self._cond:
            self._queue.append(Event(request_id, body, headers))
            self._cond.notify_all()
        return request_id

    def fail_next(self, status: int = 500, error_type: str = "InternalServerError",
                  message: str = "Internal Server Error"):
        """The next /next answers `status` with an error body instead of an event."""
        with self._cond:
            self._fail_next.append((status, {"errorMessage": message, "errorType": error_type}))
            self._cond.notify_all()

    def wait_for(self, request_id: str, timeout: float = 20.0) -> Answer:
        deadline = time.monotonic() + timeout
        with self._cond:
            while request_id not in self.answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer for {request_id} within {timeout}s "
                                       f"(answers: {list(self.answers)}, posts: {self.posts})")
                self._cond.wait(min(left, 0.1))
            return self.answers[request_id]

    def wait_next_calls(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.next_calls < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.next_calls} /next calls, expected {count}")
                self._cond.wait(min(left, 0.1))

    def wait_init_error(self, timeout: float = 20.0) -> Answer:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.init_errors:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no init error posted")
                self._cond.wait(min(left, 0.1))
            return self.init_errors[0]

    def close(self) -> None:
        """The API goes away: blocked /next calls end without an answer, every connection is
        closed and nothing listens any more."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
            sockets = list(self._sockets)
        self._server.shutdown()
        self._server.server_close()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ server side

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._cond:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def _next(self):
        """(status, headers, body) for GET /next, or None to drop the connection."""
        deadline = time.monotonic() + NEXT_WAIT_S
        with self._cond:
            self.next_calls += 1
            self._cond.notify_all()
            if self._state == "invoking":
                return 403, {}, _error("InvalidStateTransition",
                                       "State transition from Invoking to Ready failed for runtime. "
                                       "Error: State transition is not allowed")
            self._state = "idle"
            while not self._queue and not self._fail_next:
                if self._closed or time.monotonic() >= deadline:
                    return None
                self._cond.wait(0.1)
            if self._closed:
                return None
            if self._fail_next:
                status, body = self._fail_next.pop(0)
                return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
            event = self._queue.pop(0)
            if "Lambda-Runtime-Aws-Request-Id" in event.headers:
                self._current = event
                self._state = "invoking"
            # else: a test's malformed event that nobody can answer; the emulation treats it
            # as abandoned at once (Lambda would time it out) so the runtime may go on.
            return 200, event.headers, event.body

    def _answer(self, path: str, headers, body: bytes, too_large: bool):
        """(status, body) for the POSTs."""
        with self._cond:
            status, reply = self._answer_locked(path, headers, body, too_large)
            self.posts.append(Post(path, status))
            self._cond.notify_all()
            return status, reply

    def _answer_locked(self, path, headers, body, too_large):
        if path == PREFIX + "/init/error":
            if self._state != "init":
                return 403, _error("InvalidStateTransition",
                                   "State transition from Ready to InitError failed for runtime. "
                                   "Error: State transition is not allowed")
            self.init_errors.append(Answer("", "init_error", body,
                                           headers.get("Lambda-Runtime-Function-Error-Type"), dict(headers)))
            return 202, json.dumps({"status": "OK"}).encode()
        match = _INVOCATION_PATH.match(path)
        if not match:
            return 404, _error("NotFound", "not found")
        request_id, kind = match.groups()
        target = "InvocationResponse" if kind == "response" else "InvocationErrorResponse"
        if self._state != "invoking" or self._current is None:
            state = "Ready" if self._state == "idle" else "Init" if self._state == "init" else "ResponseSent"
            return 403, _error("InvalidStateTransition",
                               f"State transition from {state} to {target} failed for runtime. "
                               "Error: State transition is not allowed")
        if request_id != self._current.request_id:
            return 400, _error("InvalidRequestID", "Invalid request ID")
        self._state = "idle"
        self._current = None
        if kind == "response" and too_large:
            self.answers[request_id] = Answer(
                request_id, "error",
                json.dumps({"errorMessage": f"Response payload size exceeded maximum allowed payload size "
                                            f"({MAX_PAYLOAD} bytes).",
                            "errorType": "Function.ResponseSizeTooLarge"}).encode(),
                "Function.ResponseSizeTooLarge", dict(headers))
            return 413, _error("RequestEntityTooLarge",
                               f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).")
        error_type = headers.get("Lambda-Runtime-Function-Error-Type") if kind == "error" else None
        self.answers[request_id] = Answer(request_id, kind, body, error_type, dict(headers))
        return 202, json.dumps({"status": "OK"}).encode()


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    api: LambdaRuntimeApi

    def setup(self):
        super().setup()
        self.connection.settimeout(NEXT_WAIT_S + 10)
        self.api._track(self.connection, True)

    def finish(self):
        self.api._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):  # quiet: pytest shows failures, not traffic
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> tuple[bytes, bool]:
        """The request body and whether it is over MAX_PAYLOAD (the excess is read and dropped
        so the connection stays usable)."""
        chunks, size = [], 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data = self.rfile.read(length)
                self.rfile.readline()
                size += len(data)
                if size <= MAX_PAYLOAD:
                    chunks.append(data)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                data = self.rfile.read(min(left, 1 << 20))
                if not data:
                    break
                left -= len(data)
                size += len(data)
                if size <= MAX_PAYLOAD:
                    chunks.append(data)
        return b"".join(chunks), size > MAX_PAYLOAD

    def do_GET(self):
        if self.path == PREFIX + "/invocation/next":
            result = self.api._next()
            if result is None:
                self.close_connection = True  # the API is gone: no answer at all
                return
            self._send(*result)
            return
        self._send(405 if self._known_path() else 404, {}, _error("NotFound", "not found"))

    def do_POST(self):
        body, too_large = self._read_body()
        if self.path == PREFIX + "/invocation/next":
            self._send(405, {}, _error("MethodNotAllowed", "method not allowed"))
            return
        status, reply = self.api._answer(self.path, self.headers, body, too_large)
        self._send(status, {}, reply)

    def _known_path(self) -> bool:
        return self.path == PREFIX + "/init/error" or bool(_INVOCATION_PATH.match(self.path))

"""A loopback reverse proxy in front of s3rver that adds what s3rver 3.7.1 lacks and the S3
state store depends on: conditional writes and SigV4 signature checking.

Why it exists: staticgate's S3 state store (src/aws/s3_state_store.hpp) lets several controllers
share one bucket safely only because S3 honours If-Match / If-None-Match on PutObject (AWS S3
since November 2024). s3rver, the S3 emulator these tests run (npm, pinned in
tests/integration/s3/package-lock.json), ignores both headers and would store every write, so
a test of "the conflicting writer loses" against bare s3rver would pass a store that sent no
precondition at all, or fail a correct one. s3rver also accepts any SigV4 signature from a known
access key id ("Signature version 4 calculation is unimplemented" in its authentication
middleware), so a wrong secret key would go unnoticed. This gate closes both gaps and forwards
everything else, bytes unchanged, to s3rver, which stays the store of record (objects, ETags,
listing, its error documents).

What it does, per request:
  - SigV4 (header form) checked as S3 checks it, by recomputing the signature with botocore's
    S3 signer over exactly what arrived (path as sent, not normalised; the headers named in
    SignedHeaders; x-amz-content-sha256 checked against the body). Unknown key id -> 403
    InvalidAccessKeyId; wrong signature -> 403 SignatureDoesNotMatch; body hash mismatch -> 400
    XAmzContentSHA256Mismatch. Requests without Authorization are forwarded as they are.
  - PUT with If-None-Match: * or If-Match: ETAG, with AWS's answers: the object exists ->
    412 PreconditionFailed (If-None-Match); the object is missing -> 404 NoSuchKey, ETag differs
    (quotes ignored) -> 412 PreconditionFailed (If-Match); otherwise forwarded. The existence
    and ETag come from a HEAD of the object sent to s3rver with the request's own
    Authorization (s3rver checks only the key id). Every PUT (conditional or not) runs under one
    lock, so the check and the write are atomic against other writes through the gate, as in S3.
  - Fault injection for tests: drop_next_put_responses = n forwards the next n PUTs to s3rver
    (so they are stored) and then closes the connection without answering, as a lost response
    does; the client retries and meets its own write.

Records every request (method, raw path, headers) in `requests` for assertions.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import re
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

_AUTH = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}
UPSTREAM_TIMEOUT_S = 10


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = field(repr=False, default=b"")


class _ReceivedS3Signer(S3SigV4Auth):
    """botocore's S3 signer, canonicalising exactly the headers the client signed."""

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, "s3", region)
        self._signed = signed

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                headers[name] = value
        return headers


def _error_xml(code: str, message: str, request_id: str, **extra: str) -> bytes:
    more = "".join(f"<{k}>{v}</{k}>" for k, v in extra.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"{more}<RequestId>{request_id}</RequestId></Error>").encode()


def _unquote(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    return etag.strip('"')


class ConditionalGate:
    """Serves on 127.0.0.1:<free port>, forwarding to s3rver at upstream_port."""

    def __init__(self, upstream_port: int, access_keys: dict[str, str]):
        self.upstream_port = upstream_port
        self.access_keys = dict(access_keys)
        self.requests: list[Recorded] = []
        self.drop_next_put_responses = 0
        self.write_lock = threading.Lock()
        self._lock = threading.Lock()
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: pytest shows failures, not traffic
                pass

            def do_GET(self):
                gate._handle(self)

            do_PUT = do_HEAD = do_DELETE = do_POST = do_GET

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- per request ---

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in h.headers.items()]
        with self._lock:
            self.requests.append(Recorded(h.command, h.path, {k.lower(): v for k, v in headers}, body))
        request_id = uuid.uuid4().hex[:16].upper()

        problem = self._check_signature(h.command, h.path, headers, body)
        if problem:
            status, code, message = problem
            return self._reply(h, status, _error_xml(code, message, request_id), request_id)

        if h.command != "PUT":
            return self._forward(h, h.command, h.path, headers, body)
        with self.write_lock:
            refusal = self._precondition_refusal(h.path, headers, request_id)
            if refusal:
                status, xml = refusal
                return self._reply(h, status, xml, request_id)
            with self._lock:
                drop = self.drop_next_put_responses > 0
                if drop:
                    self.drop_next_put_responses -= 1
            if drop:
                self._upstream(h.command, h.path, headers, body)  # stored...
                h.close_connection = True  # ...but the answer is lost
                return None
            return self._forward(h, h.command, h.path, headers, body)

    def _check_signature(self, method, path, headers, body):
        get = {k.lower(): v for k, v in headers}
        auth = get.get("authorization")
        if auth is None:
            return None
        m = _AUTH.match(auth.strip())
        if not m:
            return 400, "AuthorizationHeaderMalformed", "The authorization header is malformed"
        credential, signed_headers, signature = m.groups()
        scope = credential.split("/")
        if len(scope) != 5:
            return 400, "AuthorizationHeaderMalformed", f"Credential scope is malformed: {credential}"
        key_id, _day, region, service, _ = scope
        secret = self.access_keys.get(key_id)
        if secret is None:
            return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        declared = get.get("x-amz-content-sha256")
        if declared is None:
            return 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        if declared != hashlib.sha256(body).hexdigest():
            return 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match " \
                                                     "what was computed."
        signed = signed_headers.split(";")
        request = AWSRequest(method=method, url=f"http://{get.get('host', 'localhost')}{path}", data=body)
        for name, value in headers:
            if name.lower() in signed:
                request.headers[name.lower()] = value
        request.context["timestamp"] = get.get("x-amz-date", "")
        signer = _ReceivedS3Signer(Credentials(key_id, secret), region, signed)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if service != "s3" or expected != signature:
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the " \
                                                 "signature you provided. Check your key and signing method."
        return None

    def _precondition_refusal(self, path, headers, request_id):
        get = {k.lower(): v for k, v in headers}
        if_none_match = get.get("if-none-match")
        if_match = get.get("if-match")
        if if_none_match is None and if_match is None:
            return None
        if if_none_match is not None and if_none_match.strip() != "*":
            return 501, _error_xml("NotImplemented", "If-None-Match on PUT takes only '*'", request_id)
        status, head_headers, _ = self._upstream("HEAD", path, headers, b"")
        if status not in (200, 404):
            return None  # let s3rver give its own answer (no bucket, bad key id, ...)
        exists = status == 200
        key = urlsplit(path).path
        if if_none_match is not None and exists:
            return 412, _error_xml("PreconditionFailed", "At least one of the pre-conditions you specified did "
                                   "not hold", request_id, Condition="If-None-Match")
        if if_match is not None:
            if not exists:
                return 404, _error_xml("NoSuchKey", "The specified key does not exist.", request_id, Key=key)
            current = head_headers.get("etag", "")
            if if_match.strip() != "*" and _unquote(if_match) != _unquote(current):
                return 412, _error_xml("PreconditionFailed", "At least one of the pre-conditions you specified did "
                                       "not hold", request_id, Condition="If-Match")
        return None

    def _upstream(self, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=UPSTREAM_TIMEOUT_S)
        try:
            sent = {k: v for k, v in headers if k.lower() not in _HOP_BY_HOP
                    and k.lower() not in ("if-match", "if-none-match", "expect")}
            if method == "HEAD":
                sent.pop("Content-Type", None)
                sent["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
            conn.request(method, path, body=body if method != "HEAD" else None, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def _forward(self, h, method, path, headers, body):
        status, response_headers, data = self._upstream(method, path, headers, body)
        h.send_response(status)
        for name, value in response_headers.items():
            if name not in _HOP_BY_HOP and name not in ("date", "server"):
                h.send_header(name, value)
        h.send_header("Content-Length", str(len(data) if method != "HEAD" else response_headers.get("content-length", 0)))
        h.end_headers()
        if method != "HEAD":
            h.wfile.write(data)

    def _reply(self, h, status, xml, request_id):
        h.send_response(status)
        h.send_header("Content-Type", "application/xml")
        h.send_header("x-amz-request-id", request_id)
        h.send_header("Content-Length", str(len(xml)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(xml)

"""One query-API request, from received bytes to answer, in AWS's order: which service (the
Version parameter, else the credential scope), the SigV4 signature, the operation (Action),
injected faults, the parameters decoded and checked against botocore's model, then the service's
own handler, whose answer is itself checked against the model's output shape before it is
written as XML."""

from __future__ import annotations

import datetime
import gzip
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl

from botocore.validate import ParamValidator

from . import errors, model, query_decode, validation, xml_encode
from .context import RequestContext
from .credential_store import CredentialStore
from .errors import AwsError
from .faults import FaultTable
from .sigv4_verify import Received, SignatureError, verify

UNSIGNED_ACTIONS = {("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRoleWithSAML")}


@dataclass
class Answer:
    status: int
    body: bytes
    request_id: str = ""
    content_type: str = "text/xml"
    reset: bool = False       # close the connection with an RST instead of answering
    delay: float = 0.0        # wait this long before answering


def _header(received: Received, name: str) -> str:
    return next((v for k, v in received.headers if k.lower() == name), "")


def _params(received: Received) -> dict[str, str]:
    pairs = parse_qsl(received.query, keep_blank_values=True)
    body = received.body
    if body and _header(received, "content-encoding").strip().lower() == "gzip":
        # CloudWatch accepts gzip-compressed PutMetricData bodies; the signature covers the
        # compressed bytes, the parameters are inside them.
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            raise AwsError("MalformedQueryString", "The request body is not valid gzip") from None
    content_type = _header(received, "content-type")
    if body and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _scope_service(received: Received) -> str | None:
    auth = next((v for k, v in received.headers if k.lower() == "authorization"), "")
    try:
        return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")[3]
    except IndexError:
        return None


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


class Dispatcher:
    def __init__(self, store: CredentialStore, faults: FaultTable, settings, handlers: dict):
        self._store = store
        self._faults = faults
        self._settings = settings
        self._handlers = handlers  # service key -> object with handle(action, params, ctx)
        self._lock = threading.Lock()
        self.calls: list[dict] = []

    def serve(self, received: Received) -> Answer:
        request_id = _request_id()
        record = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(), "service": None,
                  "action": None, "params": None, "access_key_id": None, "status": 200, "error": None}
        service_key = None
        try:
            params = _params(received)
            action = params.pop("Action", None)
            version = params.pop("Version", None)
            service_key = self._service(version, received)
            record.update(service=service_key, action=action)
            answer = self._serve(service_key, action, params, received, request_id, record)
        except AwsError as e:
            record.update(status=e.status, error=e.code)
            answer = Answer(e.status, errors.render(service_key, e, request_id), request_id)
        with self._lock:
            self.calls.append(record)
        return answer

    def _service(self, version: str | None, received: Received) -> str:
        if version is not None:
            service = model.BY_VERSION.get(version)
            if service is None:
                raise AwsError("NoSuchVersion", f"The requested version ({version}) is not valid.")
            return service.key
        signing = _scope_service(received)
        for service in model.SERVICES:
            if service.signing_name == signing:
                raise AwsError("MissingParameter", "The request must contain the parameter Version")
        raise AwsError("MissingParameter", "The request must contain the parameters Action and Version")

    def _serve(self, service_key, action, params, received, request_id, record) -> Answer:
        now = datetime.datetime.now(datetime.timezone.utc)
        caller, region = None, self._settings.default_region
        has_auth = any(k.lower() == "authorization" for k, _ in received.headers)
        if (service_key, action) not in UNSIGNED_ACTIONS or has_auth:
            try:
                verified = verify(received, self._store, model.BY_KEY[service_key].signing_name, now)
            except SignatureError as e:
                raise errors.auth_failure(service_key, e.code, e.message) from None
            caller, region = verified.key, verified.region
            record["access_key_id"] = caller.access_key_id
        if not action:
            raise AwsError("MissingAction", "Missing Action")
        op = model.operation(service_key, action)
        if op is None:
            raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.")

        delay = 0.0
        fault = self._faults.take(service_key, action)
        if fault is not None:
            record["fault"] = fault.kind
            if fault.kind == "throttle":
                raise errors.throttling(service_key)
            if fault.kind == "500":
                raise errors.internal(service_key)
            if fault.kind == "503":
                raise errors.unavailable(service_key)
            if fault.kind == "expire":
                raise errors.auth_failure(service_key, "ExpiredToken", "The security token included in the request is expired")
            if fault.kind == "reset":
                record.update(status=0, error="reset")
                return Answer(0, b"", request_id, reset=True)
            delay = fault.seconds

        decoded = query_decode.decode(service_key, op.input_shape, params)
        record["params"] = decoded.params
        if decoded.malformed:
            raise AwsError("MalformedQueryString" if not model.is_ec2(service_key) else "InvalidParameterValue",
                           f"Malformed parameter: {decoded.malformed[0]}")
        if decoded.unknown:
            raise errors.unknown_parameter(service_key, decoded.unknown[0])
        problems = validation.validate(decoded.params, op.input_shape)
        for problem in problems:
            if problem.kind == "missing":
                raise errors.missing_parameter(service_key, problem.member)
        if problems:
            raise errors.invalid_value(service_key, problems[0].member, problems[0].message)

        ctx = RequestContext(region=region, caller=caller, now=now)
        result = _without_none(self._handlers[service_key].handle(action, decoded.params, ctx))
        if op.output_shape is not None:
            report = ParamValidator().validate(result, op.output_shape)
            if report.has_errors():  # the fake's own bug: say so instead of sending a wrong shape
                raise AwsError("InternalFailure", f"fake_aws answer does not fit the model: {report.generate_report()}", 500)
        return Answer(200, xml_encode.render(service_key, op, result, request_id), request_id, delay=delay)

    def recorded(self) -> list[dict]:
        with self._lock:
            return list(self.calls)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


def _request_id() -> str:
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

"""Verifies the SigV4 signature of a received request by recomputing it with botocore's signer
over exactly what arrived: the same X-Amz-Date, the headers the client listed in SignedHeaders
(and only those, as AWS does), the received path, query and body.

Outcomes follow AWS: no Authorization -> MissingAuthenticationToken; unknown key id or a session
token that does not belong to it -> InvalidClientTokenId; expired temporary key -> ExpiredToken;
a date more than 15 minutes off -> SignatureDoesNotMatch (Signature expired); scope for another
service, or a different signature -> SignatureDoesNotMatch.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from .credential_store import AccessKey, CredentialStore

_AUTH = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$")
MAX_SKEW = datetime.timedelta(minutes=15)


@dataclass
class Received:
    method: str
    path: str            # as on the request line, without the query
    query: str           # raw query string, may be empty
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Verified:
    key: AccessKey
    region: str
    service: str


class SignatureError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _ReceivedRequestSigner(SigV4Auth):
    """botocore's signer, told to canonicalise exactly the headers the client signed."""

    def __init__(self, credentials, service, region, signed: list[str]):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name in self._signed:
            for value in request.headers.get_all(name) or []:
                headers[name] = value  # HTTPHeaders appends: repeated headers stay repeated
        return headers


def _header(received: Received, name: str) -> str | None:
    for key, value in received.headers:
        if key.lower() == name.lower():
            return value
    return None


def verify(received: Received, store: CredentialStore, expected_service: str,
           now: datetime.datetime | None = None) -> Verified:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    authorization = _header(received, "Authorization")
    if authorization is None:
        raise SignatureError("MissingAuthenticationToken", "Request is missing Authentication Token")
    match = _AUTH.match(authorization.strip())
    if not match:
        raise SignatureError("IncompleteSignature", "Authorization header requires 'Credential', "
                             "'SignedHeaders' and 'Signature' parameters")
    credential, signed_headers, signature = match.groups()
    scope = credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise SignatureError("IncompleteSignature", f"Credential scope is malformed: {credential}")
    key_id, day, region, service, _ = scope

    amz_date = _header(received, "X-Amz-Date")
    if amz_date is None:
        raise SignatureError("IncompleteSignature", "Authorization header requires existence of either "
                             "a 'X-Amz-Date' or a 'Date' header")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise SignatureError("IncompleteSignature", f"X-Amz-Date is malformed: {amz_date}") from None

    key = store.get(key_id)
    if key is None:
        raise SignatureError("InvalidClientTokenId", "The security token included in the request is invalid.")
    token = _header(received, "X-Amz-Security-Token")
    if key.session_token is not None and token != key.session_token:
        raise SignatureError("InvalidClientTokenId", "The security token included in the request is invalid.")
    if key.session_token is None and token is not None:
        raise SignatureError("InvalidClientTokenId", "The security token included in the request is invalid.")
    if key.expired(now):
        raise SignatureError("ExpiredToken", "The security token included in the request is expired")
    if abs(now - when) > MAX_SKEW:
        raise SignatureError("SignatureDoesNotMatch", f"Signature expired: {amz_date} is now earlier than "
                             f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')}")
    if day != amz_date[:8]:
        raise SignatureError("SignatureDoesNotMatch", f"Date in Credential scope does not match YYYYMMDD from "
                             f"ISO-8601 version of date from HTTP: '{day}' != '{amz_date[:8]}'")
    if service != expected_service:
        raise SignatureError("SignatureDoesNotMatch", f"Credential should be scoped to correct service: "
                             f"'{expected_service}'.")

    signed = signed_headers.split(";")
    if "host" not in signed:
        raise SignatureError("SignatureDoesNotMatch", "'Host' must be a signed header")
    content_sha = _header(received, "X-Amz-Content-SHA256")
    if content_sha is not None and content_sha != hashlib.sha256(received.body).hexdigest():
        raise SignatureError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does "
                             "not match what was computed.")

    expected = _signature(received, key, region, service, signed, amz_date)
    if expected != signature:
        raise SignatureError("SignatureDoesNotMatch", "The request signature we calculated does not match the "
                             "signature you provided. Check your AWS Secret Access Key and signing method. "
                             "Consult the service documentation for details.")
    return Verified(key=key, region=region, service=service)


def _canonical_url(received: Received) -> str:
    host = _header(received, "Host") or "localhost"
    # AWS canonicalises the query by decoding and re-encoding every pair (RFC 3986 unreserved
    # characters stay, everything else %XX), so a client's own escaping choices do not matter.
    pairs = parse_qsl(received.query, keep_blank_values=True)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    return f"http://{host}{received.path}" + (f"?{query}" if query else "")


def _signature(received: Received, key: AccessKey, region: str, service: str, signed: list[str],
               amz_date: str) -> str:
    request = AWSRequest(method=received.method, url=_canonical_url(received), data=received.body)
    for name, value in received.headers:
        if name.lower() in signed:
            request.headers[name.lower()] = value
    request.context["timestamp"] = amz_date
    signer = _ReceivedRequestSigner(Credentials(key.access_key_id, key.secret_access_key, key.session_token),
                                    service, region, signed)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)

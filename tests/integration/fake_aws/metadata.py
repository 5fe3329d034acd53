"""The credential endpoints outside the query APIs, answered with JSON as AWS does:

  EC2 instance metadata, IMDSv2 only (a session token is required, as with HttpTokens=required):
    PUT /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds: 1..21600) -> token
    GET /latest/meta-data/iam/security-credentials/         -> the role name
    GET /latest/meta-data/iam/security-credentials/<role>   -> {Code, AccessKeyId, ..., Expiration}
  Container credentials (ECS, Lambda):
    GET <container_path> with Authorization equal to container_authorization when that is set.
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading

from .credential_store import ACCOUNT_ID, CredentialStore

IMDS_PREFIX = "/latest/"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"


def _iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Metadata:
    def __init__(self, store: CredentialStore, settings):
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self._tokens: dict[str, datetime.datetime] = {}

    def is_metadata(self, path: str) -> bool:
        return path.startswith(IMDS_PREFIX) or path == self._settings.container_path

    def handle(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body); headers keyed in lower case."""
        now = datetime.datetime.now(datetime.timezone.utc)
        if path == self._settings.container_path:
            return self._container(method, headers)
        if path == "/latest/api/token":
            return self._token(method, headers, now)
        token = headers.get("x-aws-ec2-metadata-token")
        with self._lock:
            expires = self._tokens.get(token or "")
        if expires is None or now >= expires:
            return 401, "text/plain", b"Unauthorized"
        if method != "GET":
            return 405, "text/plain", b"Method Not Allowed"
        role = self._settings.imds_role
        if path in (CREDENTIALS_PATH, CREDENTIALS_PATH.rstrip("/")):
            return 200, "text/plain", role.encode()
        if path == CREDENTIALS_PATH + role:
            key = self._store.issue(self._settings.credential_lifetime_seconds,
                                    f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", "i-0fake00000000001")
            body = {"Code": "Success", "LastUpdated": _iso(now), "Type": "AWS-HMAC",
                    "AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key,
                    "Token": key.session_token, "Expiration": _iso(key.expiration)}
            return 200, "text/plain", json.dumps(body, indent=2).encode()
        return 404, "text/html", b"<title>404 - Not Found</title>"

    def _token(self, method: str, headers: dict[str, str], now: datetime.datetime) -> tuple[int, str, bytes]:
        if method != "PUT":
            return 405, "text/plain", b"Method Not Allowed"
        try:
            ttl = int(headers.get("x-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            return 400, "text/plain", b"Bad Request"
        if not 1 <= ttl <= 21600:
            return 400, "text/plain", b"Bad Request"
        token = secrets.token_urlsafe(40)
        with self._lock:
            self._tokens[token] = now + datetime.timedelta(seconds=ttl)
        return 200, "text/plain", token.encode()

    def _container(self, method: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        if method != "GET":
            return 405, "application/json", b'{"message":"Method Not Allowed"}'
        wanted = self._settings.container_authorization
        if wanted is not None and headers.get("authorization") != wanted:
            return 403, "application/json", b'{"code":"AccessDenied","message":"Unable to authenticate request"}'
        role = self._settings.imds_role
        key = self._store.issue(self._settings.credential_lifetime_seconds,
                                f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", "fake-task")
        body = {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key,
                "Token": key.session_token, "Expiration": _iso(key.expiration),
                "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}"}
        return 200, "application/json", json.dumps(body).encode()

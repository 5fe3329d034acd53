"""The access keys the fake accepts: long-term keys (configurable) and the temporary ones it
issues itself through STS, instance metadata and container credentials, each with its secret,
session token, expiry and the identity GetCallerIdentity reports."""

from __future__ import annotations

import datetime
import secrets
import string
import threading
from dataclasses import dataclass

ACCOUNT_ID = "123456789012"
DEFAULT_ACCESS_KEY_ID = "AKIDFAKEAWSTEST00001"
DEFAULT_SECRET_ACCESS_KEY = "fakeAwsSecretKeyForLoopbackTestsOnly00001"


@dataclass
class AccessKey:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime.datetime | None = None  # None: never expires
    arn: str = f"arn:aws:iam::{ACCOUNT_ID}:user/fake-aws-test"
    user_id: str = "AIDAFAKEAWSTESTUSER01"

    def expired(self, now: datetime.datetime) -> bool:
        return self.expiration is not None and now >= self.expiration

    def public(self) -> dict:
        """For the control API's state: never the secret or the token themselves."""
        return {"access_key_id": self.access_key_id, "temporary": self.session_token is not None,
                "expiration": self.expiration.isoformat() if self.expiration else None, "arn": self.arn}


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class CredentialStore:
    def __init__(self):
        self._lock = threading.Lock()
        self._keys: dict[str, AccessKey] = {}
        self.add(AccessKey(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY))

    def add(self, key: AccessKey) -> None:
        with self._lock:
            self._keys[key.access_key_id] = key

    def get(self, access_key_id: str) -> AccessKey | None:
        with self._lock:
            return self._keys.get(access_key_id)

    def all(self) -> list[AccessKey]:
        with self._lock:
            return list(self._keys.values())

    def issue(self, lifetime_seconds: float, role_arn: str, session_name: str) -> AccessKey:
        """Temporary credentials (ASIA... key, secret, session token) valid for lifetime_seconds."""
        now = datetime.datetime.now(datetime.timezone.utc)
        role_name = role_arn.rsplit("/", 1)[-1]
        role_id = "AROAFAKEAWS" + _random(string.ascii_uppercase + string.digits, 10)
        key = AccessKey(
            access_key_id="ASIA" + _random(string.ascii_uppercase + string.digits, 16),
            secret_access_key=_random(string.ascii_letters + string.digits + "/+", 40),
            session_token="FwoGZXIvYXdzE" + _random(string.ascii_letters + string.digits + "/+", 180),
            expiration=now + datetime.timedelta(seconds=lifetime_seconds),
            arn=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{session_name}",
            user_id=f"{role_id}:{session_name}",
        )
        self.add(key)
        return key

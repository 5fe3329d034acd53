"""The fake's tunables; all can be changed at run time through POST /_fake/config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class Settings:
    web_identity_token: str = "fake-web-identity-token"
    credential_lifetime_seconds: float = 3600.0  # for keys from STS, instance metadata and containers
    imds_role: str = "staticgate-test-role"
    container_path: str = "/v2/credentials/fake-task"  # AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    container_authorization: str | None = None          # AWS_CONTAINER_AUTHORIZATION_TOKEN, if required
    target_initial_seconds: float = 5.0    # ELBv2 targets stay "initial" this long, then "healthy"
    target_draining_seconds: float = 5.0   # and "draining" this long after deregistration
    default_region: str = "us-east-1"      # for unsigned requests

    def update(self, values: dict) -> None:
        known = {f.name: f for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r} (known: {', '.join(known)})")
            current = getattr(self, name)
            setattr(self, name, type(current)(value) if current is not None and value is not None else value)

    def public(self) -> dict:
        out = asdict(self)
        out["web_identity_token"] = "<set>"
        out["container_authorization"] = "<set>" if self.container_authorization else None
        return out

"""STS: AssumeRoleWithWebIdentity (unsigned; the token must be the configured one), AssumeRole
and GetCallerIdentity. Issued keys go into the credential store, so requests signed with them
verify until they expire."""

from __future__ import annotations

import re

from .context import RequestContext
from .credential_store import ACCOUNT_ID, CredentialStore
from .errors import AwsError

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class Sts:
    def __init__(self, store: CredentialStore, settings):
        self._store = store
        self._settings = settings  # .web_identity_token, .credential_lifetime_seconds

    def handle(self, action: str, p: dict, ctx: RequestContext) -> dict:
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            raise AwsError("InvalidAction", f"The fake does not implement {action}")
        return handler(p, ctx)

    def _AssumeRoleWithWebIdentity(self, p: dict, ctx: RequestContext) -> dict:
        if p["WebIdentityToken"] != self._settings.web_identity_token:
            raise AwsError("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
        return self._assume(p, "AssumedRoleUser", provider="fake-oidc")

    def _AssumeRole(self, p: dict, ctx: RequestContext) -> dict:
        return self._assume(p, "AssumedRoleUser")

    def _GetCallerIdentity(self, p: dict, ctx: RequestContext) -> dict:
        return {"UserId": ctx.caller.user_id, "Account": ACCOUNT_ID, "Arn": ctx.caller.arn}

    def _assume(self, p: dict, user_member: str, provider: str | None = None) -> dict:
        if not _ROLE_ARN.match(p["RoleArn"]):
            raise AwsError("ValidationError", f"{p['RoleArn']} is invalid")
        lifetime = min(float(p.get("DurationSeconds", 3600)), self._settings.credential_lifetime_seconds)
        key = self._store.issue(lifetime, p["RoleArn"], p["RoleSessionName"])
        out = {"Credentials": {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key,
                               "SessionToken": key.session_token, "Expiration": key.expiration},
               user_member: {"AssumedRoleId": key.user_id, "Arn": key.arn}}
        if provider:
            out.update(Provider=provider, Audience="sts.amazonaws.com", SubjectFromWebIdentityToken="system:serviceaccount:fake")
        return out

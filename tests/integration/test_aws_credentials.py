"""The AWS credential chain against fake_aws, through tests/tools/aws_credentials_probe (the
chain, the fetchers and the refreshing provider as staticgate links them): EC2 instance
metadata with IMDSv2 tokens, container credentials with an authorization token file, and STS
AssumeRoleWithWebIdentity with the token read from its file; each set of credentials is then
used to sign GetCallerIdentity, which the fake verifies. The probe prints key ids and expiry,
never the secret.

Needs $AWS_CREDENTIALS_PROBE_BIN (ctest sets it) or the probe beside $STATICGATE_BIN's build tree.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess

import pytest

from fake_aws import ACCOUNT_ID, FakeAws

pytestmark = pytest.mark.deadline(120)

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/gateway-web"


def probe_bin() -> str:
    path = os.environ.get("AWS_CREDENTIALS_PROBE_BIN")
    if not path:
        path = os.path.join(os.path.dirname(os.environ["STATICGATE_BIN"]), "tests", "aws_credentials_probe")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"aws_credentials_probe not found at {path!r}: build the aws_credentials_probe target "
                    "and set AWS_CREDENTIALS_PROBE_BIN (ctest sets it)")
    return path


@pytest.fixture
def aws():
    with FakeAws() as fake:
        yield fake


def probe(fake: FakeAws, tmp_path, env: dict, *args: str) -> tuple[int, dict]:
    """Runs the probe with only `env` (plus PATH and an empty HOME) as its AWS environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(HOME=str(tmp_path), AWS_REGION="eu-west-1")
    base.update(env)
    result = subprocess.run([probe_bin(), "--sts-endpoint-url", fake.url, "--timeout-ms", "5000", *args],
                            env=base, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip(), f"probe printed nothing; stderr: {result.stderr}"
    out = json.loads(result.stdout)
    return result.returncode, out


def issued(fake: FakeAws, key_id: str) -> dict:
    keys = {k["access_key_id"]: k for k in fake.state()["keys"]}
    assert key_id in keys, f"{key_id} was not issued by the fake"
    return keys[key_id]


def check_fresh(fake: FakeAws, got: dict) -> None:
    assert "error" not in got, got
    assert got["access_key_id"].startswith("ASIA")
    assert got["has_session_token"] is True
    key = issued(fake, got["access_key_id"])
    assert key["temporary"] is True
    expiry = datetime.datetime.fromisoformat(got["expiration"].replace("Z", "+00:00"))
    fake_expiry = datetime.datetime.fromisoformat(key["expiration"])
    assert abs((expiry - fake_expiry).total_seconds()) < 1.0
    left = (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3000 < left <= 3600


def test_instance_metadata_v2(aws, tmp_path):
    code, out = probe(aws, tmp_path, {"AWS_EC2_METADATA_SERVICE_ENDPOINT": aws.url}, "--verify")
    assert code == 0, out
    check_fresh(aws, out["gets"][0])
    assert out["gets"][0]["source"] == "instance metadata, role staticgate-test-role"
    assert out["caller_arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/staticgate-test-role/i-0fake00000000001"
    assert out["region"] == "eu-west-1"


def test_instance_metadata_disabled_leaves_nothing(aws, tmp_path):
    code, out = probe(aws, tmp_path, {"AWS_EC2_METADATA_SERVICE_ENDPOINT": aws.url, "AWS_EC2_METADATA_DISABLED": "true"})
    assert code == 1
    assert "instance metadata is disabled" in out["error"]


def test_instance_metadata_refreshes_short_lived_credentials(aws, tmp_path):
    # Ten minutes of validity is inside the 15-minute advisory window from the start: the
    # second get() fetches again and gets a new key.
    aws.settings.credential_lifetime_seconds = 600.0
    code, out = probe(aws, tmp_path, {"AWS_EC2_METADATA_SERVICE_ENDPOINT": aws.url}, "--gets", "2")
    assert code == 0, out
    first, second = out["gets"]
    assert first["access_key_id"] != second["access_key_id"]
    issued(aws, first["access_key_id"])
    issued(aws, second["access_key_id"])


def test_instance_metadata_unavailable_is_an_error_not_a_crash(aws, tmp_path):
    aws.faults.add({"kind": "503", "service": "imds", "action": "imds", "count": 5})
    code, out = probe(aws, tmp_path, {"AWS_EC2_METADATA_SERVICE_ENDPOINT": aws.url})
    assert code == 1
    assert "HTTP 503" in out["gets"][0]["error"], out


def test_container_credentials_with_token_file(aws, tmp_path):
    aws.settings.container_authorization = "pod-identity-token"
    token_file = tmp_path / "token"
    token_file.write_text("pod-identity-token\n")
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": aws.url + aws.settings.container_path,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file), "AWS_EC2_METADATA_DISABLED": "true"}
    code, out = probe(aws, tmp_path, env, "--verify")
    assert code == 0, out
    check_fresh(aws, out["gets"][0])
    assert out["gets"][0]["source"] == "container credentials"
    assert out["caller_arn"].endswith(":assumed-role/staticgate-test-role/fake-task")

    token_file.write_text("stale-token\n")
    code, out = probe(aws, tmp_path, env)
    assert code == 1
    error = out["gets"][0]["error"]
    assert "HTTP 403" in error and "AccessDenied" in error, error
    assert "stale-token" not in error


def test_web_identity(aws, tmp_path):
    token_file = tmp_path / "web-token"
    token_file.write_text(aws.settings.web_identity_token)
    env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": ROLE_ARN,
           "AWS_ROLE_SESSION_NAME": "probe-session", "AWS_EC2_METADATA_DISABLED": "true"}
    code, out = probe(aws, tmp_path, env, "--verify")
    assert code == 0, out
    check_fresh(aws, out["gets"][0])
    assert out["caller_arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/gateway-web/probe-session"
    calls = aws.calls(action="AssumeRoleWithWebIdentity")
    assert len(calls) == 1
    assert calls[0]["access_key_id"] is None  # unsigned
    assert calls[0]["params"]["RoleArn"] == ROLE_ARN


def test_web_identity_rereads_the_rotated_token(aws, tmp_path):
    # One provider, two gets. Credentials valid ten minutes are inside the advisory window, so
    # the second get fetches again; in between the identity provider rotates the token (the
    # fake accepts only the new one) and the file is rewritten, as the kubelet does. Had the
    # provider kept the old token, STS would refuse it and the first key would come back.
    aws.settings.credential_lifetime_seconds = 600.0
    token_file = tmp_path / "web-token"
    token_file.write_text("token-one\n")
    aws.settings.web_identity_token = "token-one"
    go = tmp_path / "go"
    env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": ROLE_ARN,
           "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(tmp_path), "AWS_REGION": "eu-west-1"}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full_env.update(env)
    proc = subprocess.Popen([probe_bin(), "--sts-endpoint-url", aws.url, "--timeout-ms", "5000", "--gets", "2",
                             "--wait-for", str(go)], env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr.readline().startswith("waiting for"), "the probe did not reach its second get"
        aws.settings.web_identity_token = "token-two"
        token_file.write_text("token-two\n")
        go.touch()
        out_text, err_text = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err_text
    first, second = json.loads(out_text)["gets"]
    assert "warning" not in second, second
    assert first["access_key_id"] != second["access_key_id"]
    calls = aws.calls(action="AssumeRoleWithWebIdentity")
    assert [c["status"] for c in calls] == [200, 200]
    assert [c["params"]["WebIdentityToken"] for c in calls] == ["token-one", "token-two"]


def test_web_identity_bad_token_is_reported_without_the_token(aws, tmp_path):
    token_file = tmp_path / "web-token"
    token_file.write_text("wrong-token")
    env = {"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": ROLE_ARN,
           "AWS_EC2_METADATA_DISABLED": "true"}
    code, out = probe(aws, tmp_path, env)
    assert code == 1
    error = out["gets"][0]["error"]
    assert "InvalidIdentityToken" in error, error
    assert "wrong-token" not in error


def test_assume_role_from_a_profile(aws, tmp_path):
    config = tmp_path / "config"
    config.write_text(f"[profile deploy]\nrole_arn = arn:aws:iam::{ACCOUNT_ID}:role/deployer\n"
                      "source_profile = base\nrole_session_name = probe\n")
    creds = tmp_path / "credentials"
    creds.write_text(f"[base]\naws_access_key_id = {aws.access_key_id}\n"
                     f"aws_secret_access_key = {aws.secret_access_key}\n")
    env = {"AWS_PROFILE": "deploy", "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(creds),
           "AWS_EC2_METADATA_DISABLED": "true"}
    code, out = probe(aws, tmp_path, env, "--verify")
    assert code == 0, out
    check_fresh(aws, out["gets"][0])
    assert out["profile"] == "deploy"
    assert out["caller_arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deployer/probe"
    calls = aws.calls(action="AssumeRole")
    assert len(calls) == 1 and calls[0]["access_key_id"] == aws.access_key_id

"""The S3 discovery state store (src/aws/s3_state_store.hpp) against a real S3 emulator: s3rver
behind s3_conditional_gate (conditional writes and SigV4 checks; see s3_server.py), driven
through tests/tools/s3_state_tool ($S3_STATE_TOOL_BIN, one store operation per run).

Proves: a round trip keeps bytes and versions; a missing key is "no state" while a missing
bucket or wrong credentials are errors; of two writers that read the same version the second
loses with a conflict; of writers racing to create a key exactly one wins; keys with special
characters are stored under exactly that key (read back with botocore); a conditional PUT whose
answer is lost is retried, reports a conflict, and a re-read finds the caller's own write.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.session import get_session

from s3_server import S3Server

TOOL = os.environ.get("S3_STATE_TOOL_BIN", "")
REGION = "eu-west-1"
BUCKET = "staticgate-state"
TOOL_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def s3():
    if not (TOOL and os.access(TOOL, os.X_OK)):
        pytest.fail("S3_STATE_TOOL_BIN is not set to the s3_state_tool binary (ctest sets it)")
    with S3Server(bucket=BUCKET) as server:
        yield server


@pytest.fixture
def prefix():
    """Each test writes under a prefix of its own, so tests sharing the server stay apart."""
    return f"t-{uuid.uuid4().hex[:8]}/"


def run_tool(s3, prefix, *args, data: bytes = b"", bucket=BUCKET, access_key=None, secret_key=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "S3_ENDPOINT_URL": s3.endpoint_url,
        "S3_REGION": REGION,
        "S3_BUCKET": bucket,
        "S3_PREFIX": prefix,
        "AWS_ACCESS_KEY_ID": access_key or s3.access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret_key or s3.secret_access_key,
        "S3_BASE_DELAY_MS": "10",
    }
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    done = subprocess.run([TOOL, *args], input=data, capture_output=True, env=env, timeout=TOOL_TIMEOUT_S)
    assert done.returncode == 0, f"s3_state_tool {args}: exit {done.returncode}: {done.stderr.decode(errors='replace')}"
    return json.loads(done.stdout)


def load(s3, prefix, key, **kw):
    return run_tool(s3, prefix, "load", key, **kw)


def save_if(s3, prefix, key, version, data: bytes, **kw):
    return run_tool(s3, prefix, "save-if", key, version, data=data, **kw)


def botocore_client(s3):
    return get_session().create_client(
        "s3", region_name=REGION, endpoint_url=s3.endpoint_url, aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key, config=Config(s3={"addressing_style": "path"}))


def puts_for(s3, prefix):
    return [r for r in s3.gate.requests if r.method == "PUT" and r.path.startswith(f"/{BUCKET}/{prefix}")]


def test_round_trip_keeps_bytes_and_versions(s3, prefix):
    key = "web/api.example.com"
    assert load(s3, prefix, key) == {"found": False}

    first = save_if(s3, prefix, key, "", b'{"state": 1}')
    assert first["outcome"] == "saved", first
    assert first["version"].startswith('"') and len(first["version"]) > 2
    read = load(s3, prefix, key)
    assert read == {"found": True, "bytes": '{"state": 1}', "version": first["version"]}

    second = save_if(s3, prefix, key, first["version"], b'{"state": 2}')
    assert second["outcome"] == "saved", second
    assert second["version"] != first["version"]
    assert load(s3, prefix, key) == {"found": True, "bytes": '{"state": 2}', "version": second["version"]}

    # What went over the wire: create-only first, then If-Match on the version read; signed for S3.
    puts = puts_for(s3, prefix)
    assert [p.headers.get("if-none-match") for p in puts] == ["*", None]
    assert [p.headers.get("if-match") for p in puts] == [None, first["version"]]
    assert all("/eu-west-1/s3/aws4_request" in p.headers["authorization"] for p in puts)
    assert all(p.headers["content-type"] == "application/json" for p in puts)


def test_missing_key_is_no_state_but_a_missing_bucket_is_an_error(s3, prefix):
    assert load(s3, prefix, "never/written") == {"found": False}
    answer = load(s3, prefix, "never/written", bucket="no-such-bucket")
    assert "found" not in answer
    assert "NoSuchBucket" in answer["error"] and "HTTP 404" in answer["error"], answer
    assert "s3://no-such-bucket/" in answer["error"]
    saved = save_if(s3, prefix, "k", "", b"{}", bucket="no-such-bucket")
    assert saved["outcome"] == "failed" and "NoSuchBucket" in saved["error"], saved


def test_the_second_writer_of_the_same_version_loses_with_a_conflict(s3, prefix):
    key = "web/a"
    base = save_if(s3, prefix, key, "", b"base")
    assert base["outcome"] == "saved"
    a_read = load(s3, prefix, key)
    b_read = load(s3, prefix, key)
    assert a_read["version"] == b_read["version"] == base["version"]

    a = save_if(s3, prefix, key, a_read["version"], b"from A")
    assert a["outcome"] == "saved", a
    b = save_if(s3, prefix, key, b_read["version"], b"from B")
    assert b == {"outcome": "conflict", "version": "", "error": ""}
    assert load(s3, prefix, key)["bytes"] == "from A"  # B's write did not land

    # The loser reads again and wins on the version it now holds.
    again = load(s3, prefix, key)
    b2 = save_if(s3, prefix, key, again["version"], b"from B, redone")
    assert b2["outcome"] == "saved", b2
    assert load(s3, prefix, key)["bytes"] == "from B, redone"


def test_if_match_on_a_key_deleted_meanwhile_is_a_conflict(s3, prefix):
    key = "web/deleted"
    first = save_if(s3, prefix, key, "", b"x")
    assert first["outcome"] == "saved"
    botocore_client(s3).delete_object(Bucket=BUCKET, Key=prefix + key)
    answer = save_if(s3, prefix, key, first["version"], b"y")
    assert answer["outcome"] == "conflict", answer
    assert load(s3, prefix, key) == {"found": False}


def test_first_write_race_has_exactly_one_winner(s3, prefix):
    key = "web/race"
    writers = 6
    with ThreadPoolExecutor(max_workers=writers) as pool:
        answers = list(pool.map(lambda i: save_if(s3, prefix, key, "", f"writer {i}".encode()), range(writers)))
    outcomes = sorted(a["outcome"] for a in answers)
    assert outcomes == ["conflict"] * (writers - 1) + ["saved"], answers
    winner = next(i for i, a in enumerate(answers) if a["outcome"] == "saved")
    read = load(s3, prefix, key)
    assert read["bytes"] == f"writer {winner}"
    assert read["version"] == answers[winner]["version"]
    # And a late creator still loses.
    assert save_if(s3, prefix, key, "", b"late")["outcome"] == "conflict"


@pytest.mark.parametrize("key", [
    "group one/api.example.com",
    "g+plus/a&b=c?d#e;f,g:h@i",
    "percent/a%20b%2Fc",
    "unicode/grüße/日本",
    "tilde~under_score-dash.dot/..x/x..",
    "quote'paren(s)/star*bang!dollar$",
])
def test_keys_with_special_characters_are_stored_under_exactly_that_key(s3, prefix, key):
    body = f"state of {key}".encode()
    saved = save_if(s3, prefix, key, "", body)
    assert saved["outcome"] == "saved", saved
    assert load(s3, prefix, key) == {"found": True, "bytes": body.decode(), "version": saved["version"]}
    # botocore finds it under the same key, so the encoding and the signature were S3's.
    stored = botocore_client(s3).get_object(Bucket=BUCKET, Key=prefix + key)
    assert stored["Body"].read() == body
    assert stored["ETag"] == saved["version"]
    # A key that differs only in its encoding is another object.
    assert load(s3, prefix, key + " ")["found"] is False


def test_keys_s3_would_rewrite_are_refused_before_any_request(s3, prefix):
    before = len(s3.gate.requests)
    answer = save_if(s3, prefix, "web/../other", "", b"x")
    assert answer["outcome"] == "failed" and "path segment" in answer["error"], answer
    assert len(s3.gate.requests) == before


def test_wrong_credentials_are_a_clear_error_never_no_state(s3, prefix):
    wrong_secret = load(s3, prefix, "web/a", secret_key="not-the-secret")
    assert "found" not in wrong_secret
    assert "SignatureDoesNotMatch" in wrong_secret["error"] and "HTTP 403" in wrong_secret["error"], wrong_secret
    assert "request id" in wrong_secret["error"]
    assert "check the AWS credentials" in wrong_secret["error"]
    assert "not-the-secret" not in wrong_secret["error"]  # never a secret in a message

    unknown_key = save_if(s3, prefix, "web/a", "", b"{}", access_key="AKIDUNKNOWN")
    assert unknown_key["outcome"] == "failed"
    assert "InvalidAccessKeyId" in unknown_key["error"], unknown_key


def test_a_lost_answer_to_a_conditional_put_looks_like_a_conflict_and_a_reread_sees_the_own_write(s3, prefix):
    key = "web/lost-answer"
    s3.gate.drop_next_put_responses = 1
    answer = save_if(s3, prefix, key, "", b"mine")
    # The first attempt was stored, its answer lost; the retry met the write it had just made.
    assert answer["outcome"] == "conflict", answer
    assert len(puts_for(s3, prefix)) == 2
    read = load(s3, prefix, key)
    assert read["bytes"] == "mine"  # the caller re-reads (external_group_sync does) and finds its state
    assert save_if(s3, prefix, key, read["version"], b"mine, again")["outcome"] == "saved"

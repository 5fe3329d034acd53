"""SigV4 cross-check: staticgate's signer (src/aws/sigv4.cpp, driven through the
tests/tools/sigv4_sign helper) and botocore's pure-Python signers (SigV4Auth, S3SigV4Auth; Debian's
python3-botocore) must produce the same canonical request, string to sign, signature and added
headers for a few hundred generated requests: odd path characters and dot segments, repeated
and reserved query keys, repeated headers with runs of whitespace, session tokens, signed,
precomputed and unsigned payloads, for ec2, elasticloadbalancing, monitoring, s3 and sts.

The generator is seeded (SIGV4_SEED overrides) so a failure reproduces; the helper path comes from
$SIGV4_SIGN_BIN (ctest sets it) or sits beside $STATICGATE_BIN in the build tree.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import subprocess
from unittest import mock
from urllib.parse import quote

import pytest

botocore_auth = pytest.importorskip("botocore.auth", reason="apt-get install python3-botocore")
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

COUNT = 400
SEED = int(os.environ.get("SIGV4_SEED", "20150830"))
SERVICES = ["ec2", "elasticloadbalancing", "monitoring", "s3", "sts"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "us-gov-west-1", "cn-north-1"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
# Characters a path may carry raw on the wire (RFC 3986 pchar minus unreserved).
PATH_SAFE = "!$&'()*+,;=:@~"
SEGMENT_CHARS = "abcXYZ019-_.~ !$&'()*+,;=:@%/?#[]\"<>^`{|}\u00e9\u2603\U0001f600"
QUERY_NAMES = ["Action", "Version", "a", "A", "a-b", "Filter.1.Name", "x y", "k=v", "plus+",
               "\u00fcml", "prefix", "max-keys", "list-type", "uploads", "~tilde"]
QUERY_CHARS = "abcXYZ019-_.~ !$&'()*+,;=:@%/?#[]\u00e9\u2603"
HEADER_NAMES = ["X-Custom", "x-custom", "X-CUSTOM", "Content-Type", "X-Amz-Meta-Note",
                "x-amz-meta-note", "X-Amz-Target", "Content-MD5", "Accept", "Range", "If-Match",
                "User-Agent", "Expect", "X-Amzn-Trace-Id", "Authorization", "X-Amz-Date",
                "Content-Encoding", "X-Amz-Acl"]
VALUE_CHARS = "abcXYZ019-_.~!$&'()*+,;=:@%/?#\"<>"


def sigv4_sign_bin() -> str:
    path = os.environ.get("SIGV4_SIGN_BIN")
    if not path:
        path = os.path.join(os.path.dirname(os.environ["STATICGATE_BIN"]), "tests", "sigv4_sign")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"sigv4_sign helper not found at {path!r}: build the sigv4_sign target "
                    "and set SIGV4_SIGN_BIN (ctest sets it)")
    return path


def random_text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_path(rng: random.Random) -> str:
    """A path as a client sends it: segments percent-encoded, '/' inside one as %2F."""
    segments = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.1:
            segments.append(".")
        elif kind < 0.2:
            segments.append("..")
        elif kind < 0.3:
            segments.append("")  # consecutive slashes
        else:
            segments.append(quote(random_text(rng, SEGMENT_CHARS, 1, 8), safe=PATH_SAFE))
    path = "/" + "/".join(segments)
    if segments and rng.random() < 0.3:
        path += "/"
    return path


def random_query(rng: random.Random) -> str:
    """Names and values encoded the canonical way (botocore signs a URL's query as written)."""
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        name = quote(rng.choice(QUERY_NAMES), safe="-_.~")
        if rng.random() < 0.1:
            pairs.append(name)  # no '=' at all
            continue
        value = quote(random_text(rng, QUERY_CHARS, 0, 10), safe="-_.~")
        pairs.append(f"{name}={value}")
    return "&".join(pairs)


def random_header_value(rng: random.Random) -> str:
    words = [random_text(rng, VALUE_CHARS, 1, 6) for _ in range(rng.randint(0, 4))]
    out = random_text(rng, " \t", 0, 2)
    for word in words:
        out += word + random_text(rng, " \t", 1, 4)
    return out if rng.random() < 0.5 else out.rstrip()


def random_case(rng: random.Random, index: int) -> dict:
    service = SERVICES[index % len(SERVICES)]  # every service gets its share
    region = rng.choice(REGIONS)
    host = f"{service}.{region}.amazonaws.com"
    if service == "s3" and rng.random() < 0.5:
        host = f"my-bucket.s3.{region}.amazonaws.com"
    headers = [[rng.choice(["Host", "host", "HOST"]), host]]
    for _ in range(rng.randint(0, 6)):
        headers.append([rng.choice(HEADER_NAMES), random_header_value(rng)])
    rng.shuffle(headers)
    payload = "" if rng.random() < 0.3 else random_text(rng, VALUE_CHARS + " \n\u00e9", 0, 200)
    token = ""
    if rng.random() < 0.4:
        token = random_text(rng, "ABCDEFabcdef0123456789+/=", 20, 300)
    return {
        "method": rng.choice(METHODS),
        "path": random_path(rng),
        "query": random_query(rng),
        "headers": headers,
        "payload": payload,
        "payload_mode": rng.choice(["body", "body", "precomputed", "unsigned"]),
        "access_key_id": "AKIA" + random_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
        "secret_access_key": random_text(rng, "ABCDEFabcdefXYZxyz0123456789+/", 40, 40),
        "session_token": token,
        "region": region,
        "service": service,
        "time": rng.randint(1_420_070_400, 2_082_758_399),  # 2015 .. 2035
    }


def for_helper(case: dict) -> dict:
    out = {k: v for k, v in case.items() if k != "payload_mode"}
    if case["payload_mode"] == "precomputed":
        out["payload_hash"] = hashlib.sha256(case["payload"].encode()).hexdigest()
    elif case["payload_mode"] == "unsigned":
        out["payload_hash"] = "UNSIGNED-PAYLOAD"
    return out


def recording(signer_class):
    """botocore's signer, keeping the intermediate strings it computed while signing."""

    class Recording(signer_class):
        def canonical_request(self, request):
            self.recorded_canonical_request = super().canonical_request(request)
            return self.recorded_canonical_request

        def string_to_sign(self, request, canonical_request):
            self.recorded_string_to_sign = super().string_to_sign(request, canonical_request)
            return self.recorded_string_to_sign

    return Recording


def botocore_sign(case: dict) -> dict:
    host = next(v for n, v in case["headers"] if n.lower() == "host")
    url = f"https://{host}{case['path']}"
    if case["query"]:
        url += "?" + case["query"]
    request = AWSRequest(method=case["method"], url=url, data=case["payload"].encode())
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    unsigned = case["payload_mode"] == "unsigned"
    if case["service"] == "s3":
        signer_class = botocore_auth.S3SigV4Auth
        request.context["client_config"] = Config(s3={"payload_signing_enabled": not unsigned})
    else:
        signer_class = botocore_auth.SigV4Auth
        request.context["payload_signing_enabled"] = not unsigned
    credentials = Credentials(case["access_key_id"], case["secret_access_key"],
                              case["session_token"] or None)
    signer = recording(signer_class)(credentials, case["service"], case["region"])
    now = datetime.datetime.utcfromtimestamp(case["time"])
    with mock.patch.object(botocore_auth, "datetime") as clock:
        clock.datetime.utcnow.return_value = now
        signer.add_auth(request)
    return {
        "canonical_request": signer.recorded_canonical_request,
        "string_to_sign": signer.recorded_string_to_sign,
        "authorization": request.headers["Authorization"],
        "headers": {name: request.headers.get_all(name) for name in
                    ("X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256",
                     "Authorization")},
    }


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    rng = random.Random(SEED)
    return [random_case(rng, i) for i in range(COUNT)]


@pytest.fixture(scope="module")
def ours(cases) -> list[dict]:
    done = subprocess.run([sigv4_sign_bin()], input=json.dumps([for_helper(c) for c in cases]),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(cases)
    return results


def test_generated_requests_cover_the_interesting_cases(cases):
    """Guards the generator: the cross-check is only as good as what it feeds both signers."""
    assert {c["service"] for c in cases} == set(SERVICES)
    assert sum(bool(c["session_token"]) for c in cases) > COUNT // 5
    assert sum(c["payload_mode"] == "unsigned" for c in cases) > COUNT // 10
    assert sum("/../" in c["path"] + "/" or "//" in c["path"] for c in cases) > COUNT // 10
    assert sum("%25" in c["path"] or "%2F" in c["path"] for c in cases) > COUNT // 10
    assert sum(len(c["headers"]) != len({n.lower() for n, _ in c["headers"]})
               for c in cases) > COUNT // 10
    assert sum("  " in v or "\t" in v for c in cases for _, v in c["headers"]) > COUNT // 5


@pytest.mark.parametrize("index", range(COUNT))
def test_signature_equals_botocore(index, cases, ours):
    case, mine = cases[index], ours[index]
    theirs = botocore_sign(case)
    context = f"case {index} (SIGV4_SEED={SEED}): {json.dumps(for_helper(case))}"
    assert mine["canonical_request"] == theirs["canonical_request"], context
    assert mine["string_to_sign"] == theirs["string_to_sign"], context
    assert mine["authorization"] == theirs["authorization"], context
    added = {}
    for name, value in mine["headers_to_add"]:
        added.setdefault(name, []).append(value)
    for name, values in theirs["headers"].items():
        assert added.get(name) == values, f"{name}: {context}"

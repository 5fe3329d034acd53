"""The Lambda custom-runtime loop (src/aws/lambda_runtime.cpp), run by tests/tools/lambda_echo
($LAMBDA_ECHO_BIN), against the local Runtime API emulation in lambda_runtime_api.py: events
answered in order, handler failures and exceptions answered as errors, malformed events,
the exit code when the API is gone or reports a container error, and the emulation's own
status codes (so that the runtime is tested against the API's real behaviour).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import time

import pytest

import sg_helpers as h
from lambda_runtime_api import MAX_PAYLOAD, LambdaRuntimeApi

ECHO_BIN = os.environ.get("LAMBDA_ECHO_BIN", "")


def _require_echo():
    if not (ECHO_BIN and os.access(ECHO_BIN, os.X_OK)):
        pytest.fail("LAMBDA_ECHO_BIN is not set to the lambda_echo test tool (ctest sets it)")


@pytest.fixture
def runtime_api():
    api = LambdaRuntimeApi()
    yield api
    api.close()


class Function:
    """lambda_echo running against an emulated Runtime API."""

    def __init__(self, binary: str, api: LambdaRuntimeApi, args=(), extra_env=None):
        env = {k: v for k, v in os.environ.items() if k not in ("_X_AMZN_TRACE_ID",)}
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        # The runtime must never go through a proxy to reach the local API.
        env["http_proxy"] = env["ALL_PROXY"] = "http://127.0.0.1:9"
        env.update(extra_env or {})
        # spdlog's default logger writes to stdout, sanitizers to stderr: read both, in order.
        self.proc = subprocess.Popen([binary, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 30.0) -> tuple[int, str]:
        """(exit code, its output: log lines and any sanitizer report)."""
        try:
            err, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            err, _ = self.proc.communicate(timeout=10)
            raise AssertionError(f"the function did not exit within {timeout}s; stderr:\n{err.decode()[-3000:]}")
        text = err.decode(errors="replace")
        for marker in h.SANITIZER_MARKERS:
            assert marker not in text, text[-5000:]
        return self.proc.returncode, text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture
def function():
    _require_echo()
    started = []

    def start(api, args=(), binary=ECHO_BIN, extra_env=None):
        f = Function(binary, api, args, extra_env)
        started.append(f)
        return f

    yield start
    for f in started:
        f.stop()


def test_several_invocations_are_answered_in_order(runtime_api, function):
    events = [{"n": i, "text": "é" * i} for i in range(5)]
    traces = [None, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", None, "Root=1-abc;Parent=def;Sampled=0",
              None]
    ids = [runtime_api.queue(e, trace_id=t, deadline_ms=1_900_000_000_000 + i) for i, (e, t) in
           enumerate(zip(events, traces))]
    f = function(runtime_api, ["--max-invocations", "5"])
    code, err = f.wait()
    assert code == 0, err
    for i, request_id in enumerate(ids):
        answer = runtime_api.wait_for(request_id, timeout=1)
        assert answer.kind == "response"
        body = answer.json()
        assert body["echo"] == events[i]
        assert body["request_id"] == request_id
        assert body["function_arn"] == runtime_api.function_arn
        assert body["deadline_ms"] == 1_900_000_000_000 + i
        # _X_AMZN_TRACE_ID is the event's trace header, and only that event's.
        assert body["trace_env"] == traces[i]
    assert all(p.status == 202 for p in runtime_api.posts), runtime_api.posts
    assert runtime_api.next_calls == 5


def test_failures_and_exceptions_are_error_responses_and_the_loop_goes_on(runtime_api, function):
    failed = runtime_api.queue({"fail": {"type": "Custom.NoTargets", "message": "no targets \"here\""}})
    thrown = runtime_api.queue({"throw": "handler blew up"})
    after = runtime_api.queue({"still": "alive"})
    f = function(runtime_api, ["--max-invocations", "3"])
    code, err = f.wait()
    assert code == 0, err

    a = runtime_api.wait_for(failed, timeout=1)
    assert a.kind == "error"
    assert a.error_type == "Custom.NoTargets"
    assert a.json() == {"errorMessage": 'no targets "here"', "errorType": "Custom.NoTargets"}

    b = runtime_api.wait_for(thrown, timeout=1)
    assert b.kind == "error"
    assert b.error_type == "Runtime.HandlerException"
    assert b.json() == {"errorMessage": "handler blew up", "errorType": "Runtime.HandlerException"}

    c = runtime_api.wait_for(after, timeout=1)
    assert c.kind == "response" and c.json()["echo"] == {"still": "alive"}


def test_malformed_events(runtime_api, function):
    not_json = runtime_api.queue(b"{not json")
    bad_deadline = runtime_api.queue({"a": 1}, override={"Lambda-Runtime-Deadline-Ms": "tomorrow"})
    # No request id: unanswerable; the runtime counts a failed /next, retries, and goes on.
    runtime_api.queue({"lost": True}, omit=("Lambda-Runtime-Aws-Request-Id",))
    last = runtime_api.queue({"ok": True})
    f = function(runtime_api, ["--max-invocations", "3"])
    code, err = f.wait()
    assert code == 0, err

    a = runtime_api.wait_for(not_json, timeout=1)
    assert a.kind == "error" and a.error_type == "InvalidEvent"
    assert a.json()["errorType"] == "InvalidEvent"

    b = runtime_api.wait_for(bad_deadline, timeout=1)
    assert b.kind == "error" and b.error_type == "Runtime.MalformedInvocation"
    assert "Lambda-Runtime-Deadline-Ms" in b.json()["errorMessage"]

    c = runtime_api.wait_for(last, timeout=1)
    assert c.kind == "response"
    assert "Lambda-Runtime-Aws-Request-Id" in err


def test_response_over_6_mib_is_refused_and_the_loop_goes_on(runtime_api, function):
    big = runtime_api.queue({"blob": "x" * (MAX_PAYLOAD + 10)})
    small = runtime_api.queue({"blob": "y"})
    f = function(runtime_api, ["--max-invocations", "2"])
    code, err = f.wait(timeout=60)
    assert code == 0, err
    a = runtime_api.wait_for(big, timeout=1)
    assert a.kind == "error" and a.error_type == "Function.ResponseSizeTooLarge"
    assert [p.status for p in runtime_api.posts] == [413, 202]
    assert runtime_api.wait_for(small, timeout=1).kind == "response"
    assert "413" in err


def test_runtime_api_gone_exits_non_zero(runtime_api, function):
    first = runtime_api.queue({"n": 1})
    f = function(runtime_api)
    runtime_api.wait_for(first)
    runtime_api.wait_next_calls(2)  # blocked in its long poll for the next event
    start = time.monotonic()
    runtime_api.close()
    code, err = f.wait(timeout=30)
    took = time.monotonic() - start
    assert code != 0
    # 4 retries, 100 + 200 + 400 + 800 ms apart, then exit.
    assert 1.4 <= took < 20, took
    assert "failed 5 times in a row" in err, err[-2000:]


def test_container_error_exits_at_once(runtime_api, function):
    runtime_api.fail_next(500)
    f = function(runtime_api)
    code, err = f.wait(timeout=10)
    assert code != 0
    assert "container error" in err
    assert runtime_api.next_calls == 1


def test_next_is_a_long_poll_without_timeout(runtime_api, function):
    """An idle function waits in /next for as long as Lambda has no event (longer than the 30 s
    bound of the posts would allow is too slow for a test; 3 s without any retry shows the
    call is not cut short)."""
    f = function(runtime_api, ["--max-invocations", "1"])
    runtime_api.wait_next_calls(1)
    time.sleep(3)
    assert runtime_api.next_calls == 1
    request_id = runtime_api.queue({"late": True})
    code, err = f.wait()
    assert code == 0, err
    assert runtime_api.wait_for(request_id, timeout=1).json()["echo"] == {"late": True}


def test_init_error_is_reported(runtime_api, function):
    f = function(runtime_api, ["--init-error", "Runtime.ConfigError", "bad [ingress] section"])
    code, _ = f.wait()
    assert code == 1
    e = runtime_api.wait_init_error(timeout=1)
    assert e.error_type == "Runtime.ConfigError"
    assert e.json() == {"errorMessage": "bad [ingress] section", "errorType": "Runtime.ConfigError"}
    assert runtime_api.posts[-1].status == 202


def test_missing_runtime_api_variable_is_a_clear_error():
    _require_echo()
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_RUNTIME_API"}
    result = subprocess.run([ECHO_BIN], env=env, capture_output=True, timeout=30)
    assert result.returncode == 2
    assert b"AWS_LAMBDA_RUNTIME_API is not set" in result.stderr


# ---------------------------------------------------------------- the emulation's status codes

def _request(api: LambdaRuntimeApi, method: str, path: str, body: bytes = b"", headers=None, timeout=10):
    host, port = api.address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def test_emulation_status_codes(runtime_api):
    # Before the first /next: no invocation to answer (403), init errors accepted (202).
    status, body, _ = _request(runtime_api, "POST", "/invocation/x/response", b"{}")
    assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
    status, body, _ = _request(runtime_api, "POST", "/init/error", b"{}",
                               {"Lambda-Runtime-Function-Error-Type": "Runtime.X"})
    assert status == 202 and json.loads(body) == {"status": "OK"}

    request_id = runtime_api.queue({"a": 1}, trace_id="Root=1-x")
    status, body, headers = _request(runtime_api, "GET", "/invocation/next")
    assert status == 200 and json.loads(body) == {"a": 1}
    assert headers["Lambda-Runtime-Aws-Request-Id"] == request_id
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > time.time() * 1000
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == runtime_api.function_arn
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-x"

    # While it is unanswered: another /next is refused, so is an init error and a wrong id.
    assert _request(runtime_api, "GET", "/invocation/next")[0] == 403
    assert _request(runtime_api, "POST", "/init/error", b"{}")[0] == 403
    status, body, _ = _request(runtime_api, "POST", "/invocation/other-id/response", b"{}")
    assert status == 400 and json.loads(body) == {"errorMessage": "Invalid request ID",
                                                  "errorType": "InvalidRequestID"}
    assert _request(runtime_api, "POST", f"/invocation/{request_id}/response", b'{"r":1}')[0] == 202
    # Answered: a second answer is a state error.
    assert _request(runtime_api, "POST", f"/invocation/{request_id}/error", b"{}")[0] == 403
    assert runtime_api.answers[request_id].json() == {"r": 1}

    big = runtime_api.queue({"b": 2})
    _request(runtime_api, "GET", "/invocation/next")
    status, body, _ = _request(runtime_api, "POST", f"/invocation/{big}/response", b"x" * (MAX_PAYLOAD + 1))
    assert status == 413 and json.loads(body)["errorType"] == "RequestEntityTooLarge"
    assert runtime_api.answers[big].error_type == "Function.ResponseSizeTooLarge"

    assert _request(runtime_api, "GET", "/nope")[0] == 404
    assert _request(runtime_api, "GET", "/init/error")[0] == 405

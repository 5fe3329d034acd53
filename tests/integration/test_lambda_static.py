"""The static Lambda build of scripts/build-lambda.sh: build/lambda/bootstrap (staticgate),
build/lambda/staticgate-lambda.zip and build/lambda/lambda_echo (the test function, static).

Skipped when build/lambda/bootstrap is absent: the static build takes minutes (it builds
libcurl), so CI does not run it. After `scripts/build-lambda.sh`:
    cd tests/integration && STATICGATE_BIN=../../build/lambda/bootstrap \\
      /usr/bin/python3 -m pytest -q -p no:cacheprovider test_lambda_static.py

Where the process may, the binaries also run chroot'ed into an empty directory: no shared
library, no /etc, no NSS module, which is as foreign a root as Amazon Linux 2023 can be to
them. The Runtime API is addressed by IP (127.0.0.1), as Lambda's AWS_LAMBDA_RUNTIME_API is.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from lambda_runtime_api import LambdaRuntimeApi

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DIR = ROOT / "build" / "lambda"
BOOTSTRAP = LAMBDA_DIR / "bootstrap"
ECHO = LAMBDA_DIR / "lambda_echo"
ZIP = LAMBDA_DIR / "staticgate-lambda.zip"

pytestmark = pytest.mark.skipif(not BOOTSTRAP.is_file(),
                                reason="build/lambda/bootstrap is absent (scripts/build-lambda.sh builds it; "
                                       "too slow for CI)")


def _file_type(path: Path) -> str:
    return subprocess.run(["file", "-b", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def empty_root(tmp_path):
    """An empty directory to chroot into with copies of the static binaries; skips unless root."""
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    root = tmp_path / "root"
    root.mkdir()
    for binary in (BOOTSTRAP, ECHO):
        if binary.is_file():
            shutil.copy2(binary, root / binary.name)
    return root


def _run_in(root: Path | None, argv: list[str], env: dict[str, str], **kwargs):
    """Popen of argv (paths inside `root` when chroot'ed), with exactly `env`."""
    preexec = None
    if root is not None:
        def preexec():
            os.chroot(root)
            os.chdir("/")
    return subprocess.Popen(argv, env=env, preexec_fn=preexec, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            **kwargs)


def test_bootstrap_is_a_static_x86_64_executable():
    kind = _file_type(BOOTSTRAP)
    assert "ELF 64-bit" in kind and "x86-64" in kind, kind
    assert "statically linked" in kind, kind
    assert os.access(BOOTSTRAP, os.X_OK)


def test_zip_holds_only_an_executable_bootstrap():
    with zipfile.ZipFile(ZIP) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["bootstrap"]
        mode = infos[0].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o777 == 0o755, oct(mode)
        assert archive.read("bootstrap") == BOOTSTRAP.read_bytes()


def test_bootstrap_prints_its_version():
    result = subprocess.run([str(BOOTSTRAP), "version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("staticgate "), result.stdout


def test_bootstrap_runs_in_an_empty_root(empty_root):
    proc = _run_in(empty_root, ["/bootstrap", "version"], env={})
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert out.startswith(b"staticgate ")
    # The embedded default config parses without any file around.
    proc = _run_in(empty_root, ["/bootstrap", "print-default-config"], env={})
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and b"[" in out


def _serve_and_lose_api(root: Path | None, argv: list[str], events: list[dict], env: dict | None = None):
    """Runs a function against an emulated Runtime API, waits for its answers to `events`,
    then takes the API away; returns (answers, exit code, output)."""
    api = LambdaRuntimeApi()
    try:
        ids = [api.queue(e, trace_id=f"Root=1-{i}") for i, e in enumerate(events)]
        proc = _run_in(root, argv, env={"AWS_LAMBDA_RUNTIME_API": api.address, **(env or {})})
        try:
            answers = [api.wait_for(i, timeout=30) for i in ids]
        except TimeoutError:
            proc.kill()
            out, _ = proc.communicate(timeout=10)
            raise AssertionError(out.decode(errors="replace")[-3000:])
        api.wait_next_calls(len(events) + 1)
    finally:
        api.close()
    out, _ = proc.communicate(timeout=30)
    return answers, proc.returncode, out.decode(errors="replace")


@pytest.mark.skipif(not ECHO.is_file(), reason="build/lambda/lambda_echo is absent")
def test_static_runtime_loop_under_the_runtime_api(empty_root):
    assert "statically linked" in _file_type(ECHO)
    events = [{"n": 1}, {"fail": {"type": "Custom.Failure", "message": "asked to"}}, {"throw": "boom"}, {"n": 4}]
    answers, code, out = _serve_and_lose_api(empty_root, ["/lambda_echo"], events)
    assert [a.kind for a in answers] == ["response", "error", "error", "response"], out
    assert answers[0].json()["echo"] == {"n": 1}
    assert answers[0].json()["trace_env"] == "Root=1-0"
    assert answers[1].error_type == "Custom.Failure"
    assert answers[2].error_type == "Runtime.HandlerException"
    assert code != 0, out  # the API went away: exit for Lambda to replace the sandbox
    assert "failed 5 times in a row" in out


def test_bootstrap_serves_invocations_under_the_runtime_api(empty_root):
    """staticgate as `bootstrap`: with AWS_LAMBDA_RUNTIME_API set it must run the runtime loop
    and answer each invocation (a response or an error: the event's meaning is the handler's)."""
    if b"AWS_LAMBDA_RUNTIME_API" not in BOOTSTRAP.read_bytes():
        pytest.skip("this bootstrap predates the Lambda runtime: rebuild with scripts/build-lambda.sh")
    # A config as the zip carries it: one Elastic IP binding whose EC2 endpoint refuses, so each
    # invocation runs a reconcile that fails (an error answer) without any network leaving.
    (empty_root / "staticgate.toml").write_text(
        '[aws]\nregion = "us-east-1"\n[aws.endpoints]\nec2 = "http://127.0.0.1:9"\n'
        '[[aws.elastic_ip]]\nname = "fn"\nsubnet_ids = ["subnet-0123abcd"]\nsecurity_group_ids = ["sg-0123abcd"]\n'
        'allocation_ids = ["eipalloc-0123abcd"]\n')
    env = {"LAMBDA_TASK_ROOT": "/", "AWS_ACCESS_KEY_ID": "AKIDSTATICTEST", "AWS_SECRET_ACCESS_KEY": "secret"}
    answers, code, out = _serve_and_lose_api(empty_root, ["/bootstrap"], [{}, {"unexpected": ["event"]}], env)
    assert all(a.kind in ("response", "error") for a in answers), out
    assert code != 0, out

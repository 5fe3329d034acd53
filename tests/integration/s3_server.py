"""A real S3 emulator for the integration tests: s3rver (npm, version pinned in
tests/integration/s3/package-lock.json, installed by scripts/setup.sh into build/npm/s3) on a
free 127.0.0.1 port with its data in a temporary directory, one bucket created at start-up, and
s3_conditional_gate.ConditionalGate in front of it (conditional writes and SigV4 checking,
which s3rver lacks; see that module). Clients talk to `endpoint_url`, the gate.

    with S3Server(bucket="state-bucket") as s3:
        s3.endpoint_url, s3.access_key_id, s3.secret_access_key, s3.gate.requests

s3rver knows one access key pair, S3RVER / S3RVER. Start-up waits at most START_TIMEOUT_S for
s3rver's "listening" line; stop() terminates it (then kills it after 5 s).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from s3_conditional_gate import ConditionalGate

REPO = Path(__file__).resolve().parents[2]
S3RVER_JS = Path(os.environ.get("S3RVER_JS", REPO / "build/npm/s3/node_modules/s3rver/bin/s3rver.js"))
NODE = os.environ.get("NODE", shutil.which("node") or "/usr/bin/node")
START_TIMEOUT_S = 30
ACCESS_KEY_ID = "S3RVER"
SECRET_ACCESS_KEY = "S3RVER"
_LISTENING = re.compile(r"S3rver listening on 127\.0\.0\.1:(\d+)")


class S3Server:
    def __init__(self, bucket: str = "staticgate-state"):
        if not S3RVER_JS.is_file():
            raise RuntimeError(f"s3rver not installed at {S3RVER_JS}: run scripts/setup.sh "
                               "(npm ci of tests/integration/s3 into build/npm/s3)")
        self.bucket = bucket
        self.access_key_id = ACCESS_KEY_ID
        self.secret_access_key = SECRET_ACCESS_KEY
        self._data = tempfile.mkdtemp(prefix="sg-s3rver-")
        self._process: subprocess.Popen | None = None
        self.gate: ConditionalGate | None = None
        self.upstream_port = 0

    def start(self) -> "S3Server":
        self._process = subprocess.Popen(
            [NODE, str(S3RVER_JS), "--directory", self._data, "--address", "127.0.0.1", "--port", "0", "--silent",
             "--no-vhost-buckets", "--configure-bucket", self.bucket],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.upstream_port = self._wait_for_port()
        self.gate = ConditionalGate(self.upstream_port, {ACCESS_KEY_ID: SECRET_ACCESS_KEY})
        return self

    def _wait_for_port(self) -> int:
        assert self._process and self._process.stdout
        deadline = time.monotonic() + START_TIMEOUT_S
        output = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._process.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self._process.stdout.fileno(), 4096)
                if not chunk:
                    break  # s3rver exited
                output += chunk
                m = _LISTENING.search(output.decode(errors="replace"))
                if m:
                    return int(m.group(1))
        self.stop()
        raise RuntimeError(f"s3rver did not start within {START_TIMEOUT_S}s: {output.decode(errors='replace')!r}")

    @property
    def endpoint_url(self) -> str:
        assert self.gate
        return self.gate.url

    def stop(self) -> None:
        if self.gate:
            self.gate.close()
            self.gate = None
        if self._process:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            if self._process.stdout:
                self._process.stdout.close()
            self._process = None
        shutil.rmtree(self._data, ignore_errors=True)

    def __enter__(self) -> "S3Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

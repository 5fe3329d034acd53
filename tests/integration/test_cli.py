"""The command line: version, check (valid and invalid files with
file:line:col errors), signals, and start-up failures that must exit instead
of hanging."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

import sg_helpers as h

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "staticgate.toml"


def run(binary, *args, timeout=10):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_version(staticgate_bin):
    r = run(staticgate_bin, "version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() or r.stderr.strip()


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLE.parent.glob("*.toml")))
def test_check_example_configs(staticgate_bin, example):
    r = run(staticgate_bin, "check", "-c", str(EXAMPLE.parent / example))
    assert r.returncode == 0, r.stderr


def test_check_generated_config(staticgate_bin, tmp_path):
    cfg = h.simple_config("127.0.0.1:1", ["127.0.1.1:2", {"address": "127.0.1.2:3",
                                                          "weight": 3}])
    p = tmp_path / "ok.toml"
    p.write_text(h.render_config(cfg))
    r = run(staticgate_bin, "check", "-c", str(p))
    assert r.returncode == 0, r.stderr


VALID = h.render_config(h.simple_config("127.0.0.1:1", ["127.0.1.1:2"]))

INVALID = {
    "toml_syntax": VALID.replace('name = "main"', 'name = "main'),
    "unknown_algorithm": VALID.replace('"round_robin"', '"random"'),
    "bad_duration": VALID.replace('"2s"', '"2 parsecs"'),
    "unknown_target_group": VALID.replace('target_group = "g"', 'target_group = "nope"'),
    "bad_bind": VALID.replace('"127.0.0.1:1"', '"127.0.0.1:99999"'),
    "bad_target": VALID.replace('"127.0.1.1:2"', '"not-an-address"'),
    "bad_forwarding": VALID.replace('forwarding = "auto"', 'forwarding = "sendfile"'),
    "zero_weight": VALID.replace('["127.0.1.1:2"]', '[{ address = "127.0.1.1:2", weight = 0 }]'),
    "no_targets": VALID.replace('["127.0.1.1:2"]', "[]"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_check_rejects_invalid_config(staticgate_bin, tmp_path, case):
    p = tmp_path / f"{case}.toml"
    p.write_text(INVALID[case])
    r = run(staticgate_bin, "check", "-c", str(p))
    assert r.returncode == 1, f"exit {r.returncode}; stderr: {r.stderr}"
    pattern = re.escape(str(p)) + r":\d+:\d+: error: \S"
    assert re.search(pattern, r.stderr), f"no 'file:line:col: error: ...' in: {r.stderr!r}"


def test_check_missing_file(staticgate_bin, tmp_path):
    r = run(staticgate_bin, "check", "-c", str(tmp_path / "absent.toml"))
    assert r.returncode != 0
    assert r.stderr.strip()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_exits_zero_on_signal(backends, simple_gate, sig):
    sg, addr = simple_gate(backends.targets)
    assert h.backend_name(addr) in backends.names
    rc = sg.stop(sig)
    sg.check_clean_exit(rc)


def test_run_exits_zero_on_sigterm_with_idle_connection_open(backends, simple_gate):
    # An open (idle) client connection keeps the process only for shutdown_grace.
    sg, addr = simple_gate(backends.targets, global_={"shutdown_grace": "1s"})
    with h.connect(addr, timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")  # keep-alive: nginx keeps it open
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        rc = sg.stop(signal.SIGTERM, timeout=30)
    sg.check_clean_exit(rc)


def test_run_with_invalid_config_exits_nonzero(staticgate_bin, tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(INVALID["unknown_algorithm"])
    r = run(staticgate_bin, "run", "-c", str(p), timeout=15)
    assert r.returncode != 0
    assert "error" in r.stderr.lower()


def test_run_fails_when_bind_address_in_use(staticgate_bin, ports, tmp_path):
    port = ports.get("127.0.0.1")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen(1)
        p = tmp_path / "busy.toml"
        p.write_text(h.render_config(h.simple_config(f"127.0.0.1:{port}", ["127.0.1.1:2"])))
        r = run(staticgate_bin, "run", "-c", str(p), timeout=15)
    assert r.returncode != 0
    assert str(port) in r.stderr, r.stderr


def test_run_fails_on_non_local_bind_address(staticgate_bin, tmp_path):
    p = tmp_path / "nonlocal.toml"
    p.write_text(h.render_config(h.simple_config("192.0.2.1:8080", ["127.0.1.1:2"])))
    r = run(staticgate_bin, "run", "-c", str(p), timeout=15)
    assert r.returncode != 0
    assert r.stderr.strip()

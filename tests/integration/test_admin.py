"""The admin endpoint against the real binary: /metrics passes promtool and
prometheus_client's parser, the JSON API shows state, a target drained by hand
gets no new connections, and the status/reload commands work."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import check_metrics
import sg_helpers as h


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def post(url):
    req = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start(nginx, ports, staticgate, extra_group=None):
    up = nginx(("127.0.1.1", "127.0.1.2"))
    port = ports.get("127.0.0.1")
    admin = ("127.0.0.41", ports.get("127.0.0.41"))
    cfg = h.simple_config(h.fmt_addr("127.0.0.1", port), up.targets, workers=2,
                          group={"health_check": {"interval": "300ms", "timeout": "200ms"}, **(extra_group or {})})
    cfg["admin"] = {"listen": h.fmt_addr(*admin)}
    sg = staticgate(cfg)
    return sg, ("127.0.0.1", port), f"http://{h.fmt_addr(*admin)}", up


def test_metrics_pass_promtool_and_parse(nginx, ports, staticgate):
    sg, addr, base, up = start(nginx, ports, staticgate)
    for _ in range(20):
        h.backend_name(addr)
    status, text = get(base + "/metrics")
    assert status == 200
    names = check_metrics.check(text, ["staticgate_target_connections", "staticgate_listener_accepted",
                                       "staticgate_target_connect_duration_seconds",
                                       "staticgate_process_open_fds"])
    assert "staticgate_target_healthy" in names
    # Counters reflect the traffic.
    total = sum(float(line.split()[-1]) for line in text.splitlines()
                if line.startswith("staticgate_target_connections_total{"))
    assert total >= 20
    assert get(base + "/healthz") == (200, "ok\n")


def test_status_api_drain_and_commands(nginx, ports, staticgate, staticgate_bin):
    sg, addr, base, up = start(nginx, ports, staticgate)
    status, body = get(base + "/api/v1/status")
    doc = json.loads(body)
    targets = [t["address"] for g in doc["target_groups"] for t in g["targets"]]
    assert sorted(targets) == sorted(up.targets)

    victim = up.targets[0]
    code, body = post(f"{base}/api/v1/target_groups/g/targets/{urllib.parse.quote(victim)}/drain")
    assert code == 200, body
    time.sleep(0.3)
    seen = {h.backend_name(addr) for _ in range(20)}
    assert seen == {f"backend-{up.targets[1].split(':')[0]}"}, seen
    code, _ = post(f"{base}/api/v1/target_groups/g/targets/{urllib.parse.quote(victim)}/undrain")
    assert code == 200
    time.sleep(0.3)
    assert len({h.backend_name(addr) for _ in range(20)}) == 2
    assert post(f"{base}/api/v1/target_groups/g/targets/10.9.9.9:1/drain")[0] == 404

    admin_addr = base.removeprefix("http://")
    out = subprocess.run([staticgate_bin, "status", "-a", admin_addr], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert up.targets[0] in out.stdout and "main" in out.stdout

    out = subprocess.run([staticgate_bin, "reload", "-a", admin_addr], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    sg.config_path.write_text(sg.config_path.read_text().replace('algorithm = "round_robin"', 'algorithm = "bogus"'))
    out = subprocess.run([staticgate_bin, "reload", "-a", admin_addr], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "bogus" in out.stderr
    assert len({h.backend_name(addr) for _ in range(20)}) == 2  # still running the old config

    out = subprocess.run([staticgate_bin, "status", "-a", "127.0.0.1:1"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "cannot reach" in out.stderr


def test_a_target_removed_by_reload_shows_as_draining(tcp_server, ports, staticgate, staticgate_bin):
    a = tcp_server("127.0.1.4", h.hold_handler, name="a")
    b = tcp_server("127.0.1.5", h.hold_handler, name="b")
    ta, tb = h.fmt_addr("127.0.1.4", a.port), h.fmt_addr("127.0.1.5", b.port)
    port = ports.get("127.0.0.1")
    admin = h.fmt_addr("127.0.0.42", ports.get("127.0.0.42"))
    cfg = h.simple_config(h.fmt_addr("127.0.0.1", port), [ta], workers=1)
    cfg["admin"] = {"listen": admin}
    sg = staticgate(cfg)
    with h.connect(("127.0.0.1", port)) as held:
        assert h.recv_line(held) == b"hello a\n"
        cfg["target_group"][0]["targets"] = [tb]
        sg.config_path.write_text(h.render_config(cfg))
        out = subprocess.run([staticgate_bin, "reload", "-a", admin], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        time.sleep(0.3)
        doc = json.loads(get(f"http://{admin}/api/v1/status")[1])
        targets = {t["address"]: t for g in doc["target_groups"] for t in g["targets"]}
        assert targets[ta]["state"] == "draining" and targets[ta]["active"] == 1, targets
        assert targets[tb]["state"] == "healthy"
        text = get(f"http://{admin}/metrics")[1]
        check_metrics.check(text)
        assert f'staticgate_target_draining{{target_group="g",target="{ta}"}} 1' in text, text

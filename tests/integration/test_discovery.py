"""DNS discovery against a real authoritative server (PowerDNS with a Lua
record answering 8 random addresses of a pool, as an AWS ALB's name does) and
real nginx backends on 127.0.2x.y addresses: registration after one run,
deregistration after exactly N runs, no change while DNS is down, state kept
across restarts, corrupt state, TCP retry of truncated answers, and the
`sync --once` command's output and exit status."""

from __future__ import annotations

import collections
import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import check_metrics
import dns_server
import sg_helpers as h

pytestmark = pytest.mark.skipif(not dns_server.available(), reason="needs pdns-server")


def pool(third: int, n: int) -> list[str]:
    return [f"127.0.{third}.{i}" for i in range(1, n + 1)]


def discovery_config(listen, dns_server_addr, port, state_dir, interval="60s", misses=3, extra=None, admin=None,
                     group=None):
    d = {"names": ["alb.test"], "port": port, "name_servers": [dns_server_addr], "interval": interval,
         "jitter": 0, "misses_before_deregistration": misses, "query_timeout": "300ms", "query_tries": 1,
         **(extra or {})}
    cfg = h.simple_config(listen, [], workers=2,
                          group={"deregistration_delay": "2s", "discovery": {"dns": d}, **(group or {})},
                          global_={"state_dir": str(state_dir)})
    if admin:
        cfg["admin"] = {"listen": h.fmt_addr(*admin)}
    return cfg


def api(admin, path):
    with urllib.request.urlopen(f"http://{h.fmt_addr(*admin)}{path}", timeout=10) as r:
        return json.loads(r.read())


def discovery_status(admin):
    entries = api(admin, "/api/v1/discovery")
    # Empty until the first run has finished: the status is published at the end of a run.
    if not entries:
        return collections.defaultdict(int)  # every figure 0
    (entry,) = entries
    return entry


def targets(admin):
    (group,) = api(admin, "/api/v1/target_groups")
    return {t["address"]: t for t in group["targets"]}


def sync_once(binary, cfg_path, *args):
    out = subprocess.run([binary, "sync", "--once", "-c", str(cfg_path), "--json", *args],
                         capture_output=True, text=True, timeout=60)
    assert "Sanitizer" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout) if out.stdout.strip() else None, out.stderr


def write_config(tmp_path, cfg) -> Path:
    path = tmp_path / "sync.toml"
    path.write_text(h.render_config(cfg))
    return path


def test_pool_of_40_is_registered_after_one_run_and_every_backend_gets_traffic(
        dns, nginx, ports, staticgate, tmp_path):
    addresses = pool(21, 40)
    up = nginx(addresses, common_port=True)
    name_server = dns(addresses)
    listen = ("127.0.0.1", ports.get())
    admin = ("127.0.0.42", ports.get("127.0.0.42"))
    cfg = discovery_config(h.fmt_addr(*listen), name_server.server, up.ports[addresses[0]], tmp_path / "state",
                           admin=admin)
    staticgate(cfg)
    status = h.wait_for(lambda: (s := discovery_status(admin))["runs"] >= 1 and s, what="first run")
    assert status["runs"] == 1  # interval 60s: this is the immediate first run
    assert status["addresses"] == 40 and status["registrations"] == 40
    assert sorted(targets(admin)) == sorted(up.targets)
    seen = {h.backend_name(listen) for _ in range(200)}
    assert seen == set(up.names)
    metrics = check_metrics.fetch(f"http://{h.fmt_addr(*admin)}/metrics")
    check_metrics.check(metrics, ["staticgate_discovery_addresses", "staticgate_discovery_last_run_lookups",
                                  "staticgate_discovery_last_success_timestamp_seconds"])
    assert 'staticgate_discovery_addresses{target_group="g",name="alb.test"} 40' in metrics


def test_removed_addresses_are_deregistered_after_exactly_n_runs(dns, nginx, ports, staticgate_bin, tmp_path):
    addresses = pool(22, 10)
    name_server = dns(addresses)
    cfg = discovery_config("127.0.0.1:1", name_server.server, 8080, tmp_path / "state", misses=3)
    path = write_config(tmp_path, cfg)
    rc, report, err = sync_once(staticgate_bin, path)
    assert rc == 0, err
    (entry,) = report["names"]
    assert sorted(entry["register"]) == sorted(addresses) and entry["complete"]

    name_server.set_pool(addresses[:7])
    gone = sorted(addresses[7:])
    for run in (1, 2):
        rc, report, err = sync_once(staticgate_bin, path)
        (entry,) = report["names"]
        assert rc == 0 and entry["deregister"] == [], err
        assert {a: p["misses"] for a, p in entry["pending"].items()} == {a: run for a in gone}
    # A dry run shows the deregistration without doing it...
    rc, report, err = sync_once(staticgate_bin, path, "--dry-run")
    assert sorted(report["names"][0]["deregister"]) == gone
    # ...so the real third missed run still deregisters them.
    rc, report, err = sync_once(staticgate_bin, path)
    (entry,) = report["names"]
    assert rc == 0 and sorted(entry["deregister"]) == gone and entry["pending"] == {}
    assert sorted(entry["active"]) == sorted(addresses[:7])


def test_running_gateway_drains_a_removed_target_and_serves_the_rest(dns, nginx, ports, staticgate, tmp_path):
    addresses = pool(23, 4)
    up = nginx(addresses, common_port=True)
    name_server = dns(addresses)
    listen = ("127.0.0.1", ports.get())
    admin = ("127.0.0.43", ports.get("127.0.0.43"))
    cfg = discovery_config(h.fmt_addr(*listen), name_server.server, up.ports[addresses[0]], tmp_path / "state",
                           interval="300ms", misses=2, admin=admin)
    staticgate(cfg)
    h.wait_for(lambda: len(targets(admin)) == 4, what="4 targets")
    held = h.connect(listen)  # an established connection to some target
    name_server.set_pool(addresses[:3])
    runs_before = discovery_status(admin)["runs"]
    h.wait_for(lambda: len(targets(admin)) == 3, timeout=20, what="deregistration")
    status = discovery_status(admin)
    assert status["deregistrations"] == 1
    assert status["runs"] - runs_before >= 2  # never before the second missed run
    names = {h.backend_name(listen) for _ in range(60)}
    assert names == {f"backend-{a}" for a in addresses[:3]}
    held.close()
    # New capacity is taken on at the next run.
    name_server.set_pool(addresses)
    h.wait_for(lambda: len(targets(admin)) == 4, what="re-registration")


def test_dns_down_deregisters_nothing_and_restart_resumes_from_state(dns, nginx, ports, staticgate, tmp_path):
    addresses = pool(24, 6)
    up = nginx(addresses, common_port=True)
    name_server = dns(addresses)
    listen = ("127.0.0.1", ports.get())
    admin = ("127.0.0.44", ports.get("127.0.0.44"))
    state = tmp_path / "state"
    cfg = discovery_config(h.fmt_addr(*listen), name_server.server, up.ports[addresses[0]], state,
                           interval="200ms", misses=2, admin=admin)
    sg = staticgate(cfg)
    h.wait_for(lambda: len(targets(admin)) == 6, what="6 targets")
    name_server.stop()
    h.wait_for(lambda: discovery_status(admin)["failed_runs"] >= 4, what="failed runs")
    status = discovery_status(admin)
    assert status["addresses"] == 6 and status["pending"] == 0 and status["deregistrations"] == 0
    assert sum(status["lookup_failures"].values()) > 0, status
    assert len(targets(admin)) == 6
    assert {h.backend_name(listen) for _ in range(60)} == set(up.names)

    # Restart with DNS still down: the targets come back from the state file at once.
    assert sg.stop() == 0
    saved = json.loads(next(state.iterdir()).read_text())
    assert saved["schema"] == 1 and sorted(saved["active"]) == sorted(addresses)
    sg2 = staticgate(cfg)
    assert len(targets(admin)) == 6
    assert {h.backend_name(listen) for _ in range(60)} == set(up.names)
    # Pending counters survive a restart too: shrink the pool, let one miss count, restart.
    name_server.start()
    name_server.set_pool(addresses[:5])
    h.wait_for(lambda: discovery_status(admin)["pending"] == 1, what="one pending address")
    assert sg2.stop() == 0
    saved = json.loads(next(state.iterdir()).read_text())
    assert list(saved["pending"]) == [addresses[5]]
    misses = saved["pending"][addresses[5]]["misses"]
    assert misses == 1
    sg3 = staticgate(cfg)
    h.wait_for(lambda: discovery_status(admin)["deregistrations"] == 1, what="deregistration after restart")
    assert discovery_status(admin)["runs"] == 1  # the second miss came from the first run after restart
    assert sg3.stop() == 0


def test_corrupt_state_is_reported_and_left_alone(dns, ports, staticgate_bin, tmp_path):
    addresses = pool(25, 3)
    name_server = dns(addresses)
    state = tmp_path / "state"
    cfg = discovery_config("127.0.0.1:1", name_server.server, 8080, state)
    path = write_config(tmp_path, cfg)
    assert sync_once(staticgate_bin, path)[0] == 0
    (state_file,) = state.iterdir()
    state_file.write_text('{"schema": 1, "active": [')
    rc, report, err = sync_once(staticgate_bin, path)
    assert rc == 1
    assert "is corrupt" in report["names"][0]["state_error"]
    # Degraded: what DNS answers is taken on, nothing is deregistered, the file is not touched.
    assert sorted(report["names"][0]["register"]) == sorted(addresses)
    assert report["names"][0]["deregister"] == []
    assert state_file.read_text() == '{"schema": 1, "active": ['


def test_truncated_answer_is_retried_over_tcp(dns, staticgate_bin, tmp_path):
    addresses = pool(26, 60)
    name_server = dns(addresses, pick=60)  # 60 A records do not fit 512 bytes of UDP
    cfg = discovery_config("127.0.0.1:1", name_server.server, 8080, tmp_path / "state", extra={"answer_size": 60})
    rc, report, err = sync_once(staticgate_bin, write_config(tmp_path, cfg))
    (entry,) = report["names"]
    assert rc == 0, err
    assert entry["truncated_retried_over_tcp"] >= 1
    assert sorted(entry["seen"]) == sorted(addresses)


def test_sync_once_exit_status_when_dns_is_unreachable(staticgate_bin, ports, tmp_path):
    dead = f"127.0.3.9:{ports.get('127.0.3.9')}"
    cfg = discovery_config("127.0.0.1:1", dead, 8080, tmp_path / "state")
    rc, report, err = sync_once(staticgate_bin, write_config(tmp_path, cfg))
    (entry,) = report["names"]
    assert rc == 1 and not entry["ok"] and entry["error"], entry
    assert entry["active"] == [] and entry["register"] == []


def test_sync_once_without_discovery_groups_is_a_usage_error(staticgate_bin, tmp_path):
    cfg = h.simple_config("127.0.0.1:1", ["127.0.0.1:2"])
    out = subprocess.run([staticgate_bin, "sync", "--once", "-c", str(write_config(tmp_path, cfg))],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "nothing to sync" in out.stderr


def test_sync_table_output_names_what_it_would_do(dns, staticgate_bin, tmp_path):
    name_server = dns(pool(27, 3))
    cfg = discovery_config("127.0.0.1:1", name_server.server, 8080, tmp_path / "state")
    out = subprocess.run([staticgate_bin, "sync", "--once", "--dry-run", "-c", str(write_config(tmp_path, cfg))],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "would register:   127.0.27.1 127.0.27.2 127.0.27.3" in out.stdout
    assert "dry run: no state saved" in out.stdout
    assert not (tmp_path / "state").exists()


def test_authoritative_mode_finds_the_zones_server_through_ns_records(dns, staticgate_bin, tmp_path):
    addresses = pool(28, 12)
    name_server = dns(addresses)  # zone "test.": NS ns1.test., ns1.test. A 127.0.3.1
    cfg = discovery_config("127.0.0.1:1", name_server.server, 8080, tmp_path / "state",
                           extra={"authoritative": True, "authoritative_port": name_server.port})
    out = subprocess.run([staticgate_bin, "sync", "--once", "-c", str(write_config(tmp_path, cfg))],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "12 address(es) seen" in out.stdout
    err = out.stderr
    assert f"zone test answered by {name_server.address}:{name_server.port}" in err


def test_a_new_address_is_forwarded_to_within_interval_plus_one_second(dns, nginx, ports, staticgate, tmp_path):
    addresses = pool(29, 3)
    up = nginx(addresses, common_port=True)
    name_server = dns(addresses[:2])
    listen = ("127.0.0.1", ports.get())
    admin = ("127.0.0.45", ports.get("127.0.0.45"))
    cfg = discovery_config(h.fmt_addr(*listen), name_server.server, up.ports[addresses[0]], tmp_path / "state",
                           interval="1s", admin=admin)
    staticgate(cfg)
    h.wait_for(lambda: len(targets(admin)) == 2, what="2 targets")
    name_server.set_pool(addresses)
    added = time.monotonic()
    h.wait_for(lambda: h.backend_name(listen) == f"backend-{addresses[2]}", timeout=10, what="traffic to the new address")
    # Not a timing assertion on the machine's speed: the bound is the configured interval plus
    # a generous margin for a loaded test machine.
    assert time.monotonic() - added < 1.0 + 5.0

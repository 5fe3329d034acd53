"""End to end, AWS mode (issue 6): an ALB-like DNS name (PowerDNS answering 8 random addresses
of a pool) -> staticgate -> loopback stand-ins for AWS: tests/integration/fake_aws for ELBv2,
EC2, CloudWatch and the credential endpoints, s3rver (behind the conditional-write gate of
s3_server.py) for S3. Covers `sync --once`, the long-running `run`, `aws reconcile` and
`aws iam-policy`, with throttling, 5xx, resets, slow answers and short-lived credentials."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import botocore.session
import pytest

import dns_server
import s3_server
import sg_helpers as h
from fake_aws import FakeAws, Settings
from fake_aws.credential_store import AccessKey

pytestmark = pytest.mark.skipif(not dns_server.available(), reason="needs pdns-server")

BUCKET = "staticgate-state"
PREFIX = "prod/discovery/"
NAMESPACE = "StaticGate/Test"
NAME = "alb.test"


def pool(n: int, third: int = 9) -> list[str]:
    # In-VPC addresses as an internal ALB would answer; nothing connects to them.
    return [f"10.{third}.0.{i}" for i in range(1, n + 1)]


@pytest.fixture
def aws():
    with FakeAws(settings=Settings(target_initial_seconds=0.5, target_draining_seconds=1.0)) as fake:
        # One key pair for every service: s3rver knows only S3RVER/S3RVER, so the fake learns it too.
        fake.store.add(AccessKey(s3_server.ACCESS_KEY_ID, s3_server.SECRET_ACCESS_KEY))
        yield fake


@pytest.fixture
def s3():
    with s3_server.S3Server(bucket=BUCKET) as server:
        yield server


def read_state(s3, key: str) -> dict:
    from botocore.config import Config
    c = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=s3.endpoint_url, aws_access_key_id=s3_server.ACCESS_KEY_ID,
        aws_secret_access_key=s3_server.SECRET_ACCESS_KEY, config=Config(s3={"addressing_style": "path"}))
    return json.loads(c.get_object(Bucket=BUCKET, Key=PREFIX + key)["Body"].read())


def client(aws: FakeAws, service: str):
    return botocore.session.get_session().create_client(
        service, region_name="us-east-1", endpoint_url=aws.url, aws_access_key_id=aws.access_key_id,
        aws_secret_access_key=aws.secret_access_key)


def create_target_group(aws: FakeAws, name: str = "alb-ips", port: int = 443) -> str:
    out = client(aws, "elbv2").create_target_group(Name=name, Protocol="TCP", Port=port, VpcId="vpc-0fake0000000001",
                                                   TargetType="ip")
    return out["TargetGroups"][0]["TargetGroupArn"]


def registered(aws: FakeAws, arn: str, include_draining: bool = False) -> set[str]:
    (group,) = [g for g in aws.state()["elbv2"]["target_groups"] if g["arn"] == arn]
    return {t["id"] for t in group["targets"] if include_draining or t["state"] != "draining"}


def aws_toml(aws: FakeAws, s3=None, namespace: str | None = NAMESPACE, elastic_ips: list[dict] | None = None) -> str:
    lines = ["[aws]", 'region = "us-east-1"', "[aws.endpoints]"]
    for service in ("elasticloadbalancing", "ec2", "monitoring", "sts"):
        lines.append(f'{service} = "{aws.url}"')
    if s3 is not None:
        lines += [f's3 = "{s3.endpoint_url}"', "[aws.state]", f'bucket = "{BUCKET}"', f'prefix = "{PREFIX}"']
    if namespace:
        lines += ["[aws.cloudwatch]", f'namespace = "{namespace}"']
    for binding in elastic_ips or []:
        lines.append("[[aws.elastic_ip]]")
        lines += [f"{k} = {h.toml_value(v)}" for k, v in binding.items()]
    return "\n".join(lines) + "\n"


def sync_config(dns_addr: str, arn: str, tmp_path: Path, misses: int = 3, interval: str = "60s",
                admin=None) -> dict:
    d = {"names": [NAME], "port": 443, "name_servers": [dns_addr], "interval": interval, "jitter": 0,
         "misses_before_deregistration": misses, "query_timeout": "300ms", "query_tries": 1}
    cfg = {
        "global": {"workers": 1, "log_level": "info", "state_dir": str(tmp_path / "state")},
        "target_group": [{"name": "nlb", "targets": [],
                          "discovery": {"dns": d, "aws": {"target_group_arn": arn}}}],
    }
    if admin:
        cfg["admin"] = {"listen": h.fmt_addr(*admin)}
    return cfg


def write(tmp_path: Path, cfg: dict, aws_text: str, name: str = "aws.toml") -> Path:
    path = tmp_path / name
    path.write_text(h.render_config(cfg) + "\n" + aws_text)
    return path


def env_for(aws: FakeAws, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws.env())
    env.update({"AWS_ACCESS_KEY_ID": s3_server.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": s3_server.SECRET_ACCESS_KEY})
    env.update(extra or {})
    return env


def run(binary, *args, env, timeout=120):
    out = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert "Sanitizer" not in out.stderr and "runtime error" not in out.stderr, out.stderr
    return out


def sync_once(binary, path, env, *extra):
    out = run(binary, "sync", "--once", "--json", "-c", str(path), *extra, env=env)
    report = json.loads(out.stdout) if out.stdout.strip() else None
    return out.returncode, report, out.stderr


def metric_values(aws: FakeAws, name: str, **dimensions) -> list[float]:
    return [d["value"] for d in aws.state()["cloudwatch"]["metric_data"]
            if d["namespace"] == NAMESPACE and d["name"] == name
            and all(d["dimensions"].get(k) == v for k, v in dimensions.items())]


def test_sync_once_registers_at_once_deregisters_after_n_runs_keeps_state_in_s3_and_sends_the_metric(
        dns, aws, s3, staticgate_bin, tmp_path):
    addresses = pool(20)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    path = write(tmp_path, sync_config(name_server.server, arn, tmp_path), aws_toml(aws, s3))
    env = env_for(aws)

    rc, report, err = sync_once(staticgate_bin, path, env)
    assert rc == 0, err
    assert registered(aws, arn) == set(addresses)
    assert len(aws.calls(action="RegisterTargets")) == 1  # one batched call
    assert metric_values(aws, "LoadBalancerIPCount", LoadBalancerName=NAME) == [20.0]
    state = read_state(s3, f"nlb/{NAME}")
    assert sorted(state["active"]) == sorted(addresses)
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())  # S3, not files

    name_server.set_pool(addresses[:15])
    gone = set(addresses[15:])
    for _ in (1, 2):
        rc, report, err = sync_once(staticgate_bin, path, env)
        assert rc == 0 and report["names"][0]["deregister"] == [], err
        assert registered(aws, arn) == set(addresses)
    rc, report, err = sync_once(staticgate_bin, path, env)
    assert rc == 0, err
    assert set(report["names"][0]["deregister"]) == gone
    assert registered(aws, arn) == set(addresses[:15])
    assert len(aws.calls(action="DeregisterTargets")) == 1
    assert metric_values(aws, "LoadBalancerIPCount", LoadBalancerName=NAME)[-1] == 15.0


def test_throttling_5xx_resets_and_slow_answers_are_survived_with_nothing_lost(dns, aws, s3, staticgate_bin, tmp_path):
    addresses = pool(12, third=10)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    path = write(tmp_path, sync_config(name_server.server, arn, tmp_path), aws_toml(aws, s3))
    env = env_for(aws)
    aws.faults.add({"action": "DescribeTargetHealth", "kind": "500", "count": 1})
    aws.faults.add({"action": "RegisterTargets", "kind": "throttle", "count": 2})
    aws.faults.add({"action": "PutMetricData", "kind": "reset", "count": 1})
    aws.faults.add({"action": "DescribeTargetHealth", "kind": "delay", "seconds": 2.0, "count": 1})
    rc, report, err = sync_once(staticgate_bin, path, env)
    assert rc == 0, err
    assert registered(aws, arn) == set(addresses)
    assert metric_values(aws, "LoadBalancerIPCount", LoadBalancerName=NAME) == [12.0]
    assert aws.faults.pending() == []


def test_a_failed_describe_changes_nothing_and_the_next_run_catches_up(dns, aws, s3, staticgate_bin, tmp_path):
    addresses = pool(10, third=11)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    path = write(tmp_path, sync_config(name_server.server, arn, tmp_path, misses=2), aws_toml(aws, s3))
    env = env_for(aws)
    assert sync_once(staticgate_bin, path, env)[0] == 0
    name_server.set_pool(addresses[:6])
    # Every attempt throttled: the registered targets are unknown, so nothing may change, and
    # the run says it failed.
    aws.faults.add({"action": "DescribeTargetHealth", "kind": "throttle", "count": 10})
    rc, report, err = sync_once(staticgate_bin, path, env)
    assert rc == 1, err
    assert "Throttling" in json.dumps(report) + err
    assert not aws.calls(action="DeregisterTargets")
    aws.faults.clear()
    assert registered(aws, arn) == set(addresses)
    # The missed run still counts towards deregistration (the lookup itself succeeded)...
    for _ in range(2):
        rc, report, err = sync_once(staticgate_bin, path, env)
        assert rc == 0, err
        if report["names"][0]["deregister"]:
            break
    assert registered(aws, arn) == set(addresses[:6])


def test_two_writers_sharing_the_s3_state_never_lose_each_others_counts(dns, aws, s3, staticgate_bin, tmp_path):
    addresses = pool(10, third=12)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    path = write(tmp_path, sync_config(name_server.server, arn, tmp_path, misses=5), aws_toml(aws, s3, namespace=None))
    env = env_for(aws)
    assert sync_once(staticgate_bin, path, env)[0] == 0
    name_server.set_pool(addresses[:7])
    # The first DescribeTargetHealth answers slowly: the other run reads, decides and saves
    # meanwhile, so the slow one's conditional save conflicts and it redoes its decision.
    aws.faults.add({"action": "DescribeTargetHealth", "kind": "delay", "seconds": 3.0, "count": 1})
    results = []
    slow = threading.Thread(target=lambda: results.append(sync_once(staticgate_bin, path, env)))
    slow.start()
    time.sleep(1.0)
    results.append(sync_once(staticgate_bin, path, env))
    slow.join(timeout=60)
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    state = read_state(s3, f"nlb/{NAME}")
    # Both runs counted: each missing address has missed two runs, not one.
    assert {a: p["misses"] for a, p in state["pending"].items()} == {a: 2 for a in addresses[7:]}
    assert state["runs"] == 3


def test_run_feeds_the_target_group_with_short_lived_container_credentials(dns, aws, staticgate, ports, tmp_path):
    addresses = pool(8, third=13)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    # Credentials from the container endpoint that expire 20 s after issue: inside the refresh
    # windows from the start, so the gateway must keep fetching new ones.
    aws.settings.update({"credential_lifetime_seconds": 20.0})
    admin = ("127.0.0.43", ports.get("127.0.0.43"))
    cfg = sync_config(name_server.server, arn, tmp_path, interval="1s", misses=2, admin=admin)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{aws.url}/v2/credentials/fake-task", "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"})
    # State in files here: s3rver knows only its own key, not the fake's temporary ones.
    started = time.monotonic()
    staticgate(cfg, ready_addrs=[admin], extra_config=aws_toml(aws), env=env)

    def api(path):
        with urllib.request.urlopen(f"http://{h.fmt_addr(*admin)}{path}", timeout=10) as r:
            return json.loads(r.read())

    h.wait_for(lambda: registered(aws, arn) == set(addresses), 20, "first registration")
    # The status is published when the run has finished, just after the AWS calls.
    (status,) = h.wait_for(lambda: api("/api/v1/discovery"), 10, "the first run's status")
    assert status["external_target"] == arn
    name_server.set_pool(addresses[:5])
    h.wait_for(lambda: registered(aws, arn) == set(addresses[:5]), 30, "deregistration after 2 missed runs")
    # Keep running past the first credentials' expiry: every call still signed with valid keys.
    time.sleep(max(0.0, 22.0 - (time.monotonic() - started)))
    h.wait_for(lambda: len({c["access_key_id"] for c in aws.calls(service="elbv2")}) >= 2, 20, "a second key in use")
    failures = [c for c in aws.calls() if c["error"] in ("ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch")]
    assert failures == []
    assert api("/api/v1/discovery")[0]["target_failures"] == 0
    metrics = urllib.request.urlopen(f"http://{h.fmt_addr(*admin)}/metrics", timeout=10).read().decode()
    assert f'staticgate_discovery_target_group_failures_total{{target_group="nlb",name="{NAME}",aws_target_group="{arn}"}} 0' in metrics
    assert metric_values(aws, "LoadBalancerIPCount", LoadBalancerName=NAME)[-1] == 5.0


FUNCTION = "vendor-webhooks"
SUBNETS = ["subnet-0aaa0000000000001", "subnet-0bbb0000000000002"]
GROUPS = ["sg-0ccc0000000000003"]


def allocate(aws: FakeAws, n: int) -> list[str]:
    ec2 = client(aws, "ec2")
    return [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(n)]


def addresses_on_interfaces(aws: FakeAws) -> dict[str, str]:
    """allocation id -> network interface id, for associated addresses."""
    out = client(aws, "ec2").describe_addresses()["Addresses"]
    return {a["AllocationId"]: a.get("NetworkInterfaceId") for a in out if a.get("NetworkInterfaceId")}


def lambda_interfaces(aws: FakeAws) -> set[str]:
    out = client(aws, "ec2").describe_network_interfaces(
        Filters=[{"Name": "interface-type", "Values": ["lambda"]}])["NetworkInterfaces"]
    return {i["NetworkInterfaceId"] for i in out}


def test_reconcile_keeps_one_elastic_ip_per_lambda_interface_when_interfaces_are_replaced(aws, staticgate_bin, tmp_path):
    allocations = allocate(aws, 2)
    for subnet in SUBNETS:
        aws.ec2.create_lambda_interface(FUNCTION, subnet, GROUPS)
    binding = {"name": "webhooks", "subnet_ids": SUBNETS, "security_group_ids": GROUPS, "allocation_ids": allocations}
    path = tmp_path / "eip.toml"
    path.write_text(aws_toml(aws, namespace=None, elastic_ips=[binding]))
    env = env_for(aws)

    out = run(staticgate_bin, "aws", "reconcile", "--dry-run", "-c", str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert addresses_on_interfaces(aws) == {}  # a dry run changes nothing
    assert not aws.calls(action="AssociateAddress")

    out = run(staticgate_bin, "aws", "reconcile", "--json", "-c", str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert set(addresses_on_interfaces(aws).values()) == lambda_interfaces(aws)

    # The function's security groups change: Lambda replaces both interfaces.
    new_groups = ["sg-0ddd0000000000004"]
    aws.ec2.set_lambda_network(FUNCTION, SUBNETS, new_groups)
    binding["security_group_ids"] = new_groups
    path.write_text(aws_toml(aws, namespace=None, elastic_ips=[binding]))
    out = run(staticgate_bin, "aws", "reconcile", "--json", "-c", str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert set(addresses_on_interfaces(aws).values()) == lambda_interfaces(aws)
    assert set(addresses_on_interfaces(aws)) == set(allocations)

    # A third subnet: one interface more than addresses; reported, exit status 1.
    aws.ec2.set_lambda_network(FUNCTION, SUBNETS + ["subnet-0eee0000000000005"], new_groups)
    binding["subnet_ids"] = SUBNETS + ["subnet-0eee0000000000005"]
    path.write_text(aws_toml(aws, namespace=None, elastic_ips=[binding]))
    out = run(staticgate_bin, "aws", "reconcile", "-c", str(path), env=env)
    assert out.returncode == 1
    assert "without" in out.stdout + out.stderr


def test_run_moves_elastic_ips_within_one_interval_when_interfaces_are_replaced(aws, staticgate, ports, tmp_path):
    allocations = allocate(aws, 2)
    for subnet in SUBNETS:
        aws.ec2.create_lambda_interface(FUNCTION, subnet, GROUPS)
    binding = {"name": "webhooks", "subnet_ids": SUBNETS, "security_group_ids": GROUPS, "allocation_ids": allocations,
               "interval": "1s"}
    admin = ("127.0.0.44", ports.get("127.0.0.44"))
    cfg = {"global": {"workers": 1, "log_level": "info"}, "admin": {"listen": h.fmt_addr(*admin)}}
    staticgate(cfg, ready_addrs=[admin], extra_config=aws_toml(aws, namespace=None, elastic_ips=[binding]),
               env=env_for(aws))
    h.wait_for(lambda: set(addresses_on_interfaces(aws).values()) == lambda_interfaces(aws), 15, "first association")
    # One interface replaced (Lambda recreates it, e.g. after a subnet's interface was deleted).
    (victim,) = [i for i, eni in addresses_on_interfaces(aws).items()][:1]
    eni = addresses_on_interfaces(aws)[victim]
    aws.ec2.delete_interface(eni)
    aws.ec2.create_lambda_interface(FUNCTION, SUBNETS[0], GROUPS)
    h.wait_for(lambda: set(addresses_on_interfaces(aws).values()) == lambda_interfaces(aws)
             and len(addresses_on_interfaces(aws)) == 2, 10, "address moved to the new interface")


def test_iam_policy_names_only_the_configured_resources(aws, s3, staticgate_bin, tmp_path):
    arn = create_target_group(aws)
    allocations = ["eipalloc-0123456789abcdef0"]
    binding = {"name": "webhooks", "subnet_ids": SUBNETS, "security_group_ids": GROUPS, "allocation_ids": allocations}
    cfg = sync_config("127.0.0.1:53", arn, tmp_path)
    path = write(tmp_path, cfg, aws_toml(aws, s3, elastic_ips=[binding]))
    out = run(staticgate_bin, "aws", "iam-policy", "-c", str(path), env=env_for(aws))
    assert out.returncode == 0, out.stderr
    policy = json.loads(out.stdout)
    assert policy["Version"] == "2012-10-17"
    text = json.dumps(policy)
    assert arn in text and f"arn:aws:s3:::{BUCKET}/{PREFIX}*" in text and allocations[0] in text
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(a in ("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets") for a in actions):
            assert statement["Resource"] in (arn, [arn])
        if "cloudwatch:PutMetricData" in actions:
            assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": NAMESPACE}}
    assert "*" not in [s["Resource"] for s in policy["Statement"]
                       if "s3:PutObject" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]


def test_as_a_lambda_function_each_invocation_syncs_and_reconciles(dns, aws, s3, staticgate_bin, tmp_path):
    """The binary started without arguments under the Lambda Runtime API (the local emulation
    in lambda_runtime_api.py), as `bootstrap` is on provided.al2023."""
    from lambda_runtime_api import LambdaRuntimeApi
    addresses = pool(10, third=14)
    name_server = dns(addresses)
    arn = create_target_group(aws)
    allocations = allocate(aws, 2)
    for subnet in SUBNETS:
        aws.ec2.create_lambda_interface(FUNCTION, subnet, GROUPS)
    binding = {"name": "webhooks", "subnet_ids": SUBNETS, "security_group_ids": GROUPS, "allocation_ids": allocations}
    path = write(tmp_path, sync_config(name_server.server, arn, tmp_path, misses=2),
                 aws_toml(aws, s3, elastic_ips=[binding]))
    api = LambdaRuntimeApi()
    proc = None
    try:
        env = env_for(aws, {"AWS_LAMBDA_RUNTIME_API": api.address, "STATICGATE_CONFIG": str(path)})
        proc = subprocess.Popen([staticgate_bin], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        dry = api.wait_for(api.queue({"dry_run": True}), timeout=60)
        assert dry.kind == "response", dry.body
        assert dry.json()["dry_run"] is True and registered(aws, arn) == set()
        first = api.wait_for(api.queue({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events"}),
                             timeout=60)
        assert first.kind == "response", first.body
        report = first.json()
        assert report["sync_exit_status"] == 0
        assert sorted(report["sync"]["names"][0]["register"]) == sorted(addresses)
        assert registered(aws, arn) == set(addresses)
        assert set(addresses_on_interfaces(aws).values()) == lambda_interfaces(aws)
        assert metric_values(aws, "LoadBalancerIPCount", LoadBalancerName=NAME) == [10.0]
        # The state lives in S3 between invocations: two more runs without 3 addresses remove them.
        name_server.set_pool(addresses[:7])
        for _ in range(2):
            answer = api.wait_for(api.queue({}), timeout=60)
            assert answer.kind == "response", answer.body
        assert registered(aws, arn) == set(addresses[:7])
        # ELBv2 down for every attempt: a failed invocation (Lambda's Errors metric), nothing lost.
        aws.faults.add({"action": "DescribeTargetHealth", "kind": "503", "count": 10})
        failed = api.wait_for(api.queue({}), timeout=60)
        assert failed.kind == "error" and failed.error_type == "StaticgateRunFailed"
        assert "sync exit status 1" in failed.json()["errorMessage"]
        assert registered(aws, arn) == set(addresses[:7])
    finally:
        api.close()
        if proc is not None:
            try:
                out, _ = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate(timeout=10)
            text = out.decode(errors="replace")
            for marker in h.SANITIZER_MARKERS:
                assert marker not in text, text[-5000:]


def test_as_a_lambda_function_discovery_without_s3_state_is_an_init_error(aws, staticgate_bin, tmp_path):
    from lambda_runtime_api import LambdaRuntimeApi
    arn = create_target_group(aws)
    path = write(tmp_path, sync_config("127.0.0.1:53", arn, tmp_path), aws_toml(aws))
    api = LambdaRuntimeApi()
    try:
        env = env_for(aws, {"AWS_LAMBDA_RUNTIME_API": api.address, "STATICGATE_CONFIG": str(path)})
        out = subprocess.run([staticgate_bin], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        init = api.wait_init_error(timeout=5)
        assert init.error_type == "ConfigError" and "[aws.state]" in init.json()["errorMessage"]
        assert "Sanitizer" not in out.stderr
    finally:
        api.close()

"""The AWS test endpoint (tests/integration/fake_aws) is faithful enough to stand in for AWS:
Debian's AWS CLI v2 (/usr/bin/aws, which carries its own bundled botocore, not python3-botocore)
drives it through --endpoint-url and gets what it expects — ELBv2 target registration and
health, EC2 network interfaces with filters and the CLI's own paging, Elastic IP association,
CloudWatch PutMetricData, STS identity and temporary keys, container and instance-metadata
credentials — and the failures it must see: a bad signature, an unknown key, an expired token,
a value outside the model, AWS's own business rules, and throttling it retries through.

Each CLI start costs about a second, so related checks share an invocation where they can.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from fake_aws import FakeAws

AWS = "/usr/bin/aws"
REGION = "eu-west-1"

pytestmark = [
    pytest.mark.skipif(not os.access(AWS, os.X_OK), reason="apt-get install awscli (Debian's AWS CLI v2)"),
    pytest.mark.deadline(120),
]


@pytest.fixture
def aws(tmp_path):
    with FakeAws() as fake:
        fake.settings.target_initial_seconds = 3600.0  # targets stay "initial" until a test says otherwise
        fake.home = tmp_path
        yield fake


def cli_env(fake: FakeAws, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(fake.home), AWS_CONFIG_FILE=str(fake.home / "no-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(fake.home / "no-credentials"),
               AWS_ACCESS_KEY_ID=fake.access_key_id, AWS_SECRET_ACCESS_KEY=fake.secret_access_key,
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="", AWS_DEFAULT_OUTPUT="json")
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(fake: FakeAws, *args: str, env: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    command = [AWS, "--endpoint-url", fake.url, "--region", REGION, *args]
    result = subprocess.run(command, env=env or cli_env(fake), capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, f"{' '.join(args)} failed: {result.stderr}"
    return result


def run_together(fake: FakeAws, *invocations: tuple) -> list[subprocess.CompletedProcess]:
    """Independent invocations at once (each is (args, env or None)); none may need to succeed."""
    with ThreadPoolExecutor(max_workers=len(invocations)) as pool:
        futures = [pool.submit(run, fake, *args, env=env, ok=False) for args, env in invocations]
        return [f.result() for f in futures]


def out(result: subprocess.CompletedProcess):
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_elbv2_target_lifecycle(aws):
    group = out(run(aws, "elbv2", "create-target-group", "--name", "alb-ips", "--protocol", "TCP", "--port", "443",
                    "--vpc-id", "vpc-0abc", "--target-type", "ip"))["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    assert arn.startswith(f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/alb-ips/")
    assert (group["Port"], group["TargetType"]) == (443, "ip")

    # One batched call; a target outside the VPC needs AvailabilityZone=all, a port override is kept.
    run(aws, "elbv2", "register-targets", "--target-group-arn", arn, "--targets",
        "Id=10.0.1.10", "Id=10.0.1.11,Port=8443", "Id=203.0.113.7,AvailabilityZone=all")
    [call] = aws.calls(action="RegisterTargets")
    assert call["params"]["Targets"] == [{"Id": "10.0.1.10"}, {"Id": "10.0.1.11", "Port": 8443},
                                         {"Id": "203.0.113.7", "AvailabilityZone": "all"}]

    aws.elbv2.set_health(arn, "10.0.1.10", None, "healthy", None)
    health = out(run(aws, "elbv2", "describe-target-health", "--target-group-arn", arn))["TargetHealthDescriptions"]
    by_id = {h["Target"]["Id"]: h for h in health}
    assert by_id["10.0.1.10"]["TargetHealth"] == {"State": "healthy"}
    assert by_id["10.0.1.11"]["Target"]["Port"] == 8443
    assert by_id["10.0.1.11"]["TargetHealth"]["State"] == "initial"
    assert by_id["10.0.1.11"]["TargetHealth"]["Reason"] == "Elb.RegistrationInProgress"
    assert by_id["203.0.113.7"]["Target"]["AvailabilityZone"] == "all"

    run(aws, "elbv2", "deregister-targets", "--target-group-arn", arn, "--targets", "Id=10.0.1.10")
    states = {t["id"]: t["state"] for t in aws.state()["elbv2"]["target_groups"][0]["targets"]}
    assert states == {"10.0.1.10": "draining", "10.0.1.11": "initial", "203.0.113.7": "initial"}

    # AWS's own rules, which the CLI cannot know: a public address without AvailabilityZone=all,
    # deregistering what is not registered, an enum value outside the model.
    public, absent, bad_enum = run_together(
        aws, (("elbv2", "register-targets", "--target-group-arn", arn, "--targets", "Id=198.51.100.1"), None),
        (("elbv2", "deregister-targets", "--target-group-arn", arn, "--targets", "Id=10.0.9.9"), None),
        (("elbv2", "create-target-group", "--name", "x", "--protocol", "SCTP", "--port", "1", "--vpc-id", "vpc-0abc"), None))
    assert public.returncode != 0 and "(InvalidTarget)" in public.stderr
    assert absent.returncode != 0 and "(InvalidTarget)" in absent.stderr and "not registered" in absent.stderr
    assert bad_enum.returncode != 0 and "(ValidationError)" in bad_enum.stderr


def test_ec2_lambda_interfaces_filters_and_cli_paging(aws):
    mine = {aws.ec2.create_lambda_interface("fn", "subnet-a", ["sg-1"])["NetworkInterfaceId"] for _ in range(12)}
    aws.ec2.create_lambda_interface("fn", "subnet-b", ["sg-1"])             # other subnet
    aws.ec2.create_lambda_interface("other", "subnet-a", ["sg-2"])          # other security group
    aws.ec2.create_interface("subnet-a", ["sg-1"], description="an instance's interface")  # not Lambda's

    # --page-size makes the CLI page with MaxResults/NextToken and merge the pages itself.
    found = out(run(aws, "ec2", "describe-network-interfaces", "--page-size", "5", "--filters",
                    "Name=interface-type,Values=lambda", "Name=subnet-id,Values=subnet-a",
                    "Name=group-id,Values=sg-1", "Name=requester-id,Values=AROA*:awslambda_*"))["NetworkInterfaces"]
    assert {i["NetworkInterfaceId"] for i in found} == mine
    sample = found[0]
    assert sample["InterfaceType"] == "lambda" and sample["Status"] == "in-use" and sample["RequesterManaged"]
    assert sample["Description"].startswith("AWS Lambda VPC ENI-fn-")
    assert sample["Groups"] == [{"GroupId": "sg-1", "GroupName": "sg-1"}]
    calls = aws.calls(action="DescribeNetworkInterfaces")
    assert [c["params"].get("MaxResults") for c in calls] == [5, 5, 5]
    assert [("NextToken" in c["params"]) for c in calls] == [False, True, True]
    assert calls[0]["params"]["Filters"][0] == {"Name": "interface-type", "Values": ["lambda"]}

    unknown = run(aws, "ec2", "describe-network-interfaces", "--filters", "Name=no-such-filter,Values=x", ok=False)
    assert unknown.returncode != 0 and "(InvalidParameterValue)" in unknown.stderr


def test_ec2_elastic_ip_association(aws):
    first = aws.ec2.create_lambda_interface("fn", "subnet-a", ["sg-1"])["NetworkInterfaceId"]
    second = aws.ec2.create_lambda_interface("fn", "subnet-b", ["sg-1"])["NetworkInterfaceId"]
    address = out(run(aws, "ec2", "allocate-address", "--domain", "vpc"))
    allocation = address["AllocationId"]
    assert allocation.startswith("eipalloc-") and address["Domain"] == "vpc"

    association = out(run(aws, "ec2", "associate-address", "--allocation-id", allocation,
                          "--network-interface-id", first))["AssociationId"]
    assert association.startswith("eipassoc-")

    # Moving it needs AllowReassociation, as on AWS.
    refused = run(aws, "ec2", "associate-address", "--allocation-id", allocation, "--network-interface-id", second,
                  ok=False)
    assert refused.returncode != 0 and "(Resource.AlreadyAssociated)" in refused.stderr
    run(aws, "ec2", "associate-address", "--allocation-id", allocation, "--network-interface-id", second,
        "--allow-reassociation")

    [described] = out(run(aws, "ec2", "describe-addresses", "--allocation-ids", allocation))["Addresses"]
    assert described["NetworkInterfaceId"] == second and described["PublicIp"] == address["PublicIp"]
    assert described["AssociationId"] != association

    # Lambda replaces the interface: the association goes with it, the address stays allocated.
    aws.ec2.delete_interface(second)
    [after] = out(run(aws, "ec2", "describe-addresses", "--filters", f"Name=allocation-id,Values={allocation}"))["Addresses"]
    assert "AssociationId" not in after and "NetworkInterfaceId" not in after


def test_cloudwatch_put_metric_data(aws):
    sent, reserved = run_together(
        aws, (("cloudwatch", "put-metric-data", "--namespace", "staticgate", "--metric-data",
               json.dumps([{"MetricName": "LoadBalancerIPCount", "Value": 8, "Unit": "Count",
                            "Dimensions": [{"Name": "LoadBalancerName", "Value": "alb.example"}]}])), None),
        (("cloudwatch", "put-metric-data", "--namespace", "AWS/ApplicationELB",
          "--metric-name", "LoadBalancerIPCount", "--value", "8"), None))
    assert sent.returncode == 0, sent.stderr
    assert reserved.returncode != 0 and "(InvalidParameterValue)" in reserved.stderr
    [datum] = aws.cloudwatch.state()["metric_data"]
    assert (datum["namespace"], datum["name"], datum["value"], datum["unit"]) == ("staticgate", "LoadBalancerIPCount", 8.0, "Count")
    assert datum["dimensions"] == {"LoadBalancerName": "alb.example"}


def test_sts_identity_and_temporary_keys(aws):
    me = out(run(aws, "sts", "get-caller-identity"))
    assert me == {"UserId": "AIDAFAKEAWSTESTUSER01", "Account": "123456789012",
                  "Arn": "arn:aws:iam::123456789012:user/fake-aws-test"}
    creds = out(run(aws, "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/sync",
                    "--role-session-name", "cli"))["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    env = cli_env(aws, AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                  AWS_SESSION_TOKEN=creds["SessionToken"])
    # The same key without its session token is not a valid key.
    assumed, tokenless = run_together(
        aws, (("sts", "get-caller-identity"), env),
        (("sts", "get-caller-identity"),
         cli_env(aws, AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"])))
    assert out(assumed)["Arn"] == "arn:aws:sts::123456789012:assumed-role/sync/cli"
    assert tokenless.returncode != 0 and "(InvalidClientTokenId)" in tokenless.stderr


def test_signature_and_key_failures_reach_the_cli(aws):
    expired = aws.store.issue(0.0, "arn:aws:iam::123456789012:role/old", "gone")
    wrong_secret, unknown_key, stale = run_together(
        aws, (("elbv2", "describe-target-groups"), cli_env(aws, AWS_SECRET_ACCESS_KEY="not-the-secret")),
        (("ec2", "describe-addresses"), cli_env(aws, AWS_ACCESS_KEY_ID="AKIDUNKNOWN000000000")),
        (("cloudwatch", "list-metrics"), cli_env(aws, AWS_ACCESS_KEY_ID=expired.access_key_id,
                                                 AWS_SECRET_ACCESS_KEY=expired.secret_access_key,
                                                 AWS_SESSION_TOKEN=expired.session_token)))
    assert wrong_secret.returncode != 0 and "(SignatureDoesNotMatch)" in wrong_secret.stderr
    assert unknown_key.returncode != 0 and "(AuthFailure)" in unknown_key.stderr
    assert stale.returncode != 0 and "(ExpiredToken)" in stale.stderr
    assert sorted((c["action"], c["error"]) for c in aws.calls()) == [
        ("DescribeAddresses", "AuthFailure"), ("DescribeTargetGroups", "SignatureDoesNotMatch"),
        ("ListMetrics", "ExpiredToken")]


def test_throttling_is_retried_by_the_cli(aws):
    aws.faults.add({"action": "DescribeTargetGroups", "kind": "throttle", "count": 2})
    aws.faults.add({"action": "DescribeAddresses", "kind": "throttle", "count": 1})
    elbv2, ec2 = run_together(aws, (("elbv2", "describe-target-groups"), None), (("ec2", "describe-addresses"), None))
    assert (elbv2.returncode, ec2.returncode) == (0, 0), elbv2.stderr + ec2.stderr
    assert [(c["status"], c["error"]) for c in aws.calls(action="DescribeTargetGroups")] == \
        [(400, "Throttling"), (400, "Throttling"), (200, None)]
    assert [(c["status"], c["error"]) for c in aws.calls(action="DescribeAddresses")] == \
        [(503, "RequestLimitExceeded"), (200, None)]


def test_container_and_instance_metadata_credentials(aws):
    aws.settings.container_authorization = "container-secret"
    container = cli_env(aws, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                        AWS_CONTAINER_CREDENTIALS_FULL_URI=aws.url + aws.settings.container_path,
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="container-secret")
    imds = cli_env(aws, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_EC2_METADATA_DISABLED=None,
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=aws.url + "/")
    from_container, from_imds = run_together(aws, (("sts", "get-caller-identity"), container),
                                             (("sts", "get-caller-identity"), imds))
    assert from_container.returncode == 0, from_container.stderr
    assert from_imds.returncode == 0, from_imds.stderr
    assert out(from_container)["Arn"].endswith(":assumed-role/staticgate-test-role/fake-task")
    assert out(from_imds)["Arn"].endswith(":assumed-role/staticgate-test-role/i-0fake00000000001")
    issued = [k for k in aws.store.all() if k.session_token]
    assert len(issued) == 2

"""The Elastic IP <-> Lambda interface reconciler (src/aws/eip_reconciler.hpp) against fake_aws's
EC2, driven by tests/tools/eip_reconcile_tool: Lambda replacing a function's interfaces (a
security-group change, a subnet change) has the addresses moved onto the new interfaces in one
run; a second run changes nothing; a dry run changes nothing; an Elastic IP the binding does not
list is never touched; a failed describe changes nothing; one failed association does not stop
the others."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from fake_aws import FakeAws

TOOL = os.environ.get("EIP_RECONCILE_TOOL_BIN")
pytestmark = pytest.mark.skipif(not TOOL, reason="EIP_RECONCILE_TOOL_BIN not set (run through ctest)")

FUNCTION = "egress-fn"


@pytest.fixture
def aws():
    with FakeAws() as fake:
        yield fake


def reconcile(aws: FakeAws, binding: dict, *extra: str) -> tuple[int, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws.env())
    p = subprocess.run([TOOL, "--endpoint", aws.url, "--region", "us-east-1", "--binding", json.dumps(binding),
                        *extra], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode in (0, 1), p.stderr
    print(p.stderr)
    return p.returncode, json.loads(p.stdout)


def binding(allocations: list[str], subnets=("subnet-a", "subnet-b"), groups=("sg-1",)) -> dict:
    return {"name": "egress", "subnet_ids": list(subnets), "security_group_ids": list(groups),
            "allocation_ids": allocations, "description_prefix": f"AWS Lambda VPC ENI-{FUNCTION}-"}


def placement(aws: FakeAws) -> dict[str, str | None]:
    """allocation id -> the interface it is on (None when not associated)."""
    return {a["AllocationId"]: a.get("NetworkInterfaceId") for a in aws.ec2.state()["addresses"]}


def interfaces_by_subnet(aws: FakeAws) -> dict[str, str]:
    return {i["SubnetId"]: i["NetworkInterfaceId"] for i in aws.ec2.state()["network_interfaces"]
            if i["Description"].startswith(f"AWS Lambda VPC ENI-{FUNCTION}-")}


def associate_calls(aws: FakeAws) -> list[dict]:
    return aws.calls(service="ec2", action="AssociateAddress")


def test_replaced_interfaces_get_the_addresses_in_one_run_and_a_second_run_changes_nothing(aws):
    aws.ec2.set_lambda_network(FUNCTION, ["subnet-a", "subnet-b"], ["sg-1"])
    ours = [aws.ec2.allocate_address()["AllocationId"] for _ in range(2)]

    status, result = reconcile(aws, binding(ours))
    assert status == 0 and result["known"] and result["error_count"] == 0
    enis = interfaces_by_subnet(aws)
    assert placement(aws) == {ours[0]: enis["subnet-a"], ours[1]: enis["subnet-b"]}

    status, again = reconcile(aws, binding(ours))
    assert status == 0 and again["plan"]["associations"] == [] and len(again["plan"]["kept"]) == 2
    assert len(associate_calls(aws)) == 2

    # The function's security groups change: Lambda deletes both interfaces (the addresses are
    # left allocated, not associated) and makes new ones. One run puts both back.
    changed = aws.ec2.set_lambda_network(FUNCTION, ["subnet-a", "subnet-b"], ["sg-1", "sg-2"])
    assert len(changed["deleted"]) == 2 and len(changed["created"]) == 2
    assert set(placement(aws).values()) == {None}
    status, result = reconcile(aws, binding(ours, groups=("sg-2", "sg-1")))
    assert status == 0 and len(result["outcomes"]) == 2 and all(o["ok"] for o in result["outcomes"])
    enis = interfaces_by_subnet(aws)
    assert placement(aws) == {ours[0]: enis["subnet-a"], ours[1]: enis["subnet-b"]}


def test_addresses_move_off_old_interfaces_that_still_exist(aws):
    """Lambda makes the new interface before it deletes the old one: the address moves (with
    AllowReassociation) from the old interface, which no longer matches the binding."""
    old = aws.ec2.create_lambda_interface(FUNCTION, "subnet-a", ["sg-1"])["NetworkInterfaceId"]
    ours = aws.ec2.allocate_address()["AllocationId"]
    aws.ec2.associate_address(ours, old)
    new = aws.ec2.create_lambda_interface(FUNCTION, "subnet-c", ["sg-1"])["NetworkInterfaceId"]

    status, result = reconcile(aws, binding([ours], subnets=("subnet-c",)))
    assert status == 0, result
    [association] = result["plan"]["associations"]
    assert association["from_network_interface_id"] == old and association["allow_reassociation"] is True
    assert placement(aws) == {ours: new}
    [call] = associate_calls(aws)
    assert call["params"]["AllowReassociation"] is True


def test_dry_run_changes_nothing(aws):
    aws.ec2.set_lambda_network(FUNCTION, ["subnet-a", "subnet-b"], ["sg-1"])
    ours = [aws.ec2.allocate_address()["AllocationId"] for _ in range(2)]
    before = aws.ec2.state()

    status, result = reconcile(aws, binding(ours), "--dry-run")
    assert status == 0 and result["dry_run"] and len(result["plan"]["associations"]) == 2
    assert result["outcomes"] == []
    assert aws.ec2.state() == before
    assert associate_calls(aws) == []
    assert [c["action"] for c in aws.calls(service="ec2")] == ["DescribeNetworkInterfaces", "DescribeAddresses"]


def test_an_elastic_ip_not_in_the_binding_is_left_alone(aws):
    aws.ec2.set_lambda_network(FUNCTION, ["subnet-a", "subnet-b"], ["sg-1"])
    enis = interfaces_by_subnet(aws)
    theirs = aws.ec2.allocate_address()["AllocationId"]
    aws.ec2.associate_address(theirs, enis["subnet-a"])
    ours = [aws.ec2.allocate_address()["AllocationId"] for _ in range(2)]

    status, result = reconcile(aws, binding(ours))
    assert status == 0
    assert result["plan"]["occupied"] == [{"network_interface_id": enis["subnet-a"], "allocation_id": theirs,
                                           "public_ip": result["plan"]["occupied"][0]["public_ip"]}]
    assert placement(aws) == {theirs: enis["subnet-a"], ours[0]: enis["subnet-b"], ours[1]: None}
    assert [s["allocation_id"] for s in result["plan"]["spare"]] == [ours[1]]


def test_interfaces_are_read_over_several_pages(aws):
    subnets = [f"subnet-{n}" for n in range(7)]
    aws.ec2.set_lambda_network(FUNCTION, subnets, ["sg-1"])
    ours = [aws.ec2.allocate_address()["AllocationId"] for _ in range(7)]

    status, result = reconcile(aws, binding(ours, subnets=subnets), "--page-size", "5")
    assert status == 0 and result["interface_pages"] == 2
    enis = interfaces_by_subnet(aws)
    assert placement(aws) == {ours[n]: enis[subnets[n]] for n in range(7)}


def test_a_failed_describe_changes_nothing(aws):
    aws.ec2.set_lambda_network(FUNCTION, ["subnet-a"], ["sg-1"])
    ours = aws.ec2.allocate_address()["AllocationId"]

    status, result = reconcile(aws, binding([ours, "eipalloc-0000000000000dead"]))
    assert status == 1 and not result["known"] and result["plan"] is None
    assert "InvalidAllocationID.NotFound" in result["errors"][0]
    assert associate_calls(aws) == [] and placement(aws) == {ours: None}


def test_one_failed_association_does_not_stop_the_others(aws):
    aws.ec2.set_lambda_network(FUNCTION, ["subnet-a", "subnet-b"], ["sg-1"])
    ours = [aws.ec2.allocate_address()["AllocationId"] for _ in range(2)]
    # Every attempt of the first association fails (the client tries 3 times).
    aws.faults.add({"kind": "500", "service": "ec2", "action": "AssociateAddress", "count": 3})

    status, result = reconcile(aws, binding(ours))
    assert status == 1 and result["error_count"] == 1
    assert [o["ok"] for o in result["outcomes"]] == [False, True]
    enis = interfaces_by_subnet(aws)
    assert placement(aws) == {ours[0]: None, ours[1]: enis["subnet-b"]}

    status, result = reconcile(aws, binding(ours))  # the next run finishes the job
    assert status == 0 and placement(aws) == {ours[0]: enis["subnet-a"], ours[1]: enis["subnet-b"]}

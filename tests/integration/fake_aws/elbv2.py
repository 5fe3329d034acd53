"""ELBv2 target groups and their targets, with the checks AWS makes on RegisterTargets and
DeregisterTargets, and the target states an NLB reports: initial (registration in progress) ->
healthy; deregistered targets stay draining for the deregistration delay, then disappear."""

from __future__ import annotations

import datetime
import ipaddress
import re
import secrets
import threading
from dataclasses import dataclass, field

from .context import RequestContext
from .credential_store import ACCOUNT_ID
from .errors import AwsError

_ZONE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
_INSTANCE = re.compile(r"^i-[0-9a-f]{8,17}$")
# Where AWS lets an ip target live: the VPC (RFC 1918 here), RFC 6598, and IPv6 unique-local/global.
_IP_TARGET_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


@dataclass
class Target:
    id: str
    port: int
    availability_zone: str | None
    state: str
    since: datetime.datetime
    reason: str | None = None
    description: str | None = None


@dataclass
class TargetGroup:
    arn: str
    name: str
    protocol: str | None
    port: int | None
    vpc_id: str | None
    target_type: str
    targets: dict[tuple[str, int], Target] = field(default_factory=dict)


class Elbv2:
    def __init__(self, timing):
        self._lock = threading.Lock()
        self._timing = timing  # .target_initial_seconds, .target_draining_seconds (read per call)
        self.groups: dict[str, TargetGroup] = {}

    def handle(self, action: str, p: dict, ctx: RequestContext) -> dict:
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            raise AwsError("InvalidAction", f"The fake does not implement {action}")
        with self._lock:
            return handler(p, ctx)

    # ---- operations

    def _CreateTargetGroup(self, p: dict, ctx: RequestContext) -> dict:
        target_type = p.get("TargetType", "instance")
        if target_type != "lambda":
            for member in ("Protocol", "Port", "VpcId"):
                if member not in p:
                    raise AwsError("ValidationError", f"A {member.lower()} must be specified")
        for group in self.groups.values():
            if group.name == p["Name"]:
                if (group.protocol, group.port, group.vpc_id, group.target_type) != \
                        (p.get("Protocol"), p.get("Port"), p.get("VpcId"), target_type):
                    raise AwsError("DuplicateTargetGroupName", "A target group with the same name "
                                   f"'{p['Name']}' exists, but with different settings")
                return {"TargetGroups": [self._describe_group(group)]}
        arn = f"arn:aws:elasticloadbalancing:{ctx.region}:{ACCOUNT_ID}:targetgroup/{p['Name']}/{secrets.token_hex(8)}"
        group = TargetGroup(arn=arn, name=p["Name"], protocol=p.get("Protocol"), port=p.get("Port"),
                            vpc_id=p.get("VpcId"), target_type=target_type)
        self.groups[arn] = group
        return {"TargetGroups": [self._describe_group(group)]}

    def _DescribeTargetGroups(self, p: dict, ctx: RequestContext) -> dict:
        groups = list(self.groups.values())
        if p.get("TargetGroupArns"):
            groups = [self._group(arn) for arn in p["TargetGroupArns"]]
        if p.get("Names"):
            groups = [g for g in groups if g.name in p["Names"]]
            if len(groups) < len(set(p["Names"])):
                raise AwsError("TargetGroupNotFound", "One or more target groups not found")
        return {"TargetGroups": [self._describe_group(g) for g in groups]}

    def _DeleteTargetGroup(self, p: dict, ctx: RequestContext) -> dict:
        self.groups.pop(p["TargetGroupArn"], None)
        return {}

    def _RegisterTargets(self, p: dict, ctx: RequestContext) -> dict:
        group = self._group(p["TargetGroupArn"])
        resolved = [self._checked_target(group, t) for t in p["Targets"]]
        for target_id, port, zone in resolved:
            current = group.targets.get((target_id, port))
            if current is not None and current.state != "draining":
                continue  # registering a registered target changes nothing, as on AWS
            group.targets[(target_id, port)] = Target(
                id=target_id, port=port, availability_zone=zone, state="initial", since=ctx.now,
                reason="Elb.RegistrationInProgress", description="Target registration is in progress")
        return {}

    def _DeregisterTargets(self, p: dict, ctx: RequestContext) -> dict:
        group = self._group(p["TargetGroupArn"])
        keys = []
        for t in p["Targets"]:
            port = t.get("Port", group.port)
            if (t["Id"], port) not in group.targets:
                raise AwsError("InvalidTarget", f"The following targets are not registered in target group "
                               f"'{group.arn}': 'Id={t['Id']},Port={port}'")
            keys.append((t["Id"], port))
        for key in keys:
            target = group.targets[key]
            if target.state != "draining":
                target.state, target.since = "draining", ctx.now
                target.reason, target.description = "Target.DeregistrationInProgress", "Target deregistration is in progress"
        return {}

    def _DescribeTargetHealth(self, p: dict, ctx: RequestContext) -> dict:
        group = self._group(p["TargetGroupArn"])
        self._advance(group, ctx.now)
        descriptions = []
        if p.get("Targets"):
            for t in p["Targets"]:
                port = t.get("Port", group.port)
                target = group.targets.get((t["Id"], port))
                if target is None:
                    descriptions.append({"Target": {"Id": t["Id"], "Port": port},
                                         "TargetHealth": {"State": "unused", "Reason": "Target.NotRegistered",
                                                          "Description": "Target is not registered to the target group"}})
                else:
                    descriptions.append(self._describe_target(target))
        else:
            descriptions = [self._describe_target(t) for t in group.targets.values()]
        return {"TargetHealthDescriptions": descriptions}

    # ---- control (tests)

    def set_health(self, arn: str, target_id: str, port: int | None, state: str, reason: str | None) -> None:
        with self._lock:
            group = self._group(arn)
            target = group.targets.get((target_id, port if port is not None else group.port))
            if target is None:
                raise KeyError(f"{target_id}:{port} is not registered in {arn}")
            target.state, target.reason, target.description = state, reason, None
            target.since = datetime.datetime.now(datetime.timezone.utc)

    def state(self) -> dict:
        with self._lock:
            now = datetime.datetime.now(datetime.timezone.utc)
            for group in self.groups.values():
                self._advance(group, now)
            return {"target_groups": [
                {"arn": g.arn, "name": g.name, "protocol": g.protocol, "port": g.port, "vpc_id": g.vpc_id,
                 "target_type": g.target_type,
                 "targets": [{"id": t.id, "port": t.port, "availability_zone": t.availability_zone,
                              "state": t.state} for t in g.targets.values()]}
                for g in self.groups.values()]}

    # ---- helpers

    def _group(self, arn: str) -> TargetGroup:
        group = self.groups.get(arn)
        if group is None:
            raise AwsError("TargetGroupNotFound", f"Target groups '{arn}' not found")
        return group

    def _checked_target(self, group: TargetGroup, t: dict) -> tuple[str, int, str | None]:
        target_id, zone = t["Id"], t.get("AvailabilityZone")
        port = t.get("Port", group.port)
        if port is None:
            raise AwsError("ValidationError", f"A port must be specified for target '{target_id}'")
        if not 1 <= port <= 65535:
            raise AwsError("ValidationError", f"Port '{port}' is not valid; it must be between 1 and 65535")
        if group.target_type == "ip":
            try:
                address = ipaddress.ip_address(target_id)
            except ValueError:
                raise AwsError("ValidationError", f"The IP address '{target_id}' is not a valid IPv4 address") from None
            if zone is None and address.version == 4 and not any(address in n for n in _IP_TARGET_RANGES):
                raise AwsError("InvalidTarget", f"The IP address '{target_id}' is not within the range of the "
                               "VPC or an allowed private range; register it with AvailabilityZone 'all'")
            if zone is not None and zone != "all" and not _ZONE.match(zone):
                raise AwsError("ValidationError", f"Availability zone '{zone}' is not valid")
        elif group.target_type == "instance":
            if not _INSTANCE.match(target_id):
                raise AwsError("ValidationError", f"The instance ID '{target_id}' is not valid")
            if zone == "all":
                raise AwsError("ValidationError", "You cannot specify 'all' as the availability zone for "
                               "instance targets")
        return target_id, port, zone

    def _advance(self, group: TargetGroup, now: datetime.datetime) -> None:
        """Moves targets on by the clock: initial -> healthy, draining -> gone."""
        initial = datetime.timedelta(seconds=self._timing.target_initial_seconds)
        draining = datetime.timedelta(seconds=self._timing.target_draining_seconds)
        for key, target in list(group.targets.items()):
            if target.state == "initial" and now - target.since >= initial:
                target.state, target.reason, target.description, target.since = "healthy", None, None, now
            elif target.state == "draining" and now - target.since >= draining:
                del group.targets[key]

    @staticmethod
    def _describe_target(t: Target) -> dict:
        target = {"Id": t.id, "Port": t.port}
        if t.availability_zone is not None:
            target["AvailabilityZone"] = t.availability_zone
        health = {"State": t.state}
        if t.reason:
            health["Reason"] = t.reason
        if t.description:
            health["Description"] = t.description
        return {"Target": target, "HealthCheckPort": str(t.port), "TargetHealth": health}

    @staticmethod
    def _describe_group(g: TargetGroup) -> dict:
        out = {"TargetGroupArn": g.arn, "TargetGroupName": g.name, "TargetType": g.target_type,
               "HealthCheckEnabled": True, "LoadBalancerArns": []}
        if g.protocol is not None:
            out.update(Protocol=g.protocol, HealthCheckProtocol="TCP" if g.protocol in ("TCP", "TLS", "UDP", "TCP_UDP")
                       else g.protocol, HealthCheckPort="traffic-port", HealthCheckIntervalSeconds=30,
                       HealthCheckTimeoutSeconds=10, HealthyThresholdCount=5, UnhealthyThresholdCount=2,
                       IpAddressType="ipv4")
        if g.port is not None:
            out["Port"] = g.port
        if g.vpc_id is not None:
            out["VpcId"] = g.vpc_id
        return out

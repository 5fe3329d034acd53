"""EC2 network interfaces and Elastic IP addresses: the slice the Elastic IP <-> Lambda ENI
reconciler uses. Lambda's Hyperplane interfaces are created and replaced through the control
API (create_lambda_interfaces / delete_interface); deleting an interface ends its association,
leaving the address allocated, as on AWS."""

from __future__ import annotations

import fnmatch
import ipaddress
import itertools
import secrets
import threading
import uuid
from dataclasses import dataclass, field

from .context import RequestContext
from .credential_store import ACCOUNT_ID
from .errors import AwsError

LAMBDA_REQUESTER_ROLE = "AROAFAKELAMBDAROLE0001"


@dataclass
class Address:
    allocation_id: str
    public_ip: str
    association_id: str | None = None
    network_interface_id: str | None = None
    private_ip: str | None = None


@dataclass
class Interface:
    id: str
    subnet_id: str
    vpc_id: str
    zone: str
    private_ip: str
    group_ids: list[str]
    interface_type: str = "interface"
    description: str = ""
    requester_id: str | None = None
    requester_managed: bool = False
    status: str = "in-use"
    mac: str = field(default_factory=lambda: "02:" + ":".join(secrets.token_hex(1) for _ in range(5)))


def _hex_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


class Ec2:
    def __init__(self):
        self._lock = threading.RLock()  # re-entered by set_lambda_network
        self.interfaces: dict[str, Interface] = {}
        self.addresses: dict[str, Address] = {}
        self._next_public = itertools.count(10)
        self._next_private = itertools.count(10)

    def handle(self, action: str, p: dict, ctx: RequestContext) -> dict:
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            raise AwsError("InvalidAction", f"The fake does not implement {action}")
        if p.get("DryRun"):
            raise AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
        with self._lock:
            return handler(p, ctx)

    # ---- network interfaces

    def _DescribeNetworkInterfaces(self, p: dict, ctx: RequestContext) -> dict:
        ids = p.get("NetworkInterfaceIds") or []
        if ids and "MaxResults" in p:
            raise AwsError("InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with "
                           "the parameter MaxResults")
        for eni_id in ids:
            if eni_id not in self.interfaces:
                raise AwsError("InvalidNetworkInterfaceID.NotFound",
                               f"The networkInterface ID '{eni_id}' does not exist")
        _check_filters(p.get("Filters") or [], _ENI_FILTERS)
        chosen = [i for i in self.interfaces.values() if not ids or i.id in ids]
        chosen = [i for i in chosen if _matches(p.get("Filters") or [], self._interface_filter_values(i), _ENI_FILTERS)]
        page, token = _page(chosen, p, lambda i: i.id, minimum=5)
        return {"NetworkInterfaces": [self._describe_interface(i) for i in page], "NextToken": token}

    # ---- addresses

    def _AllocateAddress(self, p: dict, ctx: RequestContext) -> dict:
        address = self._new_address()
        return {"PublicIp": address.public_ip, "AllocationId": address.allocation_id, "Domain": "vpc",
                "PublicIpv4Pool": "amazon", "NetworkBorderGroup": ctx.region}

    def _ReleaseAddress(self, p: dict, ctx: RequestContext) -> dict:
        address = self._address(p.get("AllocationId"), p.get("PublicIp"))
        if address.association_id:
            raise AwsError("InvalidIPAddress.InUse", "Address is in use.")
        del self.addresses[address.allocation_id]
        return {}

    def _DescribeAddresses(self, p: dict, ctx: RequestContext) -> dict:
        _check_filters(p.get("Filters") or [], _ADDRESS_FILTERS)
        chosen = list(self.addresses.values())
        for allocation_id in p.get("AllocationIds") or []:
            if allocation_id not in self.addresses:
                raise AwsError("InvalidAllocationID.NotFound", f"The allocation ID '{allocation_id}' does not exist")
        for public_ip in p.get("PublicIps") or []:
            if not any(a.public_ip == public_ip for a in chosen):
                raise AwsError("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
        if p.get("AllocationIds"):
            chosen = [a for a in chosen if a.allocation_id in p["AllocationIds"]]
        if p.get("PublicIps"):
            chosen = [a for a in chosen if a.public_ip in p["PublicIps"]]
        chosen = [a for a in chosen if _matches(p.get("Filters") or [], self._address_filter_values(a), _ADDRESS_FILTERS)]
        return {"Addresses": [self._describe_address(a) for a in chosen]}

    def _AssociateAddress(self, p: dict, ctx: RequestContext) -> dict:
        if "InstanceId" in p:
            raise AwsError("InvalidInstanceID.NotFound", f"The instance ID '{p['InstanceId']}' does not exist")
        if "NetworkInterfaceId" not in p:
            raise AwsError("MissingParameter", "Either instance ID or network interface ID must be specified")
        address = self._address(p.get("AllocationId"), p.get("PublicIp"))
        eni = self.interfaces.get(p["NetworkInterfaceId"])
        if eni is None:
            raise AwsError("InvalidNetworkInterfaceID.NotFound",
                           f"The networkInterface ID '{p['NetworkInterfaceId']}' does not exist")
        private_ip = p.get("PrivateIpAddress", eni.private_ip)
        if private_ip != eni.private_ip:
            raise AwsError("InvalidParameterValue", f"The private IP address '{private_ip}' is not associated "
                           f"with the network interface '{eni.id}'")
        if address.association_id:
            if (address.network_interface_id, address.private_ip) == (eni.id, private_ip):
                return {"AssociationId": address.association_id}
            if not p.get("AllowReassociation", False):
                raise AwsError("Resource.AlreadyAssociated", f"resource {address.allocation_id} is already "
                               f"associated with associate-id {address.association_id}")
        # An interface address holding another Elastic IP gives it up (it stays allocated).
        for other in self.addresses.values():
            if other is not address and (other.network_interface_id, other.private_ip) == (eni.id, private_ip):
                _disassociate(other)
        address.association_id = _hex_id("eipassoc")
        address.network_interface_id, address.private_ip = eni.id, private_ip
        return {"AssociationId": address.association_id}

    def _DisassociateAddress(self, p: dict, ctx: RequestContext) -> dict:
        if "AssociationId" in p:
            found = [a for a in self.addresses.values() if a.association_id == p["AssociationId"]]
            if not found:
                raise AwsError("InvalidAssociationID.NotFound", f"The association ID '{p['AssociationId']}' "
                               "does not exist")
            _disassociate(found[0])
        elif "PublicIp" in p:
            _disassociate(self._address(None, p["PublicIp"]))
        else:
            raise AwsError("MissingParameter", "The request must contain the parameter AssociationId")
        return {}

    # ---- control (tests): Lambda's Hyperplane interfaces and plain ones

    def create_interface(self, subnet_id: str, group_ids: list[str], interface_type: str = "interface",
                         description: str = "", requester_id: str | None = None, vpc_id: str = "vpc-0fake0000000001",
                         zone: str = "us-east-1a", private_ip: str | None = None) -> dict:
        with self._lock:
            eni = Interface(id=_hex_id("eni"), subnet_id=subnet_id, vpc_id=vpc_id, zone=zone,
                            private_ip=private_ip or self._private_ip(), group_ids=list(group_ids),
                            interface_type=interface_type, description=description, requester_id=requester_id,
                            requester_managed=requester_id is not None)
            self.interfaces[eni.id] = eni
            return self._describe_interface(eni)

    def create_lambda_interface(self, function: str, subnet_id: str, group_ids: list[str], **kw) -> dict:
        """One Hyperplane ENI as Lambda creates it for a (subnet, security groups) combination."""
        return self.create_interface(
            subnet_id, group_ids, interface_type="lambda", description=f"AWS Lambda VPC ENI-{function}-{uuid.uuid4()}",
            requester_id=f"{LAMBDA_REQUESTER_ROLE}:awslambda_{secrets.randbelow(10**9)}_{secrets.token_hex(6)}", **kw)

    def set_lambda_network(self, function: str, subnet_ids: list[str], group_ids: list[str]) -> dict:
        """Lambda's reaction to a function's VPC settings changing: interfaces of that function whose
        (subnet, security groups) no longer match are deleted, one per missing subnet created."""
        marker = f"AWS Lambda VPC ENI-{function}-"
        with self._lock:
            mine = [i for i in self.interfaces.values() if i.interface_type == "lambda" and i.description.startswith(marker)]
            kept, deleted = [], []
            for eni in mine:
                if eni.subnet_id in subnet_ids and sorted(eni.group_ids) == sorted(group_ids):
                    kept.append(eni.id)
                else:
                    self.delete_interface(eni.id)
                    deleted.append(eni.id)
            covered = {self.interfaces[i].subnet_id for i in kept}
            created = [self.create_lambda_interface(function, s, group_ids)["NetworkInterfaceId"]
                       for s in subnet_ids if s not in covered]
            return {"kept": kept, "deleted": deleted, "created": created}

    def allocate_address(self) -> dict:
        """An Elastic IP, as AllocateAddress makes one (for tests that set up state unsigned)."""
        with self._lock:
            return self._describe_address(self._new_address())

    def associate_address(self, allocation_id: str, eni_id: str) -> dict:
        """AssociateAddress with AllowReassociation, as a signed call would make it: e.g. an Elastic
        IP someone else put on an interface."""
        with self._lock:
            return self._AssociateAddress({"AllocationId": allocation_id, "NetworkInterfaceId": eni_id,
                                           "AllowReassociation": True}, None)

    def delete_interface(self, eni_id: str) -> None:
        with self._lock:
            if self.interfaces.pop(eni_id, None) is None:
                raise KeyError(f"no network interface {eni_id}")
            for address in self.addresses.values():
                if address.network_interface_id == eni_id:
                    _disassociate(address)

    def state(self) -> dict:
        with self._lock:
            return {"network_interfaces": [self._describe_interface(i) for i in self.interfaces.values()],
                    "addresses": [self._describe_address(a) for a in self.addresses.values()]}

    # ---- helpers

    def _private_ip(self) -> str:
        n = next(self._next_private)
        return str(ipaddress.ip_address("10.0.0.0") + (n // 250) * 256 + n % 250)

    def _new_address(self) -> Address:
        address = Address(allocation_id=_hex_id("eipalloc"), public_ip=f"198.51.100.{next(self._next_public)}")
        self.addresses[address.allocation_id] = address
        return address

    def _address(self, allocation_id: str | None, public_ip: str | None) -> Address:
        if allocation_id is not None:
            address = self.addresses.get(allocation_id)
            if address is None:
                raise AwsError("InvalidAllocationID.NotFound", f"The allocation ID '{allocation_id}' does not exist")
            return address
        if public_ip is not None:
            for address in self.addresses.values():
                if address.public_ip == public_ip:
                    return address
            raise AwsError("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
        raise AwsError("MissingParameter", "The request must contain the parameter AllocationId")

    def _association_of(self, eni: Interface) -> Address | None:
        for address in self.addresses.values():
            if address.network_interface_id == eni.id:
                return address
        return None

    def _interface_filter_values(self, i: Interface) -> dict[str, list[str]]:
        a = self._association_of(i)
        return {"network-interface-id": [i.id], "subnet-id": [i.subnet_id], "vpc-id": [i.vpc_id],
                "availability-zone": [i.zone], "group-id": i.group_ids, "interface-type": [i.interface_type],
                "requester-id": [i.requester_id] if i.requester_id else [], "status": [i.status],
                "description": [i.description], "requester-managed": [str(i.requester_managed).lower()],
                "private-ip-address": [i.private_ip], "addresses.private-ip-address": [i.private_ip],
                "association.allocation-id": [a.allocation_id] if a else [],
                "association.association-id": [a.association_id] if a else [],
                "association.public-ip": [a.public_ip] if a else [], "owner-id": [ACCOUNT_ID]}

    def _describe_interface(self, i: Interface) -> dict:
        a = self._association_of(i)
        association = None
        if a is not None:
            association = {"AllocationId": a.allocation_id, "AssociationId": a.association_id,
                           "IpOwnerId": ACCOUNT_ID, "PublicIp": a.public_ip, "PublicDnsName": ""}
        out = {"NetworkInterfaceId": i.id, "SubnetId": i.subnet_id, "VpcId": i.vpc_id, "AvailabilityZone": i.zone,
               "Description": i.description, "InterfaceType": i.interface_type, "Status": i.status,
               "RequesterManaged": i.requester_managed, "OwnerId": ACCOUNT_ID, "MacAddress": i.mac,
               "PrivateIpAddress": i.private_ip, "SourceDestCheck": True,
               "Groups": [{"GroupId": g, "GroupName": g} for g in i.group_ids],
               "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": i.private_ip,
                                       **({"Association": association} if association else {})}],
               "Ipv6Addresses": [], "TagSet": []}
        if i.requester_id:
            out["RequesterId"] = i.requester_id
        if association:
            out["Association"] = association
        return out

    @staticmethod
    def _address_filter_values(a: Address) -> dict[str, list[str]]:
        return {"allocation-id": [a.allocation_id], "public-ip": [a.public_ip], "domain": ["vpc"],
                "association-id": [a.association_id] if a.association_id else [],
                "network-interface-id": [a.network_interface_id] if a.network_interface_id else [],
                "private-ip-address": [a.private_ip] if a.private_ip else [],
                "network-interface-owner-id": [ACCOUNT_ID] if a.network_interface_id else []}

    @staticmethod
    def _describe_address(a: Address) -> dict:
        out = {"AllocationId": a.allocation_id, "PublicIp": a.public_ip, "Domain": "vpc",
               "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1"}
        if a.association_id:
            out.update(AssociationId=a.association_id, NetworkInterfaceId=a.network_interface_id,
                       NetworkInterfaceOwnerId=ACCOUNT_ID, PrivateIpAddress=a.private_ip)
        return out


_ENI_FILTERS = {"network-interface-id", "subnet-id", "vpc-id", "availability-zone", "group-id", "interface-type",
                "requester-id", "status", "description", "requester-managed", "private-ip-address",
                "addresses.private-ip-address", "association.allocation-id", "association.association-id",
                "association.public-ip", "owner-id"}
_ADDRESS_FILTERS = {"allocation-id", "public-ip", "domain", "association-id", "network-interface-id",
                    "private-ip-address", "network-interface-owner-id"}


def _disassociate(address: Address) -> None:
    address.association_id = address.network_interface_id = address.private_ip = None


def _check_filters(filters: list[dict], known: set[str]) -> None:
    for f in filters:
        if f.get("Name", "") not in known:
            raise AwsError("InvalidParameterValue", f"The filter '{f.get('Name', '')}' is invalid")


def _matches(filters: list[dict], values: dict[str, list[str]], known: set[str]) -> bool:
    """EC2 filter semantics: every filter must match (AND); within one, any value (OR); values
    may use the * and ? wildcards."""
    _check_filters(filters, known)
    for f in filters:
        name = f.get("Name", "")
        wanted = f.get("Values") or []
        if not any(fnmatch.fnmatchcase(have, want) for have in values.get(name, []) for want in wanted):
            return False
    return True


def _page(items: list, p: dict, key, minimum: int) -> tuple[list, str | None]:
    """MaxResults/NextToken paging over items in a stable order; the token is opaque to clients."""
    items = sorted(items, key=key)
    start = 0
    if p.get("NextToken"):
        token = p["NextToken"]
        if not token.startswith("fake-page-") or not token[10:].isdigit():
            raise AwsError("InvalidPaginationToken", f"Invalid pagination token: {token}")
        start = int(token[10:])
    if "MaxResults" not in p:
        return items[start:], None
    size = p["MaxResults"]
    if size < minimum or size > 1000:
        raise AwsError("InvalidParameterValue", f"Value ( {size} ) for parameter maxResults is invalid. "
                       f"Expecting a value greater than {minimum - 1}.")
    end = start + size
    return items[start:end], (f"fake-page-{end}" if end < len(items) else None)

"""The four query-protocol services the fake serves, with botocore's own service models.

A request names its API with the Version parameter (every query API has a distinct one), so one
endpoint serves all four, as --endpoint-url makes every client send to the same place. The SigV4
credential scope must then name the matching signing service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape


@dataclass(frozen=True)
class Service:
    key: str            # our short name: elbv2, ec2, cloudwatch, sts
    model_name: str     # botocore's data directory name
    api_version: str
    signing_name: str   # the service in the SigV4 credential scope


SERVICES = (
    Service("elbv2", "elbv2", "2015-12-01", "elasticloadbalancing"),
    Service("ec2", "ec2", "2016-11-15", "ec2"),
    Service("cloudwatch", "cloudwatch", "2010-08-01", "monitoring"),
    Service("sts", "sts", "2011-06-15", "sts"),
)
BY_VERSION = {s.api_version: s for s in SERVICES}
BY_KEY = {s.key: s for s in SERVICES}


@lru_cache(maxsize=None)
def service_model(key: str) -> ServiceModel:
    service = BY_KEY[key]
    loader = botocore.session.get_session().get_component("data_loader")
    data = loader.load_service_model(service.model_name, "service-2", service.api_version)
    return ServiceModel(data, service_name=service.model_name)


def operation(key: str, action: str) -> OperationModel | None:
    model = service_model(key)
    if action not in model.operation_names:
        return None
    return model.operation_model(action)


def is_ec2(key: str) -> bool:
    return service_model(key).protocol == "ec2"


def xml_namespace(key: str) -> str:
    ns = service_model(key).metadata.get("xmlNamespace", "")
    # The EC2 model omits the trailing slash AWS sends in its answers.
    return ns if ns.endswith("/") else ns + "/"


def input_name(key: str, member_name: str, member: Shape) -> str:
    """The name a member of an input structure carries on the wire (botocore's serializers)."""
    ser = member.serialization
    if is_ec2(key):
        if "queryName" in ser:
            return ser["queryName"]
        if "name" in ser:
            return ser["name"][0].upper() + ser["name"][1:]
        return member_name
    if member.type_name == "list" and ser.get("flattened") and member.member.serialization.get("name"):
        return member.member.serialization["name"]
    return ser.get("name", member_name)

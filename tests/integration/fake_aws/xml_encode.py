"""Writes an operation's successful answer as XML from a dict in botocore's output form, walking
the model's output shape the way botocore's parsers read it back:

  query: <OpResponse xmlns="NS"><OpResult>...</OpResult><ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>
         lists as <Name><member>..</member></Name>, maps as <Name><entry><key/><value/></entry></Name>
  ec2:   <OpResponse xmlns="NS/"><requestId/>...</OpResponse>, members by their lowerCamel
         locationName, lists as <fooSet><item>..</item></fooSet>

Members absent from the dict (or None) are left out, as AWS leaves out what is not set.
"""

from __future__ import annotations

import base64
import datetime
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from . import model


def render(service_key: str, op: OperationModel, result: dict, request_id: str) -> bytes:
    ns = model.xml_namespace(service_key)
    name = op.name
    shape = op.output_shape
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{ns}">']
    if model.is_ec2(service_key):
        parts.append(f"<requestId>{request_id}</requestId>")
        if shape is not None:
            parts.append(_members(shape, result))
    else:
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper")
            body = _members(shape, result)
            parts.append(f"<{wrapper}>{body}</{wrapper}>" if wrapper else body)
        parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    parts.append(f"</{name}Response>")
    return "".join(parts).encode()


def _members(shape: Shape, value: dict) -> str:
    out = []
    for name, member in shape.members.items():
        if value.get(name) is None:
            continue
        out.append(_element(member.serialization.get("name", name), member, value[name]))
    return "".join(out)


def _element(tag: str, shape: Shape, value) -> str:
    kind = shape.type_name
    if kind == "list":
        item_tag = shape.member.serialization.get("name", "member")
        if shape.serialization.get("flattened"):
            return "".join(_element(shape.member.serialization.get("name", tag), shape.member, v) for v in value)
        return f"<{tag}>" + "".join(_element(item_tag, shape.member, v) for v in value) + f"</{tag}>"
    if kind == "map":
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        entries = "".join(f"<entry>{_element(key_tag, shape.key, k)}{_element(value_tag, shape.value, v)}</entry>"
                          for k, v in value.items())
        return f"<{tag}>{entries}</{tag}>"
    if kind == "structure":
        return f"<{tag}>{_members(shape, value)}</{tag}>"
    return f"<{tag}>{escape(_scalar(kind, value))}</{tag}>"


def _scalar(kind: str, value) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, (int, float)):
            value = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if kind == "blob":
        return base64.b64encode(value).decode()
    return str(value)

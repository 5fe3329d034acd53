"""Turns the flat parameters of a query-protocol request (Foo.member.1.Bar=x) back into the
nested input structure botocore's serializers built them from, following the same rules in
reverse (botocore/serialize.py QuerySerializer and EC2Serializer):

  query: lists as Name.member.N (or the list member's locationName instead of "member"),
         flattened lists as Name.N, an empty list as "Name=" ; maps as Name.entry.N.key/value;
         a member's wire name is its locationName, else its model name.
  ec2:   lists always as Name.N; a member's wire name is its queryName, else its locationName
         capitalised, else its model name.

Scalars are converted to the model's types where they parse (integers, booleans, doubles,
timestamps); a value that does not parse is left as the string it was, so the validator reports
it with the member's name. Keys no member accounts for are collected as unknown.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field

from botocore.model import Shape

from . import model


@dataclass
class _Node:
    value: str | None = None
    children: dict[str, "_Node"] = field(default_factory=dict)


@dataclass
class Decoded:
    params: dict
    unknown: list[str]      # wire keys that match no member, e.g. "Filter.1.Nmae"
    malformed: list[str]    # keys whose list/map indices are not 1..N numbers


def _tree(pairs: dict[str, str]) -> _Node:
    root = _Node()
    for key, value in pairs.items():
        node = root
        for part in key.split("."):
            node = node.children.setdefault(part, _Node())
        node.value = value
    return root


def decode(service_key: str, input_shape: Shape | None, pairs: dict[str, str]) -> Decoded:
    """pairs: every request parameter except Action and Version."""
    out = Decoded(params={}, unknown=[], malformed=[])
    root = _tree(pairs)
    if input_shape is None:
        out.unknown.extend(sorted(pairs))
        return out
    out.params = _structure(service_key, input_shape, root, "", out)
    return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _all_keys(node: _Node, prefix: str) -> list[str]:
    keys = [prefix] if node.value is not None else []
    for name, child in node.children.items():
        keys.extend(_all_keys(child, _join(prefix, name)))
    return keys


def _decode(service_key: str, shape: Shape, node: _Node, prefix: str, out: Decoded):
    kind = shape.type_name
    if kind == "structure":
        return _structure(service_key, shape, node, prefix, out)
    if kind == "list":
        return _list(service_key, shape, node, prefix, out)
    if kind == "map":
        return _map(service_key, shape, node, prefix, out)
    if node.children:
        out.unknown.extend(k for name, child in node.children.items()
                           for k in _all_keys(child, _join(prefix, name)))
    return _scalar(shape, node.value if node.value is not None else "")


def _structure(service_key: str, shape: Shape, node: _Node, prefix: str, out: Decoded) -> dict:
    if node.value not in (None, "") and prefix:
        out.malformed.append(f"{prefix} (a structure is sent as {prefix}.Member, not as one value)")
    by_wire = {model.input_name(service_key, name, member): name for name, member in shape.members.items()}
    result = {}
    for wire, child in node.children.items():
        name = by_wire.get(wire)
        if name is None:
            out.unknown.extend(_all_keys(child, _join(prefix, wire)))
            continue
        result[name] = _decode(service_key, shape.members[name], child, _join(prefix, wire), out)
    return result


def _indexed(node: _Node, prefix: str, out: Decoded) -> list[_Node]:
    """Children 1..N in order; gaps or non-numbers are malformed (AWS rejects them too)."""
    items = []
    for index, child in node.children.items():
        if not index.isdigit() or index.startswith("0"):
            out.malformed.extend(_all_keys(child, _join(prefix, index)))
            continue
        items.append((int(index), child))
    items.sort(key=lambda pair: pair[0])
    if [i for i, _ in items] != list(range(1, len(items) + 1)):
        out.malformed.append(f"{prefix}.N (indices must run 1..N without gaps)")
    return [child for _, child in items]


def _list(service_key: str, shape: Shape, node: _Node, prefix: str, out: Decoded) -> list:
    if node.value not in (None, ""):
        out.malformed.append(f"{prefix} (a list is sent as {prefix}.N, not as one value)")
    if model.is_ec2(service_key) or shape.serialization.get("flattened"):
        holder, holder_prefix = node, prefix
    else:
        item_name = shape.member.serialization.get("name", "member")
        if not node.children and node.value == "":
            return []  # the query protocol's empty list: "Name="
        holder = node.children.get(item_name)
        others = {k: v for k, v in node.children.items() if k != item_name}
        for name, child in others.items():
            out.unknown.extend(_all_keys(child, _join(prefix, name)))
        if holder is None:
            return []
        holder_prefix = _join(prefix, item_name)
    return [_decode(service_key, shape.member, child, _join(holder_prefix, str(i)), out)
            for i, child in enumerate(_indexed(holder, holder_prefix, out), 1)]


def _map(service_key: str, shape: Shape, node: _Node, prefix: str, out: Decoded) -> dict:
    holder, holder_prefix = node, prefix
    if not shape.serialization.get("flattened"):
        holder = node.children.get("entry", _Node())
        holder_prefix = _join(prefix, "entry")
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result = {}
    for i, entry in enumerate(_indexed(holder, holder_prefix, out), 1):
        entry_prefix = _join(holder_prefix, str(i))
        key_node = entry.children.get(key_name, _Node(value=""))
        value_node = entry.children.get(value_name, _Node(value=""))
        key = _decode(service_key, shape.key, key_node, _join(entry_prefix, key_name), out)
        result[key] = _decode(service_key, shape.value, value_node, _join(entry_prefix, value_name), out)
    return result


def _scalar(shape: Shape, text: str):
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text, 10)
        if kind in ("double", "float"):
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text.lower()]
        if kind == "timestamp":
            return _timestamp(text)
        if kind == "blob":
            return base64.b64decode(text, validate=True)
    except (ValueError, KeyError):
        return text  # left as a string: the validator names the member and its expected type
    return text


def _timestamp(text: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(float(text), tz=datetime.timezone.utc)
    except ValueError:
        pass
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)

"""Checks a decoded input against its operation's input shape with botocore's ParamValidator
(required members, types, minimum lengths and values), plus the constraints AWS enforces on its
side that botocore leaves to the service: maximum lengths and values, and enums.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.model import Shape
from botocore.validate import ParamValidator


@dataclass(frozen=True)
class Problem:
    kind: str    # "missing" (a required member is absent) or "invalid" (type, range, length, enum)
    member: str  # dotted path, e.g. "Targets[0].Id"
    message: str


def validate(params: dict, shape: Shape | None) -> list[Problem]:
    if shape is None:
        return []
    report = ParamValidator().validate(params, shape)
    problems = []
    # botocore keeps the structured errors beside its text report; the text is generated per
    # error with the same private formatter so each problem keeps its own message.
    for error in report._errors:  # (reason, name, details), botocore/validate.py ValidationErrors
        reason, name, details = error
        member = name[1:] if name.startswith(".") else name
        text = report._format_error(error)
        if reason == "missing required field":
            path = f"{member}.{details['required_name']}" if member else details["required_name"]
            problems.append(Problem("missing", path, text))
        else:
            problems.append(Problem("invalid", member, text))
    _check_maxima(params, shape, "", problems)
    return problems


def _check_maxima(value, shape: Shape, path: str, problems: list[Problem]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and isinstance(value, dict):
        for name, member_value in value.items():
            if name in shape.members:
                _check_maxima(member_value, shape.members[name], f"{path}.{name}" if path else name, problems)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(Problem("invalid", path, f"Member {path} has {len(value)} items, at most {meta['max']} allowed"))
        for i, item in enumerate(value):
            _check_maxima(item, shape.member, f"{path}[{i}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check_maxima(item, shape.value, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(Problem("invalid", path, f"Member {path} must have length less than or equal to {meta['max']}"))
        if shape.enum and value not in shape.enum:
            problems.append(Problem("invalid", path, f"Member {path} must satisfy enum value set: [{', '.join(shape.enum)}]"))
    elif kind in ("integer", "long", "double", "float") and isinstance(value, (int, float)) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            problems.append(Problem("invalid", path, f"Member {path} must be less than or equal to {meta['max']}"))

"""The control API under /_fake/ (JSON in, JSON out), for tests and for people poking at the
fake with curl. Not signed: it listens on loopback only.

  GET    /_fake/state                      everything the services hold (no secrets)
  GET    /_fake/calls[?service=&action=]   every query-API request served, in order
  POST   /_fake/reset                      forget resources, recorded calls and faults (keys, settings stay)
  POST   /_fake/faults  {kind, action?, service?, count?, seconds?}   see faults.py
  GET    /_fake/faults ; DELETE /_fake/faults
  POST   /_fake/config  {setting: value, ...}                         see settings.py
  POST   /_fake/keys    {access_key_id, secret_access_key, session_token?, expires_in_seconds?}
  POST   /_fake/ec2/network-interfaces {subnet_id, group_ids, interface_type?, description?, requester_id?}
  POST   /_fake/ec2/lambda-interfaces  {function, subnet_id, group_ids}   one Hyperplane ENI
  POST   /_fake/ec2/lambda-network     {function, subnet_ids, group_ids}  Lambda re-plumbing a function
  DELETE /_fake/ec2/network-interfaces/<eni-id>
  POST   /_fake/elbv2/target-health {target_group_arn, id, port?, state, reason?}
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qs, urlsplit

from .credential_store import AccessKey

PREFIX = "/_fake/"


def _json_default(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def dumps(value) -> bytes:
    return json.dumps(value, default=_json_default, indent=1).encode()


def handle(fake, method: str, target: str, body: bytes) -> tuple[int, bytes]:
    """fake: the FakeAws whose parts are controlled. Returns (status, JSON body)."""
    parts = urlsplit(target)
    path = parts.path[len(PREFIX):].rstrip("/")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        spec = json.loads(body) if body else {}
        if not isinstance(spec, dict):
            raise ValueError("the body must be a JSON object")
        status, out = _route(fake, method, path, query, spec)
    except (ValueError, KeyError, TypeError) as e:
        status, out = 400, {"error": f"{type(e).__name__}: {e}"}
    return status, dumps(out)


def _route(fake, method: str, path: str, query: dict, spec: dict):
    if (method, path) == ("GET", "state"):
        return 200, fake.state()
    if (method, path) == ("GET", "calls"):
        return 200, fake.calls(service=query.get("service"), action=query.get("action"))
    if (method, path) == ("POST", "reset"):
        fake.reset()
        return 200, {}
    if path == "faults":
        if method == "POST":
            return 200, {"added": vars(fake.faults.add(spec))}
        if method == "GET":
            return 200, fake.faults.pending()
        if method == "DELETE":
            fake.faults.clear()
            return 200, {}
    if (method, path) == ("POST", "config"):
        fake.settings.update(spec)
        return 200, fake.settings.public()
    if (method, path) == ("POST", "keys"):
        expires = spec.get("expires_in_seconds")
        fake.store.add(AccessKey(
            access_key_id=spec["access_key_id"], secret_access_key=spec["secret_access_key"],
            session_token=spec.get("session_token"),
            expiration=(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=float(expires))
                        if expires is not None else None)))
        return 200, {}
    if (method, path) == ("POST", "ec2/network-interfaces"):
        return 200, fake.ec2.create_interface(spec["subnet_id"], spec["group_ids"],
                                              interface_type=spec.get("interface_type", "interface"),
                                              description=spec.get("description", ""),
                                              requester_id=spec.get("requester_id"))
    if (method, path) == ("POST", "ec2/lambda-interfaces"):
        return 200, fake.ec2.create_lambda_interface(spec["function"], spec["subnet_id"], spec["group_ids"])
    if (method, path) == ("POST", "ec2/lambda-network"):
        return 200, fake.ec2.set_lambda_network(spec["function"], spec["subnet_ids"], spec["group_ids"])
    if method == "DELETE" and path.startswith("ec2/network-interfaces/"):
        fake.ec2.delete_interface(path.rsplit("/", 1)[1])
        return 200, {}
    if (method, path) == ("POST", "elbv2/target-health"):
        fake.elbv2.set_health(spec["target_group_arn"], spec["id"], spec.get("port"), spec["state"], spec.get("reason"))
        return 200, {}
    return 404, {"error": f"no control route {method} /_fake/{path}"}

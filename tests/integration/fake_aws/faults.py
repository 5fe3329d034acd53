"""Faults injected through the control API: the next `count` matching requests fail the chosen
way instead of (or, for delay, before) being served.

  throttle  the service's throttling error (ELBv2/CloudWatch/STS 400 Throttling, EC2 503 RequestLimitExceeded)
  500       the service's internal error
  503       the service's unavailable error
  delay     wait `seconds`, then serve normally (longer than a client's timeout = a timeout)
  reset     close the connection with a TCP RST, no answer
  expire    answer ExpiredToken as if the signing credentials had just expired

`action` matches the query Action ("RegisterTargets"), or "imds" / "container" for the credential
endpoints, or "*" for everything; `service` (elbv2, ec2, cloudwatch, sts) narrows it further.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

KINDS = ("throttle", "500", "503", "delay", "reset", "expire")


@dataclass
class Fault:
    kind: str
    action: str = "*"
    service: str = "*"
    count: int = 1
    seconds: float = 0.0   # for delay

    def matches(self, service: str, action: str) -> bool:
        return self.action in ("*", action) and self.service in ("*", service)


class FaultTable:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, spec: dict) -> Fault:
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        fault = Fault(kind=kind, action=str(spec.get("action", "*")), service=str(spec.get("service", "*")),
                      count=int(spec.get("count", 1)), seconds=float(spec.get("seconds", 0.0)))
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        if not 0.0 <= fault.seconds <= 120.0:
            raise ValueError("seconds must be between 0 and 120")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, service: str, action: str) -> Fault | None:
        """The first pending fault for this request, consuming one of its count."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, action):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return Fault(**asdict(fault))
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

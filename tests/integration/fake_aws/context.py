"""What a service handler knows about the request it serves."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .credential_store import AccessKey


@dataclass
class RequestContext:
    region: str
    caller: AccessKey | None  # None for the unsigned STS calls
    now: datetime.datetime

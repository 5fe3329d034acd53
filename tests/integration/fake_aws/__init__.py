"""fake_aws: a local AWS-compatible endpoint for staticgate's AWS-mode tests (issue 6).

ELBv2, EC2, CloudWatch and STS over the query protocol, checked against botocore's service models
and SigV4-verified with botocore's signer; instance metadata (IMDSv2) and container credentials;
fault injection and inspection under /_fake/. See server.FakeAws for the API and control.py for
the HTTP control routes. Run standalone: cd tests/integration && /usr/bin/python3 -m fake_aws --port 0
"""

from .credential_store import ACCOUNT_ID, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from .server import FakeAws
from .settings import Settings

__all__ = ["ACCOUNT_ID", "DEFAULT_ACCESS_KEY_ID", "DEFAULT_SECRET_ACCESS_KEY", "FakeAws", "Settings"]

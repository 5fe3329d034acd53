"""AWS errors and their XML documents, shaped as each protocol sends them:

  query (ELBv2, CloudWatch, STS):
    <ErrorResponse xmlns="NS"><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
  ec2:
    <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from . import model


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def render(service_key: str | None, error: AwsError, request_id: str) -> bytes:
    if service_key is not None and model.is_ec2(service_key):
        body = (f"<Response><Errors><Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}"
                f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
    else:
        ns = model.xml_namespace(service_key or "sts")
        kind = "Sender" if error.status < 500 else "Receiver"
        body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>'
                f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


# ---- the common errors, per service (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
# and each API reference's "Common Errors")

def throttling(service_key: str) -> AwsError:
    if model.is_ec2(service_key):
        return AwsError("RequestLimitExceeded", "Request limit exceeded.", 503)
    return AwsError("Throttling", "Rate exceeded", 400)


def internal(service_key: str) -> AwsError:
    if model.is_ec2(service_key):
        return AwsError("InternalError", "An internal error has occurred", 500)
    return AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500)


def unavailable(service_key: str) -> AwsError:
    if model.is_ec2(service_key):
        return AwsError("Unavailable", "The server is overloaded and can't handle the request.", 503)
    return AwsError("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503)


def missing_parameter(service_key: str, member: str) -> AwsError:
    if model.is_ec2(service_key):
        return AwsError("MissingParameter", f"The request must contain the parameter {member}")
    if service_key == "cloudwatch":
        return AwsError("MissingParameter", f"The parameter {member} is required.")
    return AwsError("ValidationError", f"1 validation error detected: Value null at '{_lower_first(member)}' "
                                       "failed to satisfy constraint: Member must not be null")


def invalid_value(service_key: str, member: str, message: str) -> AwsError:
    if service_key in ("ec2", "cloudwatch"):
        return AwsError("InvalidParameterValue", message)
    return AwsError("ValidationError", f"1 validation error detected: {message}")


def unknown_parameter(service_key: str, key: str) -> AwsError:
    if model.is_ec2(service_key):
        return AwsError("UnknownParameter", f"The parameter {key} is not recognized")
    if service_key == "cloudwatch":
        return AwsError("InvalidParameterValue", f"The parameter {key} is not recognized")
    return AwsError("ValidationError", f"The parameter {key} is not recognized")


def auth_failure(service_key: str | None, code: str, message: str) -> AwsError:
    """Signature and key errors: EC2 folds the unknown-key case into AuthFailure (401)."""
    if service_key is not None and model.is_ec2(service_key) and code == "InvalidClientTokenId":
        return AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
    status = 400 if code == "ExpiredToken" else 403
    return AwsError(code, message, status)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]

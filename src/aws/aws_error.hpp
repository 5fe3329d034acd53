// The error an AWS query API answers with, and whether a request that met it may be sent again.
//
// Two shapes exist. ELBv2, CloudWatch, STS and the other query APIs answer
//   <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>Throttling</Code>
//     <Message>Rate exceeded</Message></Error><RequestId>...</RequestId></ErrorResponse>
// and EC2 answers
//   <Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>...</Message></Error>
//     </Errors><RequestID>...</RequestID></Response>
// A bare <Error><Code/><Message/><RequestId/></Error> (S3, some front ends) is read as well.
// Only the first <Error> is kept: AWS sends one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staticgate::aws {

struct aws_error {
  std::string code;        // "Throttling", "InvalidParameterValue"; "" when the body had none
  std::string message;     // AWS's own words; may be empty
  std::string request_id;  // for AWS support; may be empty
  std::string type;        // "Sender" or "Receiver" in the query shape; "" for EC2
  int http_status = 0;
};

// The error in `body` (either shape above), nullopt when the body is not well-formed XML or is
// neither shape. Never throws.
std::optional<aws_error> parse_aws_error(int http_status, std::string_view body);

// Always an error for a failed response: the parsed one, or, when the body is not an AWS error
// document (a load balancer's HTML page, an empty 503), one with an empty code and a message
// naming the HTTP status (also when the document has neither Code nor Message). The body is
// never quoted.
aws_error aws_error_from_response(int http_status, std::string_view body);

// Codes the SDKs treat as throttling (botocore's standard retry mode): back off harder before
// retrying. LimitExceededException is deliberately absent:
// in ELBv2 and CloudWatch it means a quota is used up, which a retry does not fix.
bool is_throttling(std::string_view code);

// Throttling codes, the transient codes (RequestTimeout, RequestTimeoutException,
// PriorRequestNotComplete, InternalError, InternalFailure, ServiceUnavailable,
// IDPCommunicationError) and HTTP 429, 500, 502, 503 and 504 are worth retrying, as in the
// SDKs. 501 (Not Implemented) and 505 are not: sending the same request again cannot help.
bool is_retryable(int http_status, std::string_view code);
inline bool is_retryable(const aws_error& error) { return is_retryable(error.http_status, error.code); }

// "Throttling: Rate exceeded (HTTP 400, request id 1a2b...)", for logs.
std::string to_string(const aws_error& error);

}  // namespace staticgate::aws

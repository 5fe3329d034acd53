// AWS error documents (src/aws/aws_error.hpp): the query-API and EC2 shapes, bodies that are
// neither, and the retry classification.
#include "aws/aws_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace staticgate::aws {
namespace {

// ELBv2's answer when the account's request rate is exceeded.
constexpr const char* query_error = R"(<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <Error>
    <Type>Sender</Type>
    <Code>Throttling</Code>
    <Message>Rate exceeded</Message>
  </Error>
  <RequestId>0d0fd8a1-1c4b-4e3f-9c1e-3f5c8d8e6a11</RequestId>
</ErrorResponse>
)";

// EC2's shape (AWS EC2 API reference, "Error codes").
constexpr const char* ec2_error = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidAllocationID.NotFound</Code><Message>The allocation ID 'eipalloc-1234' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-cb5432daacc0</RequestID></Response>)";

TEST(aws_error, query_shape) {
  const auto error = parse_aws_error(400, query_error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "Throttling");
  EXPECT_EQ(error->message, "Rate exceeded");
  EXPECT_EQ(error->type, "Sender");
  EXPECT_EQ(error->request_id, "0d0fd8a1-1c4b-4e3f-9c1e-3f5c8d8e6a11");
  EXPECT_EQ(error->http_status, 400);
  EXPECT_TRUE(is_retryable(*error));
  EXPECT_EQ(to_string(*error), "Throttling: Rate exceeded (HTTP 400, request id 0d0fd8a1-1c4b-4e3f-9c1e-3f5c8d8e6a11)");
}

TEST(aws_error, ec2_shape) {
  const auto error = parse_aws_error(400, ec2_error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "InvalidAllocationID.NotFound");
  EXPECT_EQ(error->message, "The allocation ID 'eipalloc-1234' does not exist");
  EXPECT_EQ(error->type, "");
  EXPECT_EQ(error->request_id, "ea966190-f9aa-478e-9ede-cb5432daacc0");
  EXPECT_FALSE(is_retryable(*error));
}

TEST(aws_error, ec2_throttling_is_retryable) {
  const auto error = parse_aws_error(
      503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
           "</Error></Errors><RequestID>r</RequestID></Response>");
  ASSERT_TRUE(error);
  EXPECT_TRUE(is_throttling(error->code));
  EXPECT_TRUE(is_retryable(*error));
}

TEST(aws_error, sts_receiver_error_and_prefixed_names) {
  // STS's IdP failure is transient; a namespace prefix changes nothing.
  const auto error = parse_aws_error(
      400, R"(<sts:ErrorResponse xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/"><sts:Error>)"
           R"(<sts:Type>Receiver</sts:Type><sts:Code>IDPCommunicationError</sts:Code><sts:Message>m</sts:Message>)"
           R"(</sts:Error><sts:RequestId>id</sts:RequestId></sts:ErrorResponse>)");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "IDPCommunicationError");
  EXPECT_EQ(error->type, "Receiver");
  EXPECT_EQ(error->request_id, "id");
  EXPECT_TRUE(is_retryable(*error));
  EXPECT_FALSE(is_throttling(error->code));
}

TEST(aws_error, bare_error_shape) {
  const auto error = parse_aws_error(
      503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>x</RequestId></Error>");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "SlowDown");
  EXPECT_EQ(error->request_id, "x");
}

TEST(aws_error, not_an_error_document) {
  EXPECT_FALSE(parse_aws_error(502, "<html><body>Bad Gateway</body></html>"));
  EXPECT_FALSE(parse_aws_error(502, "<ErrorResponse><Error><Code>X</Code></Error>"));  // unclosed
  EXPECT_FALSE(parse_aws_error(500, ""));
  EXPECT_FALSE(parse_aws_error(500, "<ErrorResponse><RequestId>r</RequestId></ErrorResponse>"));  // no <Error>
  EXPECT_FALSE(parse_aws_error(500, "<Response><RequestID>r</RequestID></Response>"));            // no <Errors>

  const aws_error fallback = aws_error_from_response(502, "<html><body>Bad Gateway</body></html>");
  EXPECT_EQ(fallback.code, "");
  EXPECT_EQ(fallback.http_status, 502);
  EXPECT_EQ(fallback.message.find("Bad Gateway"), std::string::npos);  // the body is never quoted
  EXPECT_TRUE(is_retryable(fallback));
  EXPECT_EQ(aws_error_from_response(400, query_error).code, "Throttling");
  const aws_error empty = aws_error_from_response(500, "<ErrorResponse><Error/><RequestId>r</RequestId></ErrorResponse>");
  EXPECT_EQ(empty.code, "");
  EXPECT_EQ(empty.message, "HTTP 500 with an empty AWS error document");
  EXPECT_EQ(empty.request_id, "r");
}

TEST(aws_error, throttling_codes) {
  for (const char* code :
       {"Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "PriorRequestNotComplete", "SlowDown", "EC2ThrottledException"}) {
    EXPECT_TRUE(is_throttling(code)) << code;
    EXPECT_TRUE(is_retryable(400, code)) << code;
  }
  for (const char* code : {"", "throttling", "LimitExceededException", "AccessDenied", "InternalError"})
    EXPECT_FALSE(is_throttling(code)) << code;
}

TEST(aws_error, retryable_codes_and_statuses) {
  for (const char* code : {"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
                           "ServiceUnavailable", "IDPCommunicationError"})
    EXPECT_TRUE(is_retryable(400, code)) << code;
  for (int status : {429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable(status, "")) << status;
  for (int status : {400, 403, 404, 409, 501, 505}) EXPECT_FALSE(is_retryable(status, "")) << status;
  EXPECT_FALSE(is_retryable(400, "InvalidParameterValue"));
  EXPECT_FALSE(is_retryable(403, "AccessDenied"));
  EXPECT_FALSE(is_retryable(400, "ValidationError"));
}

}  // namespace
}  // namespace staticgate::aws

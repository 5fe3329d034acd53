// The Lambda Runtime API's pure parts: URLs, the /next event, the error document, what each
// status means, the retry delays.
#include "aws/lambda_runtime_protocol.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lambda = staticgate::aws::lambda;
using staticgate::aws::header;
using staticgate::aws::header_list;
using namespace std::chrono_literals;

namespace {

header_list full_headers() {
  return {{"Content-Type", "application/json"},
          {"Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"},
          {"Lambda-Runtime-Deadline-Ms", "1542409706888"},
          {"Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime"},
          {"Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"}};
}

TEST(LambdaRuntimeProtocol, UrlsFollowTheApiVersionAndPaths) {
  EXPECT_EQ(lambda::next_invocation_url("127.0.0.1:9001"), "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(lambda::invocation_response_url("127.0.0.1:9001", "abc-1"),
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/abc-1/response");
  EXPECT_EQ(lambda::invocation_error_url("localhost:9001", "abc-1"),
            "http://localhost:9001/2018-06-01/runtime/invocation/abc-1/error");
  EXPECT_EQ(lambda::init_error_url("[::1]:9001"), "http://[::1]:9001/2018-06-01/runtime/init/error");
}

TEST(LambdaRuntimeProtocol, RuntimeApiMustBeHostAndPort) {
  EXPECT_TRUE(lambda::valid_runtime_api("127.0.0.1:9001"));
  EXPECT_TRUE(lambda::valid_runtime_api("localhost:9001"));
  EXPECT_TRUE(lambda::valid_runtime_api("[::1]:9001"));
  EXPECT_FALSE(lambda::valid_runtime_api(""));
  EXPECT_FALSE(lambda::valid_runtime_api("127.0.0.1"));
  EXPECT_FALSE(lambda::valid_runtime_api(":9001"));
  EXPECT_FALSE(lambda::valid_runtime_api("127.0.0.1:"));
  EXPECT_FALSE(lambda::valid_runtime_api("127.0.0.1:0"));
  EXPECT_FALSE(lambda::valid_runtime_api("127.0.0.1:65536"));
  EXPECT_FALSE(lambda::valid_runtime_api("http://127.0.0.1:9001"));
  EXPECT_FALSE(lambda::valid_runtime_api("127.0.0.1:9001/x"));
  EXPECT_FALSE(lambda::valid_runtime_api("evil.example/path:80"));
  EXPECT_FALSE(lambda::valid_runtime_api("a b:80"));
  EXPECT_FALSE(lambda::valid_runtime_api("[::1]9001"));
  EXPECT_FALSE(lambda::valid_runtime_api("[]:9001"));
}

TEST(LambdaRuntimeProtocol, RequestIdsAreUrlSafe) {
  EXPECT_TRUE(lambda::valid_request_id("8476a536-e9f4-11e8-9739-2dfe598c3fcd"));
  EXPECT_TRUE(lambda::valid_request_id("a.b_c~d"));
  EXPECT_FALSE(lambda::valid_request_id(""));
  EXPECT_FALSE(lambda::valid_request_id("../init/error"));
  EXPECT_FALSE(lambda::valid_request_id("a?b"));
  EXPECT_FALSE(lambda::valid_request_id("a%2Fb"));
  EXPECT_FALSE(lambda::valid_request_id("a b"));
  EXPECT_FALSE(lambda::valid_request_id(std::string(257, 'a')));
}

TEST(LambdaRuntimeProtocol, ParsesAFullEvent) {
  std::string id;
  std::string error;
  const auto event = lambda::parse_next_invocation(full_headers(), R"({"key":"value"})", id, error);
  ASSERT_TRUE(event) << error;
  EXPECT_EQ(id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(event->request_id, id);
  EXPECT_EQ(event->payload, R"({"key":"value"})");
  EXPECT_EQ(event->deadline, std::chrono::system_clock::time_point{1542409706888ms});
  EXPECT_EQ(event->function_arn, "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime");
  EXPECT_EQ(event->trace_id, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
}

TEST(LambdaRuntimeProtocol, HeaderNamesAreCaseInsensitiveAndOptionalOnesMayBeAbsent) {
  const header_list headers = {{"lambda-runtime-aws-request-id", "r1"}, {"LAMBDA-RUNTIME-DEADLINE-MS", "5"}};
  std::string id;
  std::string error;
  const auto event = lambda::parse_next_invocation(headers, "", id, error);
  ASSERT_TRUE(event) << error;
  EXPECT_EQ(event->request_id, "r1");
  EXPECT_EQ(event->deadline, std::chrono::system_clock::time_point{5ms});
  EXPECT_EQ(event->function_arn, "");
  EXPECT_EQ(event->trace_id, "");
  EXPECT_EQ(event->payload, "");
}

TEST(LambdaRuntimeProtocol, AnEventWithoutUsableRequestIdCannotBeAnswered) {
  std::string id = "stale";
  std::string error;
  EXPECT_FALSE(lambda::parse_next_invocation({{"Lambda-Runtime-Deadline-Ms", "5"}}, "{}", id, error));
  EXPECT_EQ(id, "");
  EXPECT_NE(error.find("Lambda-Runtime-Aws-Request-Id"), std::string::npos) << error;

  error.clear();
  EXPECT_FALSE(lambda::parse_next_invocation(
      {{"Lambda-Runtime-Aws-Request-Id", "x/../../init/error"}, {"Lambda-Runtime-Deadline-Ms", "5"}}, "{}", id,
      error));
  EXPECT_EQ(id, "");
  EXPECT_FALSE(error.empty());
}

TEST(LambdaRuntimeProtocol, ABadDeadlineStillGivesTheRequestIdToAnswer) {
  for (const char* deadline : {"", "soon", "-5", "12.5", "99999999999999999999999", "9000000000001"}) {
    std::string id;
    std::string error;
    EXPECT_FALSE(lambda::parse_next_invocation(
        {{"Lambda-Runtime-Aws-Request-Id", "r2"}, {"Lambda-Runtime-Deadline-Ms", deadline}}, "{}", id, error))
        << deadline;
    EXPECT_EQ(id, "r2");
    EXPECT_NE(error.find("Lambda-Runtime-Deadline-Ms"), std::string::npos) << error;
  }
  std::string id;
  std::string error;
  EXPECT_FALSE(lambda::parse_next_invocation({{"Lambda-Runtime-Aws-Request-Id", "r3"}}, "{}", id, error));
  EXPECT_EQ(id, "r3");
}

TEST(LambdaRuntimeProtocol, ErrorDocumentIsValidJsonWhateverTheMessage) {
  const auto doc = nlohmann::json::parse(lambda::error_document("Runtime.HandlerException", "bad \"quote\"\n"));
  EXPECT_EQ(doc.at("errorType"), "Runtime.HandlerException");
  EXPECT_EQ(doc.at("errorMessage"), "bad \"quote\"\n");
  EXPECT_EQ(doc.size(), 2U);
  // Invalid UTF-8 is replaced rather than thrown on.
  const auto replaced = nlohmann::json::parse(lambda::error_document("T", std::string{"a\xff" "b"}));
  EXPECT_EQ(replaced.at("errorMessage"), "a\xEF\xBF\xBD" "b");
}

TEST(LambdaRuntimeProtocol, InvocationResultSerialisesTheBodyOnce) {
  const auto ok = lambda::invocation_result::success({{"a", 1}});
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.body_or_message, R"({"a":1})");
  EXPECT_EQ(ok.error_type, "");
  const auto failed = lambda::invocation_result::failure("InvalidEvent", "no");
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.error_type, "InvalidEvent");
  EXPECT_EQ(failed.body_or_message, "no");
  const auto odd = lambda::invocation_result::success(std::string{"\xff"});
  EXPECT_EQ(odd.body_or_message, "\"\xEF\xBF\xBD\"");
}

TEST(LambdaRuntimeProtocol, StatusVerdicts) {
  using lambda::answer_verdict;
  EXPECT_EQ(lambda::classify_next_status(200), answer_verdict::accepted);
  EXPECT_EQ(lambda::classify_next_status(403), answer_verdict::rejected);
  EXPECT_EQ(lambda::classify_next_status(500), answer_verdict::fatal);
  EXPECT_EQ(lambda::classify_next_status(502), answer_verdict::unexpected);
  EXPECT_EQ(lambda::classify_next_status(202), answer_verdict::unexpected);
  EXPECT_EQ(lambda::classify_post_status(202), answer_verdict::accepted);
  EXPECT_EQ(lambda::classify_post_status(200), answer_verdict::unexpected);
  EXPECT_EQ(lambda::classify_post_status(400), answer_verdict::rejected);
  EXPECT_EQ(lambda::classify_post_status(403), answer_verdict::rejected);
  EXPECT_EQ(lambda::classify_post_status(413), answer_verdict::rejected);
  EXPECT_EQ(lambda::classify_post_status(500), answer_verdict::fatal);
}

TEST(LambdaRuntimeProtocol, NextRetryDelaysGrowAndAreCapped) {
  EXPECT_EQ(lambda::next_retry_delay(1), 100ms);
  EXPECT_EQ(lambda::next_retry_delay(2), 200ms);
  EXPECT_EQ(lambda::next_retry_delay(3), 400ms);
  EXPECT_EQ(lambda::next_retry_delay(5), 1600ms);
  EXPECT_EQ(lambda::next_retry_delay(50), 1600ms);
  EXPECT_EQ(lambda::next_retry_delay(0), 100ms);
}

}  // namespace

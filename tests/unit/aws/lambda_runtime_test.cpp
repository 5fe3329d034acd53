// The Lambda runtime loop against a scripted Runtime API on 127.0.0.1 (port 0): what it
// requests, what it posts, when it stops. The integration test (test_lambda_runtime.py) runs
// it against a faithful emulation of the API; these pin the exact requests.
#include "aws/lambda_runtime.hpp"

#include "scripted_http_server.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace lambda = staticgate::aws::lambda;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono_literals;

namespace {

std::string event_headers(const std::string& id, const std::string& extra = {}) {
  return "Lambda-Runtime-Aws-Request-Id: " + id + "\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\n" +
         "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:123456789012:function:sg\r\n" + extra;
}

std::string api_of(const scripted_server& server) {
  const std::string url = server.url("");
  return url.substr(std::string{"http://"}.size());
}

lambda::invocation_result echo(const lambda::invocation& event) {
  return lambda::invocation_result::success({{"id", event.request_id}, {"payload", event.payload}});
}

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

TEST(LambdaRuntime, HandlesEventsAndPostsTheirResponses) {
  scripted_server server({respond(200, R"({"n":1})", event_headers("id-1")), respond(202, R"({"status":"OK"})"),
                          respond(200, R"({"n":2})", event_headers("id-2")), respond(202, R"({"status":"OK"})")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 2};
  std::vector<lambda::invocation> seen;
  const auto outcome = lambda::run_runtime(options, [&](const lambda::invocation& event) {
    seen.push_back(event);
    return echo(event);
  });
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::invocation_limit);
  EXPECT_EQ(outcome.exit_code(), 0);
  EXPECT_EQ(outcome.invocations, 2U);
  EXPECT_EQ(outcome.failed_invocations, 0U);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].payload, R"({"n":1})");
  EXPECT_EQ(seen[0].function_arn, "arn:aws:lambda:eu-west-1:123456789012:function:sg");
  EXPECT_EQ(seen[0].deadline, std::chrono::system_clock::time_point{4102444800000ms});

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4U);
  EXPECT_TRUE(requests[0].starts_with("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")) << requests[0];
  EXPECT_TRUE(requests[1].starts_with("POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\n"))
      << requests[1];
  EXPECT_EQ(nlohmann::json::parse(body_of(requests[1])), nlohmann::json({{"id", "id-1"}, {"payload", R"({"n":1})"}}));
  EXPECT_TRUE(requests[3].starts_with("POST /2018-06-01/runtime/invocation/id-2/response ")) << requests[3];
}

TEST(LambdaRuntime, AThrowingHandlerIsAnsweredWithAnError) {
  scripted_server server({respond(200, "{}", event_headers("id-3")), respond(202, R"({"status":"OK"})")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 1};
  const auto outcome = lambda::run_runtime(options, [](const lambda::invocation&) -> lambda::invocation_result {
    throw std::runtime_error("no such target group");
  });
  EXPECT_EQ(outcome.exit_code(), 0);
  EXPECT_EQ(outcome.failed_invocations, 1U);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_TRUE(requests[1].starts_with("POST /2018-06-01/runtime/invocation/id-3/error ")) << requests[1];
  EXPECT_NE(requests[1].find("Lambda-Runtime-Function-Error-Type: Runtime.HandlerException\r\n"), std::string::npos)
      << requests[1];
  const auto doc = nlohmann::json::parse(body_of(requests[1]));
  EXPECT_EQ(doc.at("errorType"), "Runtime.HandlerException");
  EXPECT_EQ(doc.at("errorMessage"), "no such target group");
}

TEST(LambdaRuntime, AHandlerFailureKeepsItsType) {
  scripted_server server({respond(200, "{}", event_headers("id-4")), respond(202, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 1};
  lambda::run_runtime(options, [](const lambda::invocation&) {
    return lambda::invocation_result::failure("InvalidEvent", "missing \"action\"");
  });
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_NE(requests[1].find("Lambda-Runtime-Function-Error-Type: InvalidEvent\r\n"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(body_of(requests[1])).at("errorMessage"), "missing \"action\"");
}

TEST(LambdaRuntime, TraceIdIsExportedDuringTheHandlerOnly) {
  ::unsetenv(lambda::trace_id_environment);
  scripted_server server({respond(200, "{}", event_headers("id-5", "Lambda-Runtime-Trace-Id: Root=1-abc;Sampled=1\r\n")),
                          respond(202, "{}"), respond(200, "{}", event_headers("id-6")), respond(202, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 2};
  std::vector<std::string> seen;
  lambda::run_runtime(options, [&](const lambda::invocation& event) {
    const char* value = std::getenv(lambda::trace_id_environment);
    seen.push_back(value == nullptr ? "<unset>" : value);
    return echo(event);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"Root=1-abc;Sampled=1", "<unset>"}));
  EXPECT_EQ(std::getenv(lambda::trace_id_environment), nullptr);
}

TEST(LambdaRuntime, AnEventWithABadDeadlineIsAnsweredWithoutCallingTheHandler) {
  scripted_server server({respond(200, "{}", "Lambda-Runtime-Aws-Request-Id: id-7\r\nLambda-Runtime-Deadline-Ms: soon\r\n"),
                          respond(202, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 1};
  int calls = 0;
  const auto outcome = lambda::run_runtime(options, [&](const lambda::invocation& event) {
    ++calls;
    return echo(event);
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(outcome.failed_invocations, 1U);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_TRUE(requests[1].starts_with("POST /2018-06-01/runtime/invocation/id-7/error ")) << requests[1];
  EXPECT_NE(requests[1].find("Lambda-Runtime-Function-Error-Type: Runtime.MalformedInvocation\r\n"),
            std::string::npos);
}

TEST(LambdaRuntime, ARejectedPostDoesNotStopTheLoop) {
  scripted_server server({respond(200, "{}", event_headers("id-8")),
                          respond(413, R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",)"
                                       R"("errorType":"RequestEntityTooLarge"})"),
                          respond(200, "{}", event_headers("id-9")), respond(202, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 2};
  const auto outcome = lambda::run_runtime(options, echo);
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::invocation_limit);
  EXPECT_EQ(outcome.invocations, 2U);
  EXPECT_EQ(server.requests().size(), 4U);
}

TEST(LambdaRuntime, AContainerErrorStopsAtOnce) {
  scripted_server server({respond(500, R"({"errorMessage":"boom","errorType":"InternalServerError"})")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = std::nullopt};
  const auto outcome = lambda::run_runtime(options, echo);
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::container_error);
  EXPECT_NE(outcome.exit_code(), 0);
  EXPECT_EQ(server.requests().size(), 1U);
}

TEST(LambdaRuntime, AContainerErrorOnAPostStopsToo) {
  scripted_server server({respond(200, "{}", event_headers("id-10")), respond(500, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = std::nullopt};
  const auto outcome = lambda::run_runtime(options, echo);
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::container_error);
  EXPECT_EQ(outcome.invocations, 1U);
  EXPECT_EQ(server.requests().size(), 2U);
}

TEST(LambdaRuntime, AFailingNextIsRetriedThenTheLoopGivesUp) {
  // Every answer is a 403, then the script's own "500 script exhausted" would end it: give
  // exactly 1 + next_retries answers so the loop stops on the retry budget instead.
  std::vector<staticgate::test::action> script;
  for (int i = 0; i <= lambda::next_retries; ++i) script.push_back(respond(403, R"({"errorType":"InvalidStateTransition"})"));
  script.push_back(respond(200, "{}", event_headers("never")));
  scripted_server server(script);
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = std::nullopt};
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = lambda::run_runtime(options, echo);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::runtime_api_unreachable);
  EXPECT_NE(outcome.exit_code(), 0);
  EXPECT_EQ(outcome.invocations, 0U);
  EXPECT_EQ(server.requests().size(), static_cast<size_t>(1 + lambda::next_retries));
  EXPECT_GE(took, 100ms + 200ms + 400ms + 800ms);
}

TEST(LambdaRuntime, AnEventWithoutRequestIdCountsAsAFailedNext) {
  scripted_server server({respond(200, "{}", "Lambda-Runtime-Deadline-Ms: 5\r\n"),
                          respond(200, "{}", event_headers("id-11")), respond(202, "{}")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = 1};
  const auto outcome = lambda::run_runtime(options, echo);
  EXPECT_EQ(outcome.exit_code(), 0);
  EXPECT_EQ(outcome.invocations, 1U);
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(LambdaRuntime, InvalidOptionsAreRefusedWithoutAnyRequest) {
  const lambda::runtime_options options{.api = "http://x/y", .max_invocations = std::nullopt};
  const auto outcome = lambda::run_runtime(options, echo);
  EXPECT_EQ(outcome.reason, lambda::run_outcome::stop_reason::invalid_options);
  EXPECT_NE(outcome.exit_code(), 0);
}

TEST(LambdaRuntime, OptionsFromEnvironment) {
  std::string error;
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
  EXPECT_FALSE(lambda::options_from_environment(error));
  EXPECT_NE(error.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);
  ::setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001/evil", 1);
  EXPECT_FALSE(lambda::options_from_environment(error));
  ::setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", 1);
  const auto options = lambda::options_from_environment(error);
  ASSERT_TRUE(options) << error;
  EXPECT_EQ(options->api, "127.0.0.1:9001");
  EXPECT_FALSE(options->max_invocations);
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
}

TEST(LambdaRuntime, InitErrorIsPostedWithItsType) {
  scripted_server server({respond(202, R"({"status":"OK"})")});
  const lambda::runtime_options options{.api = api_of(server), .max_invocations = std::nullopt};
  lambda::report_init_error(options, "Runtime.ConfigError", "bad config");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_TRUE(requests[0].starts_with("POST /2018-06-01/runtime/init/error ")) << requests[0];
  EXPECT_NE(requests[0].find("Lambda-Runtime-Function-Error-Type: Runtime.ConfigError\r\n"), std::string::npos);
  const auto doc = nlohmann::json::parse(body_of(requests[0]));
  EXPECT_EQ(doc.at("errorType"), "Runtime.ConfigError");
  EXPECT_EQ(doc.at("errorMessage"), "bad config");
}

}  // namespace

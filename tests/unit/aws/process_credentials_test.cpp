// credential_process end to end: parse_process_credentials on its own, then real programs run
// by run_process / fetch_process_credentials (echo, sh scripts given as arguments, sleep),
// including the timeout, a failing helper, and output that is not the document.
#include "aws/process_credentials.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "aws/credential_response.hpp"
#include "aws/process_runner.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono_literals;

constexpr const char* full_document =
    R"({"Version": 1, "AccessKeyId": "ASIAPROCESS00000001", "SecretAccessKey": "process-secret",
        "SessionToken": "process-token", "Expiration": "2031-05-01T12:00:00Z"})";

TEST(parse_process_credentials, reads_the_full_document) {
  std::string error;
  const auto creds = parse_process_credentials(full_document, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAPROCESS00000001");
  EXPECT_EQ(creds->secret_access_key, "process-secret");
  EXPECT_EQ(creds->session_token, "process-token");
  ASSERT_TRUE(creds->expiration);
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(*creds->expiration).time_since_epoch().count(), 1935403200);
}

TEST(parse_process_credentials, long_term_keys_have_no_token_and_no_expiration) {
  std::string error;
  const auto creds =
      parse_process_credentials(R"({"Version": 1, "AccessKeyId": "AKIA1", "SecretAccessKey": "s"})", error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->session_token, "");
  EXPECT_FALSE(creds->expiration);
}

TEST(parse_process_credentials, refuses_bad_documents_without_quoting_them) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "credential_process: the answer is not a JSON object"},
      {"[1]", "credential_process: the answer is not a JSON object"},
      {R"({"AccessKeyId": "A", "SecretAccessKey": "secret-x"})", "credential_process: Version is missing"},
      {R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "secret-x"})", "credential_process: Version must be 1"},
      {R"({"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "secret-x"})", "credential_process: Version must be 1"},
      {R"({"Version": 1, "SecretAccessKey": "secret-x"})", "credential_process: AccessKeyId is missing"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": ""})",
       "credential_process: SecretAccessKey is not a non-empty string"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "secret-x", "SessionToken": 5})",
       "credential_process: SessionToken is not a string"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "secret-x", "Expiration": "tomorrow"})",
       "credential_process: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
      {R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "secret-x", "Expiration": "9999-01-01T00:00:00Z"})",
       "credential_process: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
  };
  for (const auto& [body, expected] : cases) {
    std::string error;
    EXPECT_FALSE(parse_process_credentials(body, error)) << body;
    EXPECT_EQ(error, expected) << body;
    EXPECT_EQ(error.find("secret-x"), std::string::npos);
  }
}

TEST(run_process, collects_output_and_exit_code) {
  std::string error;
  const auto out = run_process({"sh", "-c", "printf out; printf err >&2; exit 7"}, {}, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->out, "out");
  EXPECT_EQ(out->err, "err");
  EXPECT_EQ(out->exit_code, 7);
}

TEST(run_process, kills_a_program_that_runs_too_long_with_its_children) {
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  // The shell's child sleep keeps the pipe open: killing only the shell would not end the wait.
  const auto out = run_process({"sh", "-c", "sleep 30; echo late"}, process_limits{.timeout = 300ms, .max_output = 1024},
                               error);
  EXPECT_FALSE(out);
  EXPECT_EQ(error, "sh did not finish within 300 ms (killed)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(run_process, bounds_the_output) {
  std::string error;
  EXPECT_FALSE(run_process({"sh", "-c", "yes"}, process_limits{.timeout = 5s, .max_output = 10000}, error));
  EXPECT_EQ(error, "sh wrote more than 10000 bytes to standard output (killed)");
}

TEST(run_process, reports_a_program_that_does_not_exist) {
  std::string error;
  EXPECT_FALSE(run_process({"/nonexistent/helper"}, {}, error));
  EXPECT_EQ(error, "cannot start /nonexistent/helper: No such file or directory");
  EXPECT_FALSE(run_process({}, {}, error));
}

TEST(run_process, gives_the_child_no_stdin_and_no_inherited_descriptors) {
  std::string error;
  const auto out = run_process({"sh", "-c", "cat; ls /proc/self/fd | wc -l"}, {}, error);
  ASSERT_TRUE(out) << error;
  // stdin (/dev/null, read to EOF by cat), stdout, stderr, and the descriptor ls opens.
  EXPECT_EQ(out->out, "4\n");
}

TEST(fetch_process_credentials, runs_the_command_without_a_shell) {
  std::string error;
  const auto creds = fetch_process_credentials(process_params{.command = std::string("echo '") + full_document + "'"},
                                               {}, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAPROCESS00000001");
  EXPECT_EQ(creds->source, "credential_process echo");
}

TEST(fetch_process_credentials, a_failing_helper_is_reported_with_its_last_stderr_line) {
  std::string error;
  EXPECT_FALSE(fetch_process_credentials(
      process_params{.command = "sh -c 'echo starting >&2; echo \"token expired, run login\" >&2; exit 2'"}, {},
      error));
  EXPECT_EQ(error, "credential_process: sh exited with status 2: token expired, run login");
}

TEST(fetch_process_credentials, bad_json_is_an_error_that_does_not_quote_the_output) {
  std::string error;
  EXPECT_FALSE(fetch_process_credentials(process_params{.command = "echo AccessKeyId=secret-out"}, {}, error));
  EXPECT_EQ(error, "credential_process: the answer is not a JSON object");
}

TEST(fetch_process_credentials, times_out) {
  std::string error;
  EXPECT_FALSE(fetch_process_credentials(process_params{.command = "sleep 10"},
                                         process_limits{.timeout = 200ms, .max_output = 1024}, error));
  EXPECT_EQ(error, "credential_process: sleep did not finish within 200 ms (killed)");
}

TEST(fetch_process_credentials, refuses_a_pipeline) {
  std::string error;
  EXPECT_FALSE(fetch_process_credentials(process_params{.command = "helper | jq ."}, {}, error));
  EXPECT_EQ(error.rfind("credential_process: '|' is shell syntax", 0), 0u) << error;
}

}  // namespace
}  // namespace staticgate::aws

// Container and instance-metadata credential answers (src/aws/credential_response.hpp): valid
// bodies, missing fields, bad dates, error codes; and no message ever quotes the secret.
#include "aws/credential_response.hpp"

#include <gtest/gtest.h>

#include <string>

#include "aws/iso8601.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono;

constexpr const char* container_ok =
    R"({"RoleArn":"arn:aws:iam::1:role/r","AccessKeyId":"ASIAEXAMPLE123456789","SecretAccessKey":"SECRETSECRET",)"
    R"("Token":"TOKENTOKEN","Expiration":"2024-05-01T12:00:00Z"})";
constexpr const char* imds_ok =
    R"({"Code":"Success","LastUpdated":"2024-05-01T06:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLE123456789",)"
    R"("SecretAccessKey":"SECRETSECRET","Token":"TOKENTOKEN","Expiration":"2024-05-01T12:00:00Z"})";

TEST(credential_response, container_valid) {
  std::string error;
  const auto creds = parse_container_credentials(container_ok, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAEXAMPLE123456789");
  EXPECT_EQ(creds->secret_access_key, "SECRETSECRET");
  EXPECT_EQ(creds->session_token, "TOKENTOKEN");
  EXPECT_EQ(creds->expiration, sys_days{2024y / May / 1} + 12h);
  EXPECT_EQ(creds->source, "container credentials");
}

TEST(credential_response, imds_valid_and_without_code) {
  std::string error;
  const auto creds = parse_imds_credentials(imds_ok, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->session_token, "TOKENTOKEN");
  EXPECT_EQ(creds->expiration, sys_days{2024y / May / 1} + 12h);
  EXPECT_TRUE(parse_imds_credentials(container_ok, error)) << error;  // no Code: accepted, as botocore
}

struct bad_case {
  const char* name;
  bool imds;
  std::string body;
  const char* expected;
};

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

class bad_responses : public testing::TestWithParam<bad_case> {};

TEST_P(bad_responses, are_refused_with_a_clear_message) {
  const auto& c = GetParam();
  std::string error;
  const auto creds = c.imds ? parse_imds_credentials(c.body, error) : parse_container_credentials(c.body, error);
  EXPECT_FALSE(creds);
  EXPECT_EQ(error, c.expected);
  EXPECT_EQ(error.find("SECRET"), std::string::npos);
  EXPECT_EQ(error.find("TOKENTOKEN"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    aws, bad_responses,
    testing::Values(
        bad_case{"not_json", false, "<html>", "container credentials: the answer is not a JSON object"},
        bad_case{"json_array", true, "[]", "instance metadata credentials: the answer is not a JSON object"},
        bad_case{"missing_key_id", false, replace(container_ok, R"("AccessKeyId")", R"("X")"),
                 "container credentials: AccessKeyId is missing"},
        bad_case{"missing_secret", true, replace(imds_ok, R"("SecretAccessKey")", R"("X")"),
                 "instance metadata credentials: SecretAccessKey is missing"},
        bad_case{"missing_token", false, replace(container_ok, R"("Token")", R"("X")"),
                 "container credentials: Token is missing"},
        bad_case{"missing_expiration", true, replace(imds_ok, R"("Expiration")", R"("X")"),
                 "instance metadata credentials: Expiration is missing"},
        bad_case{"empty_secret", false, replace(container_ok, R"("SECRETSECRET")", R"("")"),
                 "container credentials: SecretAccessKey is not a non-empty string"},
        bad_case{"number_token", false, replace(container_ok, R"("TOKENTOKEN")", "42"),
                 "container credentials: Token is not a non-empty string"},
        bad_case{"date_without_zone", false, replace(container_ok, "12:00:00Z", "12:00:00"),
                 "container credentials: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
        bad_case{"date_impossible", true, replace(imds_ok, "2024-05-01T12", "2024-02-30T12"),
                 "instance metadata credentials: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
        bad_case{"date_beyond_what_the_clock_holds", false, replace(container_ok, "2024-05-01", "8179-05-01"),
                 "container credentials: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
        bad_case{"date_epoch_number", false, replace(container_ok, R"("2024-05-01T12:00:00Z")", "1714564800"),
                 "container credentials: Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)"},
        bad_case{"imds_code_not_success", true,
                 R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role","LastUpdated":"x"})",
                 "instance metadata credentials: Code AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"},
        bad_case{"imds_code_not_string", true, replace(imds_ok, R"("Success")", "1"),
                 "instance metadata credentials: Code 1: "},
        bad_case{"container_error_body", false, R"({"code":"InvalidToken","message":"bad authorization token"})",
                 "container credentials: error InvalidToken: bad authorization token"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(credential_response, imds_role_name) {
  std::string error;
  EXPECT_EQ(parse_imds_role_name("gateway-role\n", error), "gateway-role");
  EXPECT_EQ(parse_imds_role_name(" gateway-role \r\nsecond\n", error), "gateway-role");
  EXPECT_FALSE(parse_imds_role_name("\n", error));
  EXPECT_EQ(error, "instance metadata: no IAM role is attached to this instance");
  EXPECT_FALSE(parse_imds_role_name("../../latest/user-data", error));
  EXPECT_FALSE(parse_imds_role_name("a b", error));
}

struct time_case {
  const char* text;
  std::optional<sys_seconds> expected;
};

TEST(iso8601, parses_and_refuses) {
  const sys_seconds noon = sys_days{2024y / May / 1} + 12h;
  const time_case cases[] = {
      {"2024-05-01T12:00:00Z", noon},
      {"2024-05-01t12:00:00z", noon},
      {"2024-05-01T12:00:00.999Z", noon},  // fraction truncated, never rounded up
      {"2024-05-01T14:30:00+02:30", noon},
      {"2024-05-01T09:00:00-03:00", noon},
      {"2024-02-29T00:00:00Z", sys_seconds{sys_days{2024y / February / 29}}},
      {"1970-01-01T00:00:00Z", sys_seconds{}},
      {"2023-02-29T00:00:00Z", std::nullopt},
      {"2024-04-31T00:00:00Z", std::nullopt},
      {"2024-13-01T00:00:00Z", std::nullopt},
      {"2024-05-01T24:00:00Z", std::nullopt},
      {"2024-05-01T12:60:00Z", std::nullopt},
      {"2024-05-01T12:00:60Z", std::nullopt},
      {"2024-05-01T12:00:00", std::nullopt},
      {"2024-05-01 12:00:00Z", std::nullopt},
      {"2024-05-01T12:00:00.Z", std::nullopt},
      {"2024-05-01T12:00:00Zjunk", std::nullopt},
      {"2024-5-1T12:00:00Z", std::nullopt},
      {"2024-05-01T12:00:00+0200", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_iso8601(c.text), c.expected) << c.text;
  EXPECT_EQ(format_iso8601(noon), "2024-05-01T12:00:00Z");
  EXPECT_EQ(format_iso8601(sys_seconds{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace staticgate::aws

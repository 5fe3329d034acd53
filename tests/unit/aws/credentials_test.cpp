// Redaction of credentials (src/aws/credentials.hpp) and the refresh rule
// (src/aws/credential_refresh.hpp).
#include "aws/credentials.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "aws/credential_refresh.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

TEST(credentials, redacted_key_id) {
  EXPECT_EQ(redact_access_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA****MPLE");
  EXPECT_EQ(redact_access_key_id("ASIA12345678"), "ASIA****5678");
  EXPECT_EQ(redact_access_key_id("ASIA1234567"), "****");
  EXPECT_EQ(redact_access_key_id(""), "****");
}

TEST(credentials, to_string_never_shows_secret_or_token) {
  const credentials creds{.access_key_id = "ASIAIOSFODNN7EXAMPLE",
                          .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                          .session_token = "FwoGZXIvYXdzEBYaDEXAMPLETOKEN",
                          .expiration = sys_days{2024y / May / 1} + 12h + 30s,
                          .source = "instance metadata credentials"};
  const std::string text = to_string(creds);
  EXPECT_EQ(text, "ASIA****MPLE (session token, expires 2024-05-01T12:00:30Z, from instance metadata credentials)");
  std::ostringstream stream;
  stream << creds;
  EXPECT_EQ(stream.str(), text);
  for (const std::string& s : {stream.str(), text}) {
    EXPECT_EQ(s.find("wJalr"), std::string::npos);
    EXPECT_EQ(s.find("FwoG"), std::string::npos);
    EXPECT_EQ(s.find("IOSFODNN7EXA"), std::string::npos);
  }
  EXPECT_EQ(to_string({.access_key_id = "AKIAIOSFODNN7EXAMPLE", .secret_access_key = "s", .session_token = "",
                       .expiration = std::nullopt, .source = ""}),
            "AKIA****MPLE (long-term)");
}

struct refresh_case {
  const char* name;
  seconds before_expiry;  // now = expiration - this
  double jitter;
  refresh_need expected;
};

class refresh_rule : public testing::TestWithParam<refresh_case> {};

TEST_P(refresh_rule, windows) {
  const auto& c = GetParam();
  const system_clock::time_point expiration = sys_days{2024y / May / 1} + 12h;
  const credentials creds{.access_key_id = "A", .secret_access_key = "s", .session_token = "t",
                          .expiration = expiration, .source = ""};
  EXPECT_EQ(refresh_needed(creds, expiration - c.before_expiry, c.jitter), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    aws, refresh_rule,
    testing::Values(refresh_case{"an_hour_left", 1h, 0.0, refresh_need::none},
                    refresh_case{"just_before_advisory", 15min + 1s, 0.0, refresh_need::none},
                    refresh_case{"advisory_starts_at_15_min", 15min, 0.0, refresh_need::advisory},
                    refresh_case{"jitter_widens_advisory", 19min, 0.9, refresh_need::advisory},
                    refresh_case{"full_jitter_is_20_min", 20min + 1s, 1.0, refresh_need::none},
                    refresh_case{"jitter_clamped_above", 20min + 1s, 7.0, refresh_need::none},
                    refresh_case{"nan_jitter_is_zero", 15min + 1s, std::nan(""), refresh_need::none},
                    refresh_case{"negative_jitter_is_zero", 15min + 1s, -1.0, refresh_need::none},
                    refresh_case{"mandatory_at_5_min", 5min, 0.5, refresh_need::mandatory},
                    refresh_case{"mandatory_until_expiry", 1s, 0.5, refresh_need::mandatory},
                    refresh_case{"expired_at_expiry", 0s, 0.5, refresh_need::expired},
                    refresh_case{"expired_after", -1h, 0.5, refresh_need::expired}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(refresh_rule, long_term_credentials_never_refresh) {
  const credentials creds{.access_key_id = "A", .secret_access_key = "s", .session_token = "",
                          .expiration = std::nullopt, .source = ""};
  EXPECT_EQ(refresh_needed(creds, system_clock::time_point::max() - 1h, 0.0), refresh_need::none);
  EXPECT_EQ(refresh_at(creds, 0.5), system_clock::time_point::max());
}

TEST(refresh_rule, refresh_at_and_retry_after) {
  const system_clock::time_point expiration = sys_days{2024y / May / 1} + 12h;
  const credentials creds{.access_key_id = "A", .secret_access_key = "s", .session_token = "t",
                          .expiration = expiration, .source = ""};
  EXPECT_EQ(refresh_at(creds, 0.0), expiration - 15min);
  EXPECT_EQ(refresh_at(creds, 0.5), expiration - 17min - 30s);
  EXPECT_EQ(refresh_at(creds, 1.0), expiration - 20min);
  // In the advisory window: a minute or two later.
  EXPECT_EQ(retry_after(creds, expiration - 15min, 0.0), expiration - 14min);
  EXPECT_EQ(retry_after(creds, expiration - 15min, 1.0), expiration - 13min);
  // Never past the start of the mandatory window, never before now.
  EXPECT_EQ(retry_after(creds, expiration - 5min - 30s, 1.0), expiration - 5min);
  EXPECT_EQ(retry_after(creds, expiration - 2min, 0.0), expiration - 2min);
  // A custom policy.
  const refresh_policy tight{.advisory = 2min, .advisory_jitter = 0s, .mandatory = 1min, .retry = 10s};
  EXPECT_EQ(refresh_needed(creds, expiration - 2min, 0.9, tight), refresh_need::advisory);
  EXPECT_EQ(refresh_needed(creds, expiration - 3min, 0.9, tight), refresh_need::none);
}

}  // namespace
}  // namespace staticgate::aws

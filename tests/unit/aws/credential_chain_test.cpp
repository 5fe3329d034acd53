// The provider chain decision (src/aws/credential_chain.hpp) with an injected environment and
// file system: which provider wins, with what parameters, and which mistakes stop the chain.
#include "aws/credential_chain.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <variant>

namespace staticgate::aws {
namespace {

using env_map = std::map<std::string, std::string, std::less<>>;
using file_map = std::map<std::string, std::string>;

struct chain_case {
  const char* name;
  env_map env;
  file_map files;
  // "static:KEYID:SOURCE", "role:ARN", "web:ARN:FILE:SESSION", "process:CMD", "sso:ROLE",
  // "container:URL:TOKEN:TOKENFILE", "imds:ENDPOINT", "nothing", or "error:MESSAGE".
  const char* expected;
  const char* region = "";
  const char* profile = "default";
};

std::string describe(const chain_source& source) {
  struct visitor {
    std::string operator()(const credentials& c) const { return "static:" + c.access_key_id + ':' + c.source; }
    std::string operator()(const assume_role_params& r) const { return "role:" + r.role_arn; }
    std::string operator()(const web_identity_params& w) const {
      return "web:" + w.role_arn + ':' + w.token_file + ':' + w.role_session_name;
    }
    std::string operator()(const process_params& p) const { return "process:" + p.command; }
    std::string operator()(const sso_params& s) const { return "sso:" + s.role_name; }
    std::string operator()(const container_params& c) const {
      return "container:" + c.url + ':' + c.authorization_token + ':' + c.authorization_token_file;
    }
    std::string operator()(const imds_params& i) const { return "imds:" + i.endpoint; }
  };
  return std::visit(visitor{}, source);
}

getenv_fn fake_env(const env_map& env) {
  return [&env](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

read_file_fn fake_files(const file_map& files) {
  return [&files](const std::string& path) {
    if (path == "/unreadable") return file_read_result{file_read_result::status::failed, "Permission denied"};
    const auto it = files.find(path);
    if (it == files.end()) return file_read_result{file_read_result::status::missing, ""};
    return file_read_result{file_read_result::status::found, it->second};
  };
}

const env_map home{{"HOME", "/h"}};
const char* const default_keys = "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n";

env_map with(env_map base, const env_map& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

class chain_order : public testing::TestWithParam<chain_case> {};

TEST_P(chain_order, decides) {
  const auto& c = GetParam();
  std::string error;
  const auto decision = decide_credential_source(fake_env(c.env), fake_files(c.files), error);
  if (!decision) {
    EXPECT_EQ("error:" + error, c.expected);
    return;
  }
  EXPECT_EQ(decision->source ? describe(*decision->source) : "nothing", c.expected);
  EXPECT_EQ(decision->region, c.region);
  EXPECT_EQ(decision->profile, c.profile);
}

INSTANTIATE_TEST_SUITE_P(
    aws, chain_order,
    testing::Values(
        chain_case{"nothing_set_is_imds", {}, {}, "imds:http://169.254.169.254"},
        chain_case{"environment_first",
                   with(home, {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "s"},
                               {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:w"}}),
                   {{"/h/.aws/credentials", default_keys}},
                   "static:AKIAENV:environment"},
        chain_case{"environment_beats_AWS_PROFILE",
                   with(home, {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_PROFILE", "dev"}}),
                   {{"/h/.aws/config", "[profile dev]\nregion = eu-north-1\n"}},
                   "static:AKIAENV:environment",
                   "eu-north-1",
                   "dev"},
        chain_case{"empty_environment_values_are_unset",
                   with(home, {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}),
                   {{"/h/.aws/credentials", default_keys}},
                   "static:AKIAFILE:profile default (/h/.aws/credentials)"},
        chain_case{"partial_environment_is_an_error",
                   {{"AWS_ACCESS_KEY_ID", "AKIAENV"}},
                   {},
                   "error:AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
        chain_case{"default_profile_from_home",
                   home,
                   {{"/h/.aws/credentials", default_keys}},
                   "static:AKIAFILE:profile default (/h/.aws/credentials)"},
        chain_case{"AWS_PROFILE_and_file_variables",
                   {{"AWS_PROFILE", "dev"}, {"AWS_SHARED_CREDENTIALS_FILE", "/c"}, {"AWS_CONFIG_FILE", "/g"}},
                   {{"/c", "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = s\n"},
                    {"/g", "[profile dev]\nregion = ap-south-1\n"}},
                   "static:AKIADEV:profile dev (/c)",
                   "ap-south-1",
                   "dev"},
        chain_case{"tilde_in_file_variable",
                   with(home, {{"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}}),
                   {{"/h/creds", default_keys}},
                   "static:AKIAFILE:profile default (/h/creds)"},
        chain_case{"named_profile_missing_is_an_error",
                   with(home, {{"AWS_PROFILE", "typo"}}),
                   {{"/h/.aws/credentials", default_keys}},
                   "error:profile 'typo' (AWS_PROFILE) is in neither shared file"},
        chain_case{"profile_without_credentials_falls_through",
                   with(home, {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/t"}, {"AWS_ROLE_ARN", "arn:w"},
                               {"AWS_ROLE_SESSION_NAME", "gw"}}),
                   {{"/h/.aws/config", "[default]\nregion = eu-west-1\n"}},
                   "web:arn:w:/var/run/t:gw",
                   "eu-west-1"},
        chain_case{"profile_beats_web_identity",
                   with(home, {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/t"}, {"AWS_ROLE_ARN", "arn:w"}}),
                   {{"/h/.aws/credentials", default_keys}},
                   "static:AKIAFILE:profile default (/h/.aws/credentials)"},
        chain_case{"profile_role_recognised",
                   home,
                   {{"/h/.aws/config", "[default]\nrole_arn = arn:r\ncredential_source = Ec2InstanceMetadata\n"}},
                   "role:arn:r"},
        chain_case{"profile_error_stops_the_chain",
                   with(home, {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c"}}),
                   {{"/h/.aws/credentials", "[default]\naws_access_key_id = A\n"}},
                   "error:/h/.aws/credentials:2: profile 'default': aws_access_key_id without aws_secret_access_key"},
        chain_case{"parse_error_names_the_file",
                   home,
                   {{"/h/.aws/config", "[default]\nregion\n"}},
                   "error:/h/.aws/config:2: expected [section] or key = value"},
        chain_case{"unreadable_file_is_an_error",
                   {{"AWS_CONFIG_FILE", "/unreadable"}},
                   {},
                   "error:/unreadable: Permission denied"},
        chain_case{"web_identity_without_role",
                   {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}},
                   {},
                   "error:AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"},
        chain_case{"role_without_token_file_is_ignored", {{"AWS_ROLE_ARN", "arn:w"}}, {}, "imds:http://169.254.169.254"},
        chain_case{"web_identity_beats_container",
                   {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:w"},
                    {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c"}},
                   {},
                   "web:arn:w:/t:"},
        chain_case{"container_relative",
                   {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                    {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x"}},
                   {},
                   "container:http://169.254.170.2/v2/credentials/abc::"},
        chain_case{"container_full_pod_identity_token_file",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/pod-identity/token"},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"}},
                   {},
                   "container:http://169.254.170.23/v1/credentials::/var/run/pod-identity/token"},
        chain_case{"container_full_loopback_with_token",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.5:9000/creds"},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"}},
                   {},
                   "container:http://127.0.0.5:9000/creds:Basic abc:"},
        chain_case{"container_full_ipv6_loopback",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[::1]:80/c"}},
                   {},
                   "container:http://[::1]:80/c::"},
        chain_case{"container_full_https_anywhere",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/c"}},
                   {},
                   "container:https://creds.example.com/c::"},
        chain_case{"container_full_plain_http_elsewhere_refused",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/c"}},
                   {},
                   "error:AWS_CONTAINER_CREDENTIALS_FULL_URI over plain http must point at a loopback address, "
                   "169.254.170.2, 169.254.170.23, fd00:ec2::23 or localhost"},
        chain_case{"container_full_userinfo_does_not_fool_the_check",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1@evil.example/c"}},
                   {},
                   "error:AWS_CONTAINER_CREDENTIALS_FULL_URI over plain http must point at a loopback address, "
                   "169.254.170.2, 169.254.170.23, fd00:ec2::23 or localhost"},
        chain_case{"container_full_not_a_url",
                   {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "169.254.170.2/c"}},
                   {},
                   "error:AWS_CONTAINER_CREDENTIALS_FULL_URI is not an absolute URL"},
        chain_case{"imds_disabled", {{"AWS_EC2_METADATA_DISABLED", "TRUE"}}, {}, "nothing"},
        chain_case{"imds_disabled_only_by_true", {{"AWS_EC2_METADATA_DISABLED", "1"}}, {}, "imds:http://169.254.169.254"},
        chain_case{"imds_ipv6", {{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}, {}, "imds:http://[fd00:ec2::254]"},
        chain_case{"imds_endpoint_override",
                   {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111/"},
                    {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}},
                   {},
                   "imds:http://127.0.0.1:8111"},
        chain_case{"imds_bad_mode",
                   {{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5"}},
                   {},
                   "error:AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6"},
        chain_case{"region_environment_order",
                   with(home, {{"AWS_REGION", "r1"}, {"AWS_DEFAULT_REGION", "r2"}}),
                   {{"/h/.aws/config", "[default]\nregion = r3\n"}},
                   "imds:http://169.254.169.254",
                   "r1"},
        chain_case{"region_default_region",
                   with(home, {{"AWS_DEFAULT_REGION", "r2"}}),
                   {{"/h/.aws/config", "[default]\nregion = r3\n"}},
                   "imds:http://169.254.169.254",
                   "r2"},
        chain_case{"no_home_no_files", {}, {{"/.aws/credentials", default_keys}}, "imds:http://169.254.169.254"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(container_request, token_from_file_read_at_request_time) {
  const file_map files{{"/tok", "abc.def\n"}};
  std::string error;
  const auto request = make_container_request(
      {.url = "http://169.254.170.23/v1/credentials", .authorization_token = "", .authorization_token_file = "/tok"},
      fake_files(files), error);
  ASSERT_TRUE(request) << error;
  EXPECT_EQ(request->url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(request->authorization, "abc.def");
}

TEST(container_request, refuses_line_breaks_and_missing_files) {
  const file_map files{{"/tok", "abc\r\nX-Injected: 1"}};
  std::string error;
  EXPECT_FALSE(make_container_request({.url = "u", .authorization_token = "", .authorization_token_file = "/tok"},
                                      fake_files(files), error));
  EXPECT_EQ(error, "the container authorization token holds a line break");
  EXPECT_FALSE(make_container_request({.url = "u", .authorization_token = "", .authorization_token_file = "/none"},
                                      fake_files(files), error));
  EXPECT_EQ(error, "/none: cannot read the token file");
  const auto plain = make_container_request({.url = "u", .authorization_token = "t", .authorization_token_file = ""},
                                            fake_files(files), error);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->authorization, "t");
}

}  // namespace
}  // namespace staticgate::aws

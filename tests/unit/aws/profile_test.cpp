// Profile lookup across the two shared files and what a profile resolves to
// (src/aws/profile.hpp): one table of (config text, credentials text, profile) -> outcome.
#include "aws/profile.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace staticgate::aws {
namespace {

struct profile_case {
  const char* name;
  const char* config;       // nullptr: no config file
  const char* credentials;  // nullptr: no credentials file
  const char* profile;
  // "none" (no such profile), "empty" (no credentials), "static:KEYID:TOKEN", "role:ARN:SOURCE",
  // "web:ARN:FILE", "process:CMD", "sso:URL:REGION:ACCOUNT:ROLE", or "error:MESSAGE".
  const char* expected;
  const char* region = "";
};

std::string describe(const profile_source& source) {
  struct visitor {
    std::string operator()(const credentials& c) const { return "static:" + c.access_key_id + ':' + c.session_token; }
    std::string operator()(const assume_role_params& r) const {
      return "role:" + r.role_arn + ':' + r.source_profile + r.credential_source;
    }
    std::string operator()(const web_identity_params& w) const { return "web:" + w.role_arn + ':' + w.token_file; }
    std::string operator()(const process_params& p) const { return "process:" + p.command; }
    std::string operator()(const sso_params& s) const {
      return "sso:" + s.start_url + ':' + s.sso_region + ':' + s.account_id + ':' + s.role_name;
    }
  };
  return std::visit(visitor{}, source);
}

class profiles : public testing::TestWithParam<profile_case> {};

TEST_P(profiles, resolve) {
  const auto& c = GetParam();
  std::string error;
  std::optional<ini_document> config, creds;
  if (c.config) {
    config = parse_ini(c.config, "config", error);
    ASSERT_TRUE(config) << error;
  }
  if (c.credentials) {
    creds = parse_ini(c.credentials, "credentials", error);
    ASSERT_TRUE(creds) << error;
  }
  const auto p = find_profile(c.profile, config ? &*config : nullptr, creds ? &*creds : nullptr);
  if (!p) {
    EXPECT_EQ(std::string("none"), c.expected);
    return;
  }
  const auto resolved = resolve_profile(*p, config ? &*config : nullptr, error);
  if (!resolved) {
    EXPECT_EQ("error:" + error, c.expected);
    return;
  }
  EXPECT_EQ(resolved->source ? describe(*resolved->source) : "empty", c.expected);
  EXPECT_EQ(resolved->region, c.region);
}

INSTANTIATE_TEST_SUITE_P(
    aws, profiles,
    testing::Values(
        profile_case{"static_in_credentials", nullptr, "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n",
                     "default", "static:AKIA1:"},
        profile_case{"static_with_token", nullptr,
                     "[dev]\naws_access_key_id = ASIA1\naws_secret_access_key = s\naws_session_token = t\n", "dev",
                     "static:ASIA1:t"},
        profile_case{"config_needs_profile_prefix", "[dev]\nregion = x\n", nullptr, "dev", "none"},
        profile_case{"config_profile_prefix", "[profile dev]\nregion = x\n", nullptr, "dev", "empty", "x"},
        profile_case{"config_profile_extra_spaces", "[profile   dev ]\nregion = x\n", nullptr, "dev", "empty", "x"},
        profile_case{"config_profile_default_later_wins", "[default]\nregion = a\n[profile default]\nregion = b\n",
                     nullptr, "default", "empty", "b"},
        profile_case{"credentials_name_is_literal", nullptr,
                     "[profile dev]\naws_access_key_id = A\naws_secret_access_key = s\n", "dev", "none"},
        profile_case{"credentials_value_beats_config", "[profile dev]\nregion = a\n", "[dev]\nregion = b\n", "dev",
                     "empty", "b"},
        profile_case{"region_from_config_keys_from_credentials", "[default]\nregion = eu-west-1\n",
                     "[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s\n", "default", "static:AKIA2:",
                     "eu-west-1"},
        profile_case{"static_in_config", "[profile dev]\naws_access_key_id = AKIA3\naws_secret_access_key = s\n",
                     nullptr, "dev", "static:AKIA3:"},
        profile_case{"role_wins_over_static",
                     "[profile dev]\nrole_arn = arn:r\nsource_profile = base\naws_access_key_id = A\n"
                     "aws_secret_access_key = s\n",
                     nullptr, "dev", "role:arn:r:base"},
        profile_case{"role_with_credential_source", "[profile dev]\nrole_arn = arn:r\ncredential_source = EcsContainer\n",
                     nullptr, "dev", "role:arn:r:EcsContainer"},
        profile_case{"role_without_source", "[profile dev]\nrole_arn = arn:r\n", nullptr, "dev",
                     "error:config:2: profile 'dev': role_arn needs exactly one of source_profile and credential_source"},
        profile_case{"role_with_both_sources",
                     "[profile dev]\nrole_arn = arn:r\nsource_profile = a\ncredential_source = Environment\n", nullptr,
                     "dev", "error:config:2: profile 'dev': role_arn needs exactly one of source_profile and credential_source"},
        profile_case{"role_unknown_credential_source", "[profile dev]\nrole_arn = arn:r\ncredential_source = Ec2\n",
                     nullptr, "dev",
                     "error:config:3: profile 'dev': credential_source must be Environment, Ec2InstanceMetadata or "
                     "EcsContainer"},
        profile_case{"role_bad_duration", "[profile dev]\nrole_arn = arn:r\nsource_profile = a\nduration_seconds = 60\n",
                     nullptr, "dev",
                     "error:config:4: profile 'dev': duration_seconds must be a whole number from 900 to 43200"},
        profile_case{"web_identity", "[profile eks]\nrole_arn = arn:w\nweb_identity_token_file = /var/run/token\n",
                     nullptr, "eks", "web:arn:w:/var/run/token"},
        profile_case{"web_identity_without_role", "[profile eks]\nweb_identity_token_file = /t\n", nullptr, "eks",
                     "error:config:2: profile 'eks': web_identity_token_file needs role_arn"},
        profile_case{"sso_legacy",
                     "[profile s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
                     "sso_account_id = 111\nsso_role_name = Admin\n",
                     nullptr, "s", "sso:https://x.awsapps.com/start:us-east-1:111:Admin"},
        profile_case{"sso_session",
                     "[profile s]\nsso_session = corp\nsso_account_id = 111\nsso_role_name = Admin\nregion = eu-west-1\n"
                     "[sso-session corp]\nsso_start_url = https://c/start\nsso_region = eu-central-1\n",
                     nullptr, "s", "sso:https://c/start:eu-central-1:111:Admin", "eu-west-1"},
        profile_case{"sso_session_missing", "[profile s]\nsso_session = corp\n", nullptr, "s",
                     "error:config:2: profile 's': no [sso-session corp] section"},
        profile_case{"sso_incomplete", "[profile s]\nsso_start_url = https://x\nsso_region = us-east-1\n", nullptr, "s",
                     "error:config:1: profile 's': SSO configuration is missing sso_account_id"},
        profile_case{"process", "[profile p]\ncredential_process = /usr/bin/get-creds --json\n", nullptr, "p",
                     "process:/usr/bin/get-creds --json"},
        profile_case{"credentials_file_keys_beat_process", "[profile p]\ncredential_process = /bin/x\n",
                     "[p]\naws_access_key_id = AKIA4\naws_secret_access_key = s\n", "p", "static:AKIA4:"},
        profile_case{"process_beats_config_file_keys",
                     "[profile p]\ncredential_process = /bin/x\naws_access_key_id = A\naws_secret_access_key = s\n",
                     nullptr, "p", "process:/bin/x"},
        profile_case{"key_without_secret", nullptr, "[default]\n\naws_access_key_id = A\n", "default",
                     "error:credentials:3: profile 'default': aws_access_key_id without aws_secret_access_key"},
        profile_case{"secret_without_key", nullptr, "[default]\naws_secret_access_key = s\n", "default",
                     "error:credentials:2: profile 'default': aws_secret_access_key without aws_access_key_id"},
        profile_case{"halves_in_two_files_do_not_combine", "[default]\naws_secret_access_key = s\n",
                     "[default]\naws_access_key_id = A\n", "default",
                     "error:credentials:2: profile 'default': aws_access_key_id without aws_secret_access_key"},
        profile_case{"empty_key", nullptr, "[default]\naws_access_key_id =\naws_secret_access_key = s\n", "default",
                     "error:credentials:2: profile 'default': aws_access_key_id is empty"},
        profile_case{"nested_section_is_not_a_credential", "[default]\ns3 =\n  addressing_style = path\n", nullptr,
                     "default", "empty"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(profile, static_credentials_name_their_file) {
  std::string error;
  const auto creds = parse_ini("[dev]\naws_access_key_id = A\naws_secret_access_key = s\n", "/h/.aws/credentials", error);
  ASSERT_TRUE(creds);
  const auto p = find_profile("dev", nullptr, &*creds);
  ASSERT_TRUE(p);
  const auto resolved = resolve_profile(*p, nullptr, error);
  ASSERT_TRUE(resolved && resolved->source);
  EXPECT_EQ(std::get<credentials>(*resolved->source).source, "profile dev (/h/.aws/credentials)");
}

}  // namespace
}  // namespace staticgate::aws

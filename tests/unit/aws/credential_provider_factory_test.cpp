// find_credential_provider with an injected environment and files: which provider each source
// gets, that nothing touches the network before the first get(), and the configurations it
// refuses (SSO, MFA, source_profile loops, missing credential_source variables).
#include "aws/credential_provider_factory.hpp"

#include <gtest/gtest.h>

#include <map>

#include "aws/iso8601.hpp"
#include "scripted_http_server.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono_literals;
using test::respond;
using test::scripted_server;
using env_map = std::map<std::string, std::string, std::less<>>;
using file_map = std::map<std::string, std::string>;

std::string in_an_hour() {
  return format_iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + 1h));
}

std::string sts_answer(std::string_view op, const std::string& key_id) {
  const std::string o(op);
  return "<" + o + "Response><" + o + "Result><Credentials><AccessKeyId>" + key_id +
         "</AccessKeyId><SecretAccessKey>x</SecretAccessKey><SessionToken>t</SessionToken><Expiration>" +
         in_an_hour() + "</Expiration></Credentials></" + o + "Result></" + o + "Response>";
}

struct fixture {
  env_map env{{"HOME", "/h"}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  file_map files;

  provider_options options(std::string sts_url = "") {
    provider_options o;
    o.sts_endpoint_url = std::move(sts_url);
    o.http.connect_timeout = 500ms;
    o.http.timeout = 1000ms;
    o.getenv = [this](std::string_view name) -> std::optional<std::string> {
      const auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    o.read_file = [this](const std::string& path) {
      const auto it = files.find(path);
      if (it == files.end()) return file_read_result{.state = file_read_result::status::missing, .text = ""};
      return file_read_result{.state = file_read_result::status::found, .text = it->second};
    };
    o.sleep = [](std::chrono::milliseconds) {};
    o.random = [] { return 0.5; };
    return o;
  }
};

std::string key_of(const credential_setup& setup) {
  if (!setup.provider) return "setup error: " + setup.error;
  std::string error;
  const auto creds = setup.provider->get(error);
  return creds ? creds->access_key_id : "get error: " + error;
}

TEST(credential_provider_factory, environment_keys_are_static_and_the_configured_region_wins) {
  fixture f;
  f.env.insert({{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_REGION", "eu-west-1"}});
  auto options = f.options();
  auto setup = find_credential_provider(options);
  EXPECT_EQ(key_of(setup), "AKIAENV");
  EXPECT_NE(dynamic_cast<static_credential_provider*>(setup.provider.get()), nullptr);
  EXPECT_EQ(setup.region, "eu-west-1");
  EXPECT_EQ(setup.profile, "default");
  options.region = "ap-south-1";
  EXPECT_EQ(find_credential_provider(options).region, "ap-south-1");
}

TEST(credential_provider_factory, nothing_configured_and_imds_disabled_is_an_error) {
  fixture f;
  const auto setup = find_credential_provider(f.options());
  EXPECT_FALSE(setup.provider);
  EXPECT_NE(setup.error.find("instance metadata is disabled"), std::string::npos) << setup.error;
}

TEST(credential_provider_factory, chain_errors_are_passed_on) {
  fixture f;
  f.env["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  const auto setup = find_credential_provider(f.options());
  EXPECT_FALSE(setup.provider);
  EXPECT_EQ(setup.error, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST(credential_provider_factory, imds_is_fetched_on_first_get_only) {
  scripted_server server({respond(200, "tok"), respond(200, "role"),
                          respond(200, R"({"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"x",)"
                                       R"("Token":"t","Expiration":")" + in_an_hour() + R"("})")});
  fixture f;
  f.env.erase("AWS_EC2_METADATA_DISABLED");
  f.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = server.url("/");
  const auto setup = find_credential_provider(f.options());
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_EQ(server.requests().size(), 0u);
  EXPECT_EQ(key_of(setup), "ASIAIMDS");
  EXPECT_EQ(key_of(setup), "ASIAIMDS");  // cached
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(credential_provider_factory, web_identity_goes_to_the_sts_override) {
  scripted_server server({respond(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB"))});
  fixture f;
  f.env.insert({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/token"}, {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/w"}});
  f.files["/token"] = "jwt";
  const auto setup = find_credential_provider(f.options(server.url("")));
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_TRUE(server.requests().empty());
  EXPECT_EQ(key_of(setup), "ASIAWEB");
}

TEST(credential_provider_factory, a_malformed_region_for_sts_is_a_setup_error) {
  fixture f;
  f.env.insert({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/token"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/w"},
                {"AWS_REGION", "Not A Region"}});
  const auto setup = find_credential_provider(f.options());
  EXPECT_FALSE(setup.provider);
  EXPECT_EQ(setup.error.rfind("STS endpoint: ", 0), 0u) << setup.error;
}

TEST(credential_provider_factory, assume_role_signs_with_the_source_profile) {
  scripted_server server({respond(200, sts_answer("AssumeRole", "ASIAROLE"))});
  fixture f;
  f.env["AWS_PROFILE"] = "deploy";
  f.files["/h/.aws/config"] =
      "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\nregion = eu-north-1\n";
  f.files["/h/.aws/credentials"] = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n";
  const auto setup = find_credential_provider(f.options(server.url("")));
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_EQ(setup.region, "eu-north-1");
  EXPECT_EQ(setup.profile, "deploy");
  EXPECT_EQ(key_of(setup), "ASIAROLE");
  const std::string request = server.requests().at(0);
  EXPECT_NE(request.find("Credential=AKIABASE/"), std::string::npos) << request;
  EXPECT_NE(request.find("/eu-north-1/sts/aws4_request"), std::string::npos);
}

TEST(credential_provider_factory, assume_role_chains_through_another_role) {
  scripted_server server({respond(200, sts_answer("AssumeRole", "ASIAFIRST")),
                          respond(200, sts_answer("AssumeRole", "ASIASECOND"))});
  fixture f;
  f.env["AWS_PROFILE"] = "second";
  f.files["/h/.aws/config"] =
      "[profile second]\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = first\n"
      "[profile first]\nrole_arn = arn:aws:iam::123456789012:role/first\nsource_profile = first\n"
      "aws_access_key_id = AKIAFIRSTKEYS\naws_secret_access_key = s\n";
  const auto setup = find_credential_provider(f.options(server.url("")));
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_EQ(key_of(setup), "ASIASECOND");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  // "first" names itself: its own keys assume role/first, whose credentials assume role/second.
  EXPECT_NE(requests[0].find("Credential=AKIAFIRSTKEYS/"), std::string::npos);
  EXPECT_NE(requests[0].find("role%2Ffirst"), std::string::npos);
  EXPECT_NE(requests[1].find("Credential=ASIAFIRST/"), std::string::npos);
  EXPECT_NE(requests[1].find("role%2Fsecond"), std::string::npos);
}

TEST(credential_provider_factory, refused_role_configurations) {
  const std::pair<const char*, const char*> cases[] = {
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = q\n"
       "[profile q]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = p\n",
       "profile 'q': source_profile chain loops back to profile 'p'"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = nowhere\n",
       "profile 'p': source_profile: profile 'nowhere' is in neither shared file"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = empty\n[profile empty]\nregion = x\n",
       "profile 'p': source_profile 'empty' holds no credentials"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n",
       "profile 'p': credential_source Environment, but AWS_ACCESS_KEY_ID is not set"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Ec2InstanceMetadata\n",
       "profile 'p': credential_source Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = p\n",
       "profile 'p': source_profile: profile 'p' is its own source_profile but has no aws_access_key_id and "
       "aws_secret_access_key"},
      {"[profile p]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = p\nmfa_serial = arn:aws:iam::1:mfa/me\n",
       "profile 'p' sets mfa_serial: an MFA code cannot be entered into a gateway"},
  };
  for (const auto& [config, expected] : cases) {
    fixture f;
    f.env["AWS_PROFILE"] = "p";
    f.files["/h/.aws/config"] = config;
    const auto setup = find_credential_provider(f.options());
    EXPECT_FALSE(setup.provider) << config;
    EXPECT_EQ(setup.error, expected) << config;
  }
}

TEST(credential_provider_factory, credential_source_ecs_container_fetches_the_source_from_the_container_endpoint) {
  scripted_server server({respond(200, R"({"AccessKeyId":"ASIATASK","SecretAccessKey":"x","Token":"t","Expiration":")" +
                                           in_an_hour() + R"("})"),
                          respond(200, sts_answer("AssumeRole", "ASIAROLE"))});
  fixture f;
  f.env.insert({{"AWS_PROFILE", "p"}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/task")}});
  f.files["/h/.aws/config"] = "[profile p]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = EcsContainer\n";
  const auto setup = find_credential_provider(f.options(server.url("")));
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_EQ(key_of(setup), "ASIAROLE");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("GET /task ", 0), 0u);
  EXPECT_NE(requests[1].find("Credential=ASIATASK/"), std::string::npos);
}

TEST(credential_provider_factory, sso_is_refused_with_a_way_out) {
  fixture f;
  f.env["AWS_PROFILE"] = "sso";
  f.files["/h/.aws/config"] =
      "[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = "
      "123456789012\nsso_role_name = Admin\n";
  const auto setup = find_credential_provider(f.options());
  EXPECT_FALSE(setup.provider);
  EXPECT_NE(setup.error.find("aws configure export-credentials"), std::string::npos) << setup.error;
}

TEST(credential_provider_factory, credential_process_runs_on_first_get) {
  fixture f;
  f.env["AWS_PROFILE"] = "proc";
  f.files["/h/.aws/config"] =
      "[profile proc]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
      "\"SecretAccessKey\": \"s\"}'\n";
  const auto setup = find_credential_provider(f.options());
  ASSERT_TRUE(setup.provider) << setup.error;
  EXPECT_EQ(key_of(setup), "AKIAPROC");
}

TEST(credential_provider_factory, file_system_reader_tells_missing_from_failed) {
  const auto read = file_system_reader();
  EXPECT_EQ(read("/nonexistent/file").state, file_read_result::status::missing);
  EXPECT_EQ(read("/").state, file_read_result::status::failed);
  const auto hosts = read("/proc/self/cmdline");
  EXPECT_EQ(hosts.state, file_read_result::status::found);
  EXPECT_EQ(process_environment()("STATICGATE_SURELY_UNSET_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace staticgate::aws

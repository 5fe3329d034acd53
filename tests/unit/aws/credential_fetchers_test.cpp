// The HTTP credential fetchers against the scripted loopback server: the IMDSv2 token flow,
// container credentials with an authorization token file, STS AssumeRoleWithWebIdentity (the
// token re-read at every fetch, unsigned) and AssumeRole (signed with the source keys).
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "aws/container_credentials.hpp"
#include "aws/imds_credentials.hpp"
#include "aws/iso8601.hpp"
#include "aws/sts_credentials.hpp"
#include "scripted_http_server.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono_literals;
using test::respond;
using test::scripted_server;

std::string in_an_hour() {
  return format_iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + 1h));
}

http_client_options quick() {
  http_client_options o;
  o.connect_timeout = 500ms;
  o.timeout = 1000ms;
  return o;
}

std::string imds_document(const std::string& key_id) {
  return R"({"Code": "Success", "LastUpdated": "2024-05-01T11:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": ")" +
         key_id + R"(", "SecretAccessKey": "imds-secret", "Token": "imds-token", "Expiration": ")" + in_an_hour() +
         R"("})";
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- instance metadata

TEST(imds_credentials, token_then_role_then_credentials) {
  scripted_server server({respond(200, "session-token-1"), respond(200, "gateway-role\n"),
                          respond(200, imds_document("ASIAIMDS0000000001"))});
  http_client http(quick());
  std::string error;
  const auto creds = fetch_imds_credentials(http, imds_params{.endpoint = server.url("")}, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAIMDS0000000001");
  EXPECT_EQ(creds->session_token, "imds-token");
  EXPECT_EQ(creds->source, "instance metadata, role gateway-role");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].rfind("PUT /latest/api/token HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_TRUE(contains(requests[0], "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n"));
  EXPECT_EQ(requests[1].rfind("GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\n", 0), 0u);
  EXPECT_TRUE(contains(requests[1], "X-aws-ec2-metadata-token: session-token-1\r\n"));
  EXPECT_EQ(requests[2].rfind("GET /latest/meta-data/iam/security-credentials/gateway-role HTTP/1.1\r\n", 0), 0u);
  EXPECT_TRUE(contains(requests[2], "X-aws-ec2-metadata-token: session-token-1\r\n"));
}

TEST(imds_credentials, no_fallback_to_imdsv1_when_the_token_is_refused) {
  scripted_server server({respond(403, "Forbidden"), respond(200, "gateway-role")});
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_imds_credentials(http, imds_params{.endpoint = server.url("")}, error));
  EXPECT_EQ(error, "instance metadata (" + server.url("") +
                       "): session token (IMDSv2): HTTP 403 (instance metadata is disabled for this instance)");
  EXPECT_EQ(server.requests().size(), 1u);  // no unauthenticated GET followed
}

TEST(imds_credentials, token_timeout_mentions_the_hop_limit) {
  scripted_server server({respond(200, "late", {}, 1500ms)});
  http_client_options o = quick();
  o.timeout = 300ms;
  http_client http(o);
  std::string error;
  EXPECT_FALSE(fetch_imds_credentials(http, imds_params{.endpoint = server.url("")}, error));
  EXPECT_TRUE(contains(error, "session token (IMDSv2): timeout")) << error;
  EXPECT_TRUE(contains(error, "hop limit")) << error;
}

TEST(imds_credentials, no_role_attached) {
  scripted_server server({respond(200, "t"), respond(404, "<title>404 - Not Found</title>")});
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_imds_credentials(http, imds_params{.endpoint = server.url("")}, error));
  EXPECT_TRUE(contains(error, "IAM role name: HTTP 404 (no instance profile is attached)")) << error;
}

TEST(imds_credentials, an_error_code_in_the_document_is_reported) {
  scripted_server server({respond(200, "t"), respond(200, "r"),
                          respond(200, R"({"Code": "AssumeRoleUnauthorizedAccess", "Message": "not trusted"})")});
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_imds_credentials(http, imds_params{.endpoint = server.url("")}, error));
  EXPECT_EQ(error, "instance metadata credentials: Code AssumeRoleUnauthorizedAccess: not trusted");
}

TEST(imds_credentials, unreachable_endpoint) {
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_imds_credentials(http, imds_params{.endpoint = "http://127.0.0.1:1"}, error));
  EXPECT_TRUE(contains(error, "instance metadata (http://127.0.0.1:1): session token (IMDSv2): connect")) << error;
}

// ---- container

std::string container_document(const std::string& key_id) {
  return R"({"AccessKeyId": ")" + key_id +
         R"(", "SecretAccessKey": "c-secret", "Token": "c-token", "Expiration": ")" + in_an_hour() + R"("})";
}

TEST(container_credentials, sends_the_token_from_the_file_read_at_each_fetch) {
  scripted_server server({respond(200, container_document("ASIACONTAINER00001")),
                          respond(200, container_document("ASIACONTAINER00002"))});
  std::string token = "first-token\n";
  const read_file_fn read_file = [&token](const std::string& path) {
    EXPECT_EQ(path, "/var/run/secrets/pods/token");
    return file_read_result{.state = file_read_result::status::found, .text = token};
  };
  const container_params params{.url = server.url("/v2/credentials/task"),
                                .authorization_token = "",
                                .authorization_token_file = "/var/run/secrets/pods/token"};
  http_client http(quick());
  std::string error;
  auto creds = fetch_container_credentials(http, params, read_file, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIACONTAINER00001");
  EXPECT_EQ(creds->source, "container credentials");
  token = "rotated-token";
  creds = fetch_container_credentials(http, params, read_file, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIACONTAINER00002");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("GET /v2/credentials/task HTTP/1.1\r\n", 0), 0u);
  EXPECT_TRUE(contains(requests[0], "Authorization: first-token\r\n"));
  EXPECT_TRUE(contains(requests[1], "Authorization: rotated-token\r\n"));
}

TEST(container_credentials, without_a_token_no_authorization_header) {
  scripted_server server({respond(200, container_document("ASIACONTAINER00001"))});
  http_client http(quick());
  std::string error;
  ASSERT_TRUE(fetch_container_credentials(http, container_params{.url = server.url("/creds"),
                                                                 .authorization_token = "",
                                                                 .authorization_token_file = ""},
                                          {}, error))
      << error;
  EXPECT_FALSE(contains(server.requests().at(0), "Authorization"));
}

TEST(container_credentials, an_error_answer_is_reported_with_its_code) {
  scripted_server server({respond(403, R"({"code":"AccessDenied","message":"Unable to authenticate request"})")});
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_container_credentials(http, container_params{.url = server.url("/creds"),
                                                                  .authorization_token = "wrong",
                                                                  .authorization_token_file = ""},
                                           {}, error));
  EXPECT_EQ(error, "container credentials (" + server.url("/creds") +
                       "): HTTP 403: error AccessDenied: Unable to authenticate request");
  EXPECT_FALSE(contains(error, "wrong"));
}

TEST(container_credentials, an_unreadable_token_file_stops_before_the_request) {
  scripted_server server({});
  http_client http(quick());
  std::string error;
  EXPECT_FALSE(fetch_container_credentials(
      http, container_params{.url = server.url("/creds"), .authorization_token = "", .authorization_token_file = "/t"},
      [](const std::string&) { return file_read_result{.state = file_read_result::status::failed, .text = "EACCES"}; },
      error));
  EXPECT_EQ(error, "/t: EACCES");
  EXPECT_TRUE(server.requests().empty());
}

// ---- STS

std::string sts_answer(std::string_view op, const std::string& key_id) {
  return "<" + std::string(op) + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + std::string(op) +
         "Result><Credentials><AccessKeyId>" + key_id +
         "</AccessKeyId><SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken>"
         "<Expiration>" +
         in_an_hour() + "</Expiration></Credentials></" + std::string(op) +
         "Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></" + std::string(op) + "Response>";
}

web_identity_call web_call(const scripted_server& server, std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
  return web_identity_call{.sts = sts_endpoint("eu-west-1", server.url("")),
                           .retries = {},
                           .sleep = [sleeps](std::chrono::milliseconds d) {
                             if (sleeps) sleeps->push_back(d);
                           },
                           .random = [] { return 0.5; }};
}

TEST(sts_endpoint, regional_override_and_default_region) {
  EXPECT_EQ(sts_endpoint("eu-west-1", "").url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(sts_endpoint("cn-north-1", "").url, "https://sts.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(sts_endpoint("", "").url, "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ(sts_endpoint("eu-west-1", "http://127.0.0.1:9/").url, "http://127.0.0.1:9");
  EXPECT_EQ(default_role_session_name(std::chrono::system_clock::time_point(1714564800s)), "staticgate-1714564800");
}

TEST(web_identity_credentials, unsigned_post_with_the_token_read_at_every_fetch) {
  scripted_server server({respond(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB00000000001")),
                          respond(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB00000000002"))});
  std::map<std::string, std::string> files{{"/token", "jwt-one\n"}};
  const read_file_fn read_file = [&files](const std::string& path) {
    const auto it = files.find(path);
    if (it == files.end()) return file_read_result{.state = file_read_result::status::missing, .text = ""};
    return file_read_result{.state = file_read_result::status::found, .text = it->second};
  };
  const web_identity_params params{
      .role_arn = "arn:aws:iam::123456789012:role/gw", .token_file = "/token", .role_session_name = "pod-a"};
  http_client http(quick());
  std::string error;
  auto creds = fetch_web_identity_credentials(http, params, web_call(server), read_file, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAWEB00000000001");
  EXPECT_EQ(creds->session_token, "sts-token");
  EXPECT_EQ(creds->source, "web identity, role arn:aws:iam::123456789012:role/gw");
  files["/token"] = "jwt-two";
  creds = fetch_web_identity_credentials(http, params, web_call(server), read_file, error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAWEB00000000002");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("POST / HTTP/1.1\r\n", 0), 0u);
  EXPECT_FALSE(contains(requests[0], "Authorization:"));
  EXPECT_TRUE(contains(requests[0],
                       "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012"
                       "%3Arole%2Fgw&RoleSessionName=pod-a&WebIdentityToken=jwt-one"))
      << requests[0];
  EXPECT_TRUE(contains(requests[1], "WebIdentityToken=jwt-two"));
}

TEST(web_identity_credentials, retries_idp_communication_errors) {
  const std::string idp_error =
      "<ErrorResponse><Error><Type>Sender</Type><Code>IDPCommunicationError</Code><Message>idp down</Message>"
      "</Error><RequestId>r</RequestId></ErrorResponse>";
  scripted_server server({respond(400, idp_error), respond(200, sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB3"))});
  std::vector<std::chrono::milliseconds> sleeps;
  http_client http(quick());
  std::string error;
  const auto creds = fetch_web_identity_credentials(
      http, web_identity_params{.role_arn = "arn:aws:iam::123456789012:role/gw", .token_file = "/t", .role_session_name = ""},
      web_call(server, &sleeps),
      [](const std::string&) { return file_read_result{.state = file_read_result::status::found, .text = "jwt"}; },
      error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(sleeps.size(), 1u);
  EXPECT_TRUE(contains(server.requests().at(0), "RoleSessionName=staticgate-"));
}

TEST(web_identity_credentials, an_sts_error_and_a_missing_token_file) {
  const std::string invalid =
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bad token</Message>"
      "</Error><RequestId>r-9</RequestId></ErrorResponse>";
  scripted_server server({respond(400, invalid)});
  http_client http(quick());
  const web_identity_params params{.role_arn = "arn:aws:iam::123456789012:role/gw", .token_file = "/t", .role_session_name = "s"};
  std::string error;
  EXPECT_FALSE(fetch_web_identity_credentials(
      http, params, web_call(server),
      [](const std::string&) { return file_read_result{.state = file_read_result::status::found, .text = "jwt-secret"}; },
      error));
  EXPECT_TRUE(contains(error, "InvalidIdentityToken: bad token (HTTP 400")) << error;
  EXPECT_FALSE(contains(error, "jwt-secret"));

  EXPECT_FALSE(fetch_web_identity_credentials(
      http, params, web_call(server),
      [](const std::string&) { return file_read_result{.state = file_read_result::status::missing, .text = ""}; },
      error));
  EXPECT_EQ(error, "web identity: /t: no such file");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(assume_role_credentials, signed_with_the_source_keys) {
  scripted_server server({respond(200, sts_answer("AssumeRole", "ASIAROLE0000000001"))});
  auto source = std::make_shared<static_credential_provider>(credentials{
      .access_key_id = "AKIASOURCE", .secret_access_key = "s", .session_token = "", .expiration = std::nullopt,
      .source = "test"});
  service_client sts(sts_endpoint("eu-west-1", server.url("")), source,
                     service_client_options{.http = quick(), .retries = {}, .sleep = [](std::chrono::milliseconds) {},
                                            .random = [] { return 0.5; }});
  std::string error;
  const auto creds = fetch_assume_role_credentials(sts,
                                                   assume_role_params{.profile = "deploy",
                                                                      .role_arn = "arn:aws:iam::123456789012:role/deploy",
                                                                      .source_profile = "base",
                                                                      .credential_source = "",
                                                                      .role_session_name = "ops",
                                                                      .external_id = "ext-1",
                                                                      .mfa_serial = "",
                                                                      .duration_seconds = 900},
                                                   error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->access_key_id, "ASIAROLE0000000001");
  EXPECT_EQ(creds->source, "assumed role arn:aws:iam::123456789012:role/deploy (profile deploy)");
  const std::string request = server.requests().at(0);
  EXPECT_TRUE(contains(request, "Credential=AKIASOURCE/")) << request;
  EXPECT_TRUE(contains(request, "/eu-west-1/sts/aws4_request"));
  EXPECT_TRUE(contains(request, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole"
                                "%2Fdeploy&RoleSessionName=ops&ExternalId=ext-1&DurationSeconds=900"));
}

TEST(assume_role_credentials, access_denied_is_reported) {
  const std::string denied =
      "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message>"
      "</Error><RequestId>r-2</RequestId></ErrorResponse>";
  scripted_server server({respond(403, denied)});
  auto source = std::make_shared<static_credential_provider>(credentials{
      .access_key_id = "AKIASOURCE", .secret_access_key = "s", .session_token = "", .expiration = std::nullopt,
      .source = "test"});
  service_client sts(sts_endpoint("eu-west-1", server.url("")), source,
                     service_client_options{.http = quick(), .retries = {}, .sleep = [](std::chrono::milliseconds) {},
                                            .random = [] { return 0.5; }});
  std::string error;
  EXPECT_FALSE(fetch_assume_role_credentials(
      sts, assume_role_params{.profile = "deploy", .role_arn = "arn:aws:iam::123456789012:role/deploy",
                              .source_profile = "base", .credential_source = "", .role_session_name = "",
                              .external_id = "", .mfa_serial = "", .duration_seconds = std::nullopt},
      error));
  EXPECT_EQ(error.rfind("assume role arn:aws:iam::123456789012:role/deploy (profile deploy): AccessDenied: not allowed", 0),
            0u)
      << error;
}

}  // namespace
}  // namespace staticgate::aws

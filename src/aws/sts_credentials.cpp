#include "aws/sts_credentials.hpp"

#include "aws/aws_error.hpp"
#include "aws/query_responses.hpp"

namespace staticgate::aws {
namespace {

std::string session_name(const std::string& configured) {
  return configured.empty() ? default_role_session_name(std::chrono::system_clock::now()) : configured;
}

std::string xml_error_code(const http_response& response) {
  if (response.status >= 200 && response.status < 300) return {};
  if (const auto e = parse_aws_error(response.status, response.body)) return e->code;
  return {};
}

}  // namespace

endpoint sts_endpoint(std::string_view region, std::string_view endpoint_url) {
  return endpoint_for("sts", region.empty() ? std::string_view("us-east-1") : region, endpoint_url);
}

std::string default_role_session_name(std::chrono::system_clock::time_point now) {
  return "staticgate-" + std::to_string(std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count());
}

std::optional<credentials> fetch_web_identity_credentials(http_client& http, const web_identity_params& params,
                                                          const web_identity_call& call,
                                                          const read_file_fn& read_file, std::string& error) {
  const auto file = read_file(params.token_file);
  if (file.state != file_read_result::status::found) {
    error = "web identity: " + params.token_file + ": " +
            (file.state == file_read_result::status::missing ? std::string("no such file") : file.text);
    return std::nullopt;
  }
  std::string token = file.text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    error = "web identity: " + params.token_file + " is empty";
    return std::nullopt;
  }

  outgoing_request request{.method = "POST",
                           .url = call.sts.url + "/",
                           .headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                           .body = encode_query_body("AssumeRoleWithWebIdentity", sts_version,
                                                     {{"RoleArn", params.role_arn},
                                                      {"RoleSessionName", session_name(params.role_session_name)},
                                                      {"WebIdentityToken", token}})};
  retry_policy policy = call.retries;
  policy.is_transient_code = [standard = call.retries.is_transient_code](std::string_view code) {
    return code == "IDPCommunicationError" || (standard && standard(code));
  };
  retry_quota quota;
  const http_result result =
      send_with_retries(http, request, /*sign=*/nullptr, policy, quota, call.sleep, call.random, xml_error_code);
  const std::string where = "web identity (AssumeRoleWithWebIdentity " + params.role_arn + " at " + call.sts.url + ")";
  if (result.error) {
    error = where + ": " + std::string(to_string(*result.error)) + ": " + result.error_message;
    return std::nullopt;
  }
  if (!result.ok()) {
    error = where + ": " + to_string(aws_error_from_response(result.response.status, result.response.body));
    return std::nullopt;
  }
  auto parsed = parse_assume_role_with_web_identity(result.response.body, error);
  if (!parsed) return std::nullopt;
  parsed->creds.source = "web identity, role " + params.role_arn;
  return std::move(parsed->creds);
}

std::optional<credentials> fetch_assume_role_credentials(service_client& sts, const assume_role_params& params,
                                                         std::string& error) {
  query_params query{{"RoleArn", params.role_arn}, {"RoleSessionName", session_name(params.role_session_name)}};
  if (!params.external_id.empty()) query.emplace_back("ExternalId", params.external_id);
  if (params.duration_seconds) query.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  const call_result result = sts.call("AssumeRole", sts_version, query);
  if (!result.ok) {
    error = "assume role " + params.role_arn + " (profile " + params.profile + "): " + result.describe();
    return std::nullopt;
  }
  auto parsed = parse_assume_role(result.response.body, error);
  if (!parsed) return std::nullopt;
  parsed->creds.source = "assumed role " + params.role_arn + " (profile " + params.profile + ")";
  return std::move(parsed->creds);
}

}  // namespace staticgate::aws

#include "aws/imds_credentials.hpp"

#include "aws/credential_response.hpp"

namespace staticgate::aws {
namespace {

constexpr std::string_view credentials_path = "/latest/meta-data/iam/security-credentials/";

// "instance metadata (http://169.254.169.254): ..." for a request that got no answer or a
// status other than 200. The body is never quoted (it may hold credentials).
std::string failure(const imds_params& params, std::string_view step, const http_result& result) {
  std::string out = "instance metadata (" + params.endpoint + "): " + std::string(step) + ": ";
  if (result.error) return out + std::string(to_string(*result.error)) + ": " + result.error_message;
  return out + "HTTP " + std::to_string(result.response.status);
}

}  // namespace

std::optional<credentials> fetch_imds_credentials(http_client& http, const imds_params& params, std::string& error) {
  outgoing_request token_request{.method = "PUT",
                                 .url = params.endpoint + "/latest/api/token",
                                 .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                                 .body = {}};
  const http_result token = http.send(token_request);
  if (!token.ok() || token.response.body.empty()) {
    error = failure(params, "session token (IMDSv2)", token);
    if (token.error == network_error::timeout)
      // The usual cause: a container on the instance is one network hop further than the
      // instance's metadata hop limit (HttpPutResponseHopLimit) allows.
      error += " (from a container, the instance's metadata hop limit must be 2 or more)";
    else if (!token.error && (token.response.status == 403))
      error += " (instance metadata is disabled for this instance)";
    return std::nullopt;
  }
  const header auth{"X-aws-ec2-metadata-token", token.response.body};

  const http_result roles = http.send(outgoing_request{
      .method = "GET", .url = params.endpoint + std::string(credentials_path), .headers = {auth}, .body = {}});
  if (!roles.ok()) {
    error = failure(params, "IAM role name", roles);
    if (!roles.error && roles.response.status == 404) error += " (no instance profile is attached)";
    return std::nullopt;
  }
  std::string why;
  const auto role = parse_imds_role_name(roles.response.body, why);
  if (!role) {
    error = why;
    return std::nullopt;
  }

  const http_result answer = http.send(outgoing_request{
      .method = "GET", .url = params.endpoint + std::string(credentials_path) + *role, .headers = {auth}, .body = {}});
  if (!answer.ok()) {
    error = failure(params, "credentials of role " + *role, answer);
    return std::nullopt;
  }
  auto creds = parse_imds_credentials(answer.response.body, error);
  if (creds) creds->source = "instance metadata, role " + *role;
  return creds;
}

}  // namespace staticgate::aws

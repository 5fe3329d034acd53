#include "aws/container_credentials.hpp"

#include "aws/credential_response.hpp"

namespace staticgate::aws {

std::optional<credentials> fetch_container_credentials(http_client& http, const container_params& params,
                                                       const read_file_fn& read_file, std::string& error) {
  const auto request = make_container_request(params, read_file, error);
  if (!request) return std::nullopt;
  outgoing_request get{.method = "GET", .url = request->url, .headers = {}, .body = {}};
  if (!request->authorization.empty()) get.headers.push_back({"Authorization", request->authorization});
  // The URL is no secret (it is in the environment); the token is.
  const std::string where = "container credentials (" + request->url + ")";
  const http_result result = http.send(get);
  if (result.error) {
    error = where + ": " + std::string(to_string(*result.error)) + ": " + result.error_message;
    return std::nullopt;
  }
  if (result.response.status != 200) {
    // The agents answer errors as {"code", "message"} JSON; the parser words them.
    std::string why;
    if (!parse_container_credentials(result.response.body, why)) {
      error = where + ": HTTP " + std::to_string(result.response.status);
      if (why.find(": error ") != std::string::npos) error += ": " + why.substr(why.find(": error ") + 2);
    } else {
      error = where + ": HTTP " + std::to_string(result.response.status);
    }
    return std::nullopt;
  }
  auto creds = parse_container_credentials(result.response.body, error);
  if (!creds) {
    error = where + ": " + error;
    return std::nullopt;
  }
  creds->source = "container credentials";
  return creds;
}

}  // namespace staticgate::aws

// Test helper for tests/integration/test_sigv4_botocore.py: signs requests with
// staticgate::aws::sign so Python can compare against botocore. Reads a JSON array of requests
// on stdin and writes a JSON array of results, so one process serves hundreds of requests:
//   in:  {"method", "path", "query", "headers": [[name, value], ...], "payload",
//         "payload_hash" (optional), "access_key_id", "secret_access_key", "session_token",
//         "region", "service", "time" (Unix seconds)}
//   out: {"canonical_request", "string_to_sign", "signature", "authorization",
//         "headers_to_add": [[name, value], ...]}
#include <nlohmann/json.hpp>

#include <chrono>
#include <exception>
#include <iostream>

#include "aws/sigv4.hpp"

namespace aws = staticgate::aws;
using nlohmann::json;

namespace {

json sign_one(const json& in) {
  aws::http_request request{.method = in.at("method").get<std::string>(),
                            .path = in.at("path").get<std::string>(),
                            .query = in.value("query", ""),
                            .headers = {},
                            .payload = in.value("payload", ""),
                            .payload_hash = in.value("payload_hash", "")};
  for (const auto& h : in.at("headers")) {
    request.headers.push_back({h.at(0).get<std::string>(), h.at(1).get<std::string>()});
  }
  aws::credentials creds;
  creds.access_key_id = in.at("access_key_id").get<std::string>();
  creds.secret_access_key = in.at("secret_access_key").get<std::string>();
  creds.session_token = in.value("session_token", "");
  const auto service = in.at("service").get<std::string>();
  const aws::signing_params params{
      .region = in.at("region").get<std::string>(),
      .service = service,
      .time = std::chrono::sys_seconds{std::chrono::seconds{in.at("time").get<long long>()}},
      .options = aws::default_signing_options(service)};

  const auto result = aws::sign(request, creds, params);
  json added = json::array();
  for (const auto& h : result.headers_to_add) added.push_back({h.name, h.value});
  return {{"canonical_request", result.canonical_request},
          {"string_to_sign", result.string_to_sign},
          {"signature", result.signature},
          {"authorization", result.authorization},
          {"headers_to_add", added}};
}

}  // namespace

int main() {
  try {
    const auto requests = json::parse(std::cin);
    json results = json::array();
    for (const auto& r : requests) results.push_back(sign_one(r));
    std::cout << results.dump() << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sigv4_sign: " << e.what() << '\n';
    return 1;
  }
}

#include "aws/service_client.hpp"

#include <random>
#include <thread>

#include "aws/uri_encoding.hpp"

namespace staticgate::aws {

namespace {

// Every status not 2xx carries an AWS error document (or at least a status worth naming).
std::string xml_error_code(const http_response& response) {
  if (response.status >= 200 && response.status < 300) return {};
  if (auto e = parse_aws_error(response.status, response.body)) return e->code;
  return {};
}

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

std::string call_result::describe() const {
  std::string out = error ? to_string(*error) : (ok ? "ok" : "failed");
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out;
}

std::string encode_query_body(std::string_view action, std::string_view version, const query_params& params) {
  std::string body = "Action=" + uri_encode(action) + "&Version=" + uri_encode(version);
  for (const auto& [name, value] : params) body += "&" + uri_encode(name) + "=" + uri_encode(value);
  return body;
}

service_client::service_client(endpoint ep, std::shared_ptr<credential_provider> credentials,
                               service_client_options options)
    : endpoint_(std::move(ep)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      http_(options_.http) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!options_.random) options_.random = default_random;
}

service_client::~service_client() = default;

call_result service_client::call(std::string_view action, std::string_view version, const query_params& params) {
  outgoing_request request;
  request.method = "POST";
  request.url = endpoint_.url + "/";
  request.headers.push_back(header{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  request.body = encode_query_body(action, version, params);
  return run(request);
}

call_result service_client::send(const outgoing_request& request) { return run(request); }

namespace {

bool is_expired_token(const std::optional<aws_error>& error) {
  return error && (error->code == "ExpiredToken" || error->code == "ExpiredTokenException");
}

}  // namespace

call_result service_client::run(const outgoing_request& request) {
  call_result out = run_once(request);
  // AWS says the credentials expired although the provider thought them valid (a session
  // revoked or cut short, clock skew): fetch new ones and try once more, as the SDKs do,
  // instead of failing the call.
  if (!out.ok && is_expired_token(out.error) && credentials_) {
    credentials_->invalidate();
    const int earlier = out.attempts;
    out = run_once(request);
    out.attempts += earlier;
  }
  return out;
}

call_result service_client::run_once(const outgoing_request& request) {
  call_result out;
  std::string error;
  auto first = credentials_ ? credentials_->get(error) : std::optional<credentials>{};
  if (!first) {
    out.error = aws_error{.code = "", .message = "no AWS credentials: " + (error.empty() ? "no provider" : error),
                          .request_id = "", .type = "", .http_status = 0};
    return out;
  }
  // Each attempt asks the provider again (cheap: cached), so a retry minutes later signs with
  // refreshed credentials; if that fails the first ones are still the best there are.
  auto latest = std::make_shared<credentials>(std::move(*first));
  auto provider = credentials_;
  sign_fn sign = sigv4_signer(
      [provider, latest] {
        std::string ignored;
        if (auto fresh = provider->get(ignored)) *latest = std::move(*fresh);
        return *latest;
      },
      endpoint_.signing_region, endpoint_.signing_service);

  std::lock_guard lock(mutex_);
  http_result result =
      send_with_retries(http_, request, sign, options_.retries, quota_, options_.sleep, options_.random, xml_error_code);
  out.attempts = result.attempts;
  if (result.error) {
    out.error = aws_error{.code = "",
                          .message = std::string(to_string(*result.error)) + " calling " + endpoint_.url + ": " +
                                     result.error_message,
                          .request_id = "", .type = "", .http_status = 0};
    return out;
  }
  out.response = std::move(result.response);
  out.ok = out.response.status >= 200 && out.response.status < 300;
  if (!out.ok) out.error = aws_error_from_response(out.response.status, out.response.body);
  return out;
}

}  // namespace staticgate::aws

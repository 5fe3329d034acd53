#include "aws/lambda_runtime_protocol.hpp"

#include <algorithm>
#include <charconv>

#include "aws/http_client.hpp"

namespace staticgate::aws::lambda {

namespace {

constexpr std::string_view runtime_prefix = "/2018-06-01/runtime";

std::string base(std::string_view api) {
  std::string url = "http://";
  url += api;
  url += runtime_prefix;
  return url;
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

constexpr long long max_deadline_ms = 9'000'000'000'000;

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

invocation_result invocation_result::success(nlohmann::json body) {
  invocation_result result;
  result.ok = true;
  // Handlers may echo bytes they did not check; replace invalid UTF-8 instead of throwing.
  result.body_or_message = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return result;
}

invocation_result invocation_result::failure(std::string type, std::string message) {
  invocation_result result;
  result.ok = false;
  result.error_type = std::move(type);
  result.body_or_message = std::move(message);
  return result;
}

std::string next_invocation_url(std::string_view api) { return base(api) + "/invocation/next"; }

std::string invocation_response_url(std::string_view api, std::string_view request_id) {
  return base(api) + "/invocation/" + std::string{request_id} + "/response";
}

std::string invocation_error_url(std::string_view api, std::string_view request_id) {
  return base(api) + "/invocation/" + std::string{request_id} + "/error";
}

std::string init_error_url(std::string_view api) { return base(api) + "/init/error"; }

bool valid_runtime_api(std::string_view api) {
  std::string_view host;
  std::string_view port;
  if (api.starts_with('[')) {
    const auto close = api.find(']');
    if (close == std::string_view::npos || close + 1 >= api.size() || api[close + 1] != ':') return false;
    host = api.substr(1, close - 1);
    port = api.substr(close + 2);
    if (host.empty() || !std::ranges::all_of(host, [](char c) {
          return c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        })) {
      return false;
    }
  } else {
    const auto colon = api.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = api.substr(0, colon);
    port = api.substr(colon + 1);
    if (host.empty() || !std::ranges::all_of(host, [](char c) { return is_unreserved(c) && c != '~'; })) return false;
  }
  if (!all_digits(port) || port.size() > 5) return false;
  int number = 0;
  std::from_chars(port.data(), port.data() + port.size(), number);
  return number >= 1 && number <= 65535;
}

bool valid_request_id(std::string_view request_id) {
  return !request_id.empty() && request_id.size() <= 256 && std::ranges::all_of(request_id, is_unreserved);
}

std::optional<invocation> parse_next_invocation(const header_list& headers, std::string body,
                                                std::string& request_id, std::string& error) {
  request_id.clear();
  const header* id = find_header(headers, request_id_header);
  if (id == nullptr || id->value.empty()) {
    error = "the Runtime API's event has no " + std::string{request_id_header} + " header";
    return std::nullopt;
  }
  if (!valid_request_id(id->value)) {
    error = "the Runtime API's event has a request id with characters other than letters, digits and -._~";
    return std::nullopt;
  }
  request_id = id->value;

  const header* deadline = find_header(headers, deadline_header);
  long long deadline_ms = 0;
  // The bound keeps the nanosecond time_point from overflowing (year 2255; Lambda's are now).
  if (deadline == nullptr || !all_digits(deadline->value) ||
      std::from_chars(deadline->value.data(), deadline->value.data() + deadline->value.size(), deadline_ms).ec !=
          std::errc{} ||
      deadline_ms > max_deadline_ms) {
    error = "the Runtime API's event " + request_id + " has no valid " + std::string{deadline_header} +
            " header (Unix milliseconds)";
    return std::nullopt;
  }

  invocation result;
  result.request_id = request_id;
  result.payload = std::move(body);
  result.deadline = std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::milliseconds{deadline_ms})};
  if (const header* arn = find_header(headers, function_arn_header)) result.function_arn = arn->value;
  if (const header* trace = find_header(headers, trace_id_header)) result.trace_id = trace->value;
  return result;
}

std::string error_document(std::string_view type, std::string_view message) {
  const nlohmann::json document = {{"errorMessage", message}, {"errorType", type}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

answer_verdict classify_next_status(int status) {
  if (status == 200) return answer_verdict::accepted;
  if (status == 500) return answer_verdict::fatal;
  if (status >= 400 && status < 500) return answer_verdict::rejected;
  return answer_verdict::unexpected;
}

answer_verdict classify_post_status(int status) {
  if (status == 202) return answer_verdict::accepted;
  if (status == 500) return answer_verdict::fatal;
  if (status >= 400 && status < 500) return answer_verdict::rejected;
  return answer_verdict::unexpected;
}

std::chrono::milliseconds next_retry_delay(int retry) {
  const int exponent = std::clamp(retry - 1, 0, 4);
  return std::chrono::milliseconds{100 << exponent};
}

}  // namespace staticgate::aws::lambda

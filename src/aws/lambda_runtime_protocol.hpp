// The AWS Lambda Runtime API (version 2018-06-01) as pure functions: the request URLs, the
// invocation read from a /next answer, the error document, and what each answer status means.
// No I/O: lambda_runtime.hpp runs the loop over HTTP.
//
// The API, as the Lambda developer guide ("Using the Lambda runtime API for custom runtimes")
// and AWS's runtime interface emulator define it, at http://$AWS_LAMBDA_RUNTIME_API:
//   GET  /2018-06-01/runtime/invocation/next            200 + event; blocks until there is one
//   POST /2018-06-01/runtime/invocation/{id}/response   202; 400 unknown id; 403 wrong state;
//                                                       413 body over 6 MiB; 500 container error
//   POST /2018-06-01/runtime/invocation/{id}/error      202; 400; 403; 500
//   POST /2018-06-01/runtime/init/error                 202; 403 (after the first /next); 500
// /next answers with the headers Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms
// (Unix milliseconds), Lambda-Runtime-Invoked-Function-Arn and Lambda-Runtime-Trace-Id (the
// X-Ray header, which the runtime exports as _X_AMZN_TRACE_ID). Errors are posted as
// {"errorMessage": ..., "errorType": ...} with the type also in the
// Lambda-Runtime-Function-Error-Type header. A 500 from any call means the sandbox is broken:
// the runtime should exit promptly and let Lambda start a new one.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.hpp"

namespace staticgate::aws::lambda {

inline constexpr std::string_view request_id_header = "Lambda-Runtime-Aws-Request-Id";
inline constexpr std::string_view deadline_header = "Lambda-Runtime-Deadline-Ms";
inline constexpr std::string_view function_arn_header = "Lambda-Runtime-Invoked-Function-Arn";
inline constexpr std::string_view trace_id_header = "Lambda-Runtime-Trace-Id";
inline constexpr std::string_view error_type_header = "Lambda-Runtime-Function-Error-Type";
// The environment variable the X-Ray SDKs read the current trace header from.
inline constexpr const char* trace_id_environment = "_X_AMZN_TRACE_ID";

struct invocation {
  std::string request_id;
  std::string payload;  // the event, as Lambda delivered it (normally JSON)
  std::chrono::system_clock::time_point deadline;
  std::string function_arn;
  std::string trace_id;  // "" when the function is not traced
};

// What a handler answers. success() serialises the JSON body once, here; failure() becomes an
// error document.
struct invocation_result {
  static invocation_result success(nlohmann::json body);
  static invocation_result failure(std::string type, std::string message);
  bool ok = false;
  std::string body_or_message;  // ok: the response body; !ok: the error message
  std::string error_type;       // !ok only
};

// `api` is host:port, as in AWS_LAMBDA_RUNTIME_API.
std::string next_invocation_url(std::string_view api);
std::string invocation_response_url(std::string_view api, std::string_view request_id);
std::string invocation_error_url(std::string_view api, std::string_view request_id);
std::string init_error_url(std::string_view api);

// AWS_LAMBDA_RUNTIME_API's value: host:port or [v6]:port, nothing else (no scheme, no path,
// no spaces). Real values are "127.0.0.1:9001"; this only guards the URLs built from it.
bool valid_runtime_api(std::string_view api);

// A request id goes into URL paths: only URL-unreserved characters are accepted (Lambda's are
// UUIDs), so a hostile or broken value can never change the path.
bool valid_request_id(std::string_view request_id);

// Reads a 200 answer of /next. nullopt with `error` when the request id is missing or unsafe
// or the deadline is missing or not a number: the event cannot be answered or bounded.
// `request_id` is set whenever a usable id was found, so the caller can still post an error.
std::optional<invocation> parse_next_invocation(const header_list& headers, std::string body,
                                                std::string& request_id, std::string& error);

// {"errorMessage": message, "errorType": type}, always valid JSON (invalid UTF-8 replaced).
std::string error_document(std::string_view type, std::string_view message);

// What the runtime does after an answer of the Runtime API.
enum class answer_verdict {
  accepted,      // 200 (next) or 202 (response, error)
  rejected,      // 4xx: this request was refused (logged); the runtime goes on
  fatal,         // 500: container error, the runtime must exit
  unexpected,    // any other status: treated like a failed call
};
answer_verdict classify_next_status(int status);
answer_verdict classify_post_status(int status);

// Delay before retry `retry` (1-based) of a failed /next: 100 ms doubling, at most 1.6 s.
std::chrono::milliseconds next_retry_delay(int retry);
// A failed /next is retried this many times before the runtime exits.
inline constexpr int next_retries = 4;

}  // namespace staticgate::aws::lambda

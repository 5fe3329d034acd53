// libFuzzer target for what the Lambda Runtime API hands the runtime on /next: the response
// headers (request id, deadline, function ARN, trace id) and the event body
// (parse_next_invocation, src/aws/lambda_runtime_protocol.cpp), and the error document built
// from untrusted text (error_document). Input: "Name: value" lines, an empty line, the body.
// Besides "never crash" (ASan/UBSan), it checks:
//  - an accepted invocation has a request id that valid_request_id() accepts (it goes into
//    URL paths) and the body unchanged;
//  - a refusal always says why;
//  - error_document() is valid JSON whatever bytes the type and message hold.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/lambda_runtime_protocol.hpp"

namespace aws = staticgate::aws;

namespace {

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  aws::header_list headers;
  while (!input.empty()) {
    const auto end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.push_back(aws::header{.name = std::string(line.substr(0, colon)), .value = std::string(value)});
  }
  const std::string body(input);
  std::string request_id, error;
  auto call = aws::lambda::parse_next_invocation(headers, body, request_id, error);
  if (call) {
    check(aws::lambda::valid_request_id(call->request_id), "accepted request id is valid");
    check(call->payload == body, "body unchanged");
  } else {
    check(!error.empty(), "a refusal says why");
    check(request_id.empty() || aws::lambda::valid_request_id(request_id), "a reported id is valid");
  }
  const auto document = aws::lambda::error_document(body, std::string_view(reinterpret_cast<const char*>(data), size));
  check(nlohmann::json::accept(document), "error document is JSON");
  return 0;
}

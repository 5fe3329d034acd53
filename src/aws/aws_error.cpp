#include "aws/aws_error.hpp"

#include <algorithm>
#include <array>

#include "aws/query_xml.hpp"

namespace staticgate::aws {
namespace {

using query_xml::child;
using query_xml::local_name;
using query_xml::text;

constexpr std::array<std::string_view, 13> throttling_codes = {
    // botocore/retries/standard.py's list, without LimitExceededException (see the header).
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

constexpr std::array<std::string_view, 7> transient_codes = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "IDPCommunicationError",
};

bool contains(const auto& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

aws_error from_error_node(pugi::xml_node error_node, int http_status) {
  aws_error out;
  out.code = text(error_node, "Code");
  out.message = text(error_node, "Message");
  out.type = text(error_node, "Type");
  out.http_status = http_status;
  return out;
}

}  // namespace

std::optional<aws_error> parse_aws_error(int http_status, std::string_view body) {
  pugi::xml_document doc;
  std::string ignored;
  if (!query_xml::load(doc, body, ignored)) return std::nullopt;
  const pugi::xml_node root = doc.document_element();
  const std::string_view name = local_name(root.name());
  if (name == "ErrorResponse") {
    const pugi::xml_node error_node = child(root, "Error");
    if (!error_node) return std::nullopt;
    aws_error out = from_error_node(error_node, http_status);
    out.request_id = text(root, "RequestId");
    return out;
  }
  if (name == "Response") {
    const pugi::xml_node error_node = child(child(root, "Errors"), "Error");
    if (!error_node) return std::nullopt;
    aws_error out = from_error_node(error_node, http_status);
    out.request_id = text(root, "RequestID");
    if (out.request_id.empty()) out.request_id = text(root, "RequestId");
    return out;
  }
  if (name == "Error") {
    aws_error out = from_error_node(root, http_status);
    out.request_id = text(root, "RequestId");
    return out;
  }
  return std::nullopt;
}

aws_error aws_error_from_response(int http_status, std::string_view body) {
  auto parsed = parse_aws_error(http_status, body);
  if (parsed && (!parsed->code.empty() || !parsed->message.empty())) return std::move(*parsed);
  aws_error out = parsed ? std::move(*parsed) : aws_error{};
  out.http_status = http_status;
  out.message = "HTTP " + std::to_string(http_status) +
                (parsed ? std::string(" with an empty AWS error document")
                        : " without an AWS error document (" + std::to_string(body.size()) + " bytes)");
  return out;
}

bool is_throttling(std::string_view code) { return contains(throttling_codes, code); }

bool is_retryable(int http_status, std::string_view code) {
  if (is_throttling(code) || contains(transient_codes, code)) return true;
  switch (http_status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::string to_string(const aws_error& error) {
  std::string out = error.code.empty() ? std::string("unknown error") : error.code;
  if (!error.message.empty()) out += ": " + error.message;
  out += " (HTTP " + std::to_string(error.http_status);
  if (!error.request_id.empty()) out += ", request id " + error.request_id;
  out += ")";
  return out;
}

}  // namespace staticgate::aws

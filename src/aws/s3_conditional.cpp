#include "aws/s3_conditional.hpp"

namespace staticgate::aws {

std::string s3_key_problem(std::string_view key) {
  if (key.empty()) return "the object key is empty";
  if (key.size() > s3_max_key_bytes)
    return "the object key is " + std::to_string(key.size()) + " bytes; S3 allows at most " +
           std::to_string(s3_max_key_bytes);
  std::size_t start = 0;
  for (;;) {
    const auto end = key.find('/', start);
    const auto segment = key.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (segment == "." || segment == "..")
      return "the object key has a \"" + std::string(segment) +
             "\" path segment, which HTTP clients remove from URLs (so another key would be written)";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

header conditional_put_header(std::string_view expected_version) {
  if (expected_version.empty()) return header{.name = "If-None-Match", .value = "*"};
  return header{.name = "If-Match", .value = std::string(expected_version)};
}

s3_get_verdict classify_get(int http_status, std::string_view error_code) {
  if (http_status >= 200 && http_status < 300) return s3_get_verdict::found;
  if (http_status == 404 && error_code == "NoSuchKey") return s3_get_verdict::missing;
  return s3_get_verdict::failed;
}

discovery::save_outcome classify_conditional_put(int http_status, std::string_view error_code,
                                                 bool had_expected_version) {
  using discovery::save_outcome;
  if (http_status >= 200 && http_status < 300) return save_outcome::saved;
  if (http_status == 412) return save_outcome::conflict;  // PreconditionFailed (whatever the body says)
  if (http_status == 409 && error_code == "ConditionalRequestConflict") return save_outcome::conflict;
  // If-Match on a key deleted since it was read. A 404 NoSuchBucket stays a failure.
  if (http_status == 404 && error_code == "NoSuchKey" && had_expected_version) return save_outcome::conflict;
  return save_outcome::failed;
}

std::string s3_failure_hint(std::string_view method, int http_status, std::string_view error_code) {
  if (error_code == "NoSuchBucket") return "the bucket does not exist (or the region or endpoint is wrong)";
  if (http_status == 403 && method == "GET" && error_code == "AccessDenied")
    return "S3 also answers AccessDenied for a missing key when s3:ListBucket is not granted; grant "
           "s3:GetObject, s3:PutObject and s3:ListBucket on the state prefix";
  if (error_code == "InvalidAccessKeyId" || error_code == "SignatureDoesNotMatch")
    return "check the AWS credentials in use";
  if (error_code == "PermanentRedirect" || error_code == "AuthorizationHeaderMalformed")
    return "the bucket is in another region than the one configured";
  return {};
}

}  // namespace staticgate::aws

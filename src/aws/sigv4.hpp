// AWS Signature Version 4, header form (the Authorization header), as a pure function of the
// request, the credentials, the scope and the time: no clock, no I/O, so every step is testable
// against AWS's published suite and against botocore. The steps are exposed one by one, in the
// order sign() runs them; https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/crypto.hpp"
#include "aws/credentials.hpp"

namespace staticgate::aws {

struct header {
  std::string name;  // any case; names compare case-insensitively and may repeat
  std::string value;
  bool operator==(const header&) const = default;
};
using header_list = std::vector<header>;

inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

struct http_request {
  std::string method;
  std::string path;   // as sent on the request line, normally already percent-encoded
  std::string query;  // as sent, without the '?'
  header_list headers;  // must include Host
  std::string payload;
  // Hex SHA-256 of the payload, or unsigned_payload, when the caller has it (streamed bodies);
  // empty means "hash `payload`".
  std::string payload_hash;
};

// What differs between services. S3 signs the path exactly as sent; every other service signs
// the normalised path percent-encoded once more (so "%20" on the wire is "%2520" in the
// canonical request). AWS's test suite also has "normalize: false" cases, which are
// {normalize_path = false, encode_path = true}.
struct signing_options {
  bool normalize_path = true;
  bool encode_path = true;
  // Sign and send X-Amz-Content-SHA256. S3 requires it; it is also sent whenever the payload
  // is unsigned_payload, since the server cannot know that otherwise.
  bool content_sha256_header = false;
  // Some services (IoT) want the session token sent but left out of the signature
  // (aws-c-auth's omit_session_token).
  bool sign_session_token = true;
};

signing_options default_signing_options(std::string_view service);

struct signing_params {
  std::string region;
  std::string service;
  std::chrono::sys_seconds time;
  signing_options options;  // usually default_signing_options(service)
};

struct signed_request {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header's value
  // To add to the request as sent, replacing any of the same names (X-Amz-Date, optional
  // X-Amz-Security-Token and X-Amz-Content-SHA256, then Authorization).
  header_list headers_to_add;
};

// Input: a request with a Host header. Headers of the names sign() adds are ignored in the
// input (they are stale from an earlier attempt, as in a retry). Throws only if libcrypto fails.
signed_request sign(const http_request& request, const credentials& creds,
                    const signing_params& params);

// --- The steps, in order ---

std::string amz_date(std::chrono::sys_seconds time);     // 20150830T123600Z
std::string scope_date(std::chrono::sys_seconds time);   // 20150830
std::string credential_scope(std::chrono::sys_seconds time, std::string_view region,
                             std::string_view service);  // 20150830/us-east-1/iam/aws4_request

std::string canonical_uri(std::string_view path, const signing_options& options);
// Every name and value decoded then re-encoded, as the server does before checking (so a raw
// "a b" and a sent "a%20b" sign alike, and "%2f" becomes "%2F"), a missing '=' added, empty
// pairs ("a&&b") dropped, pairs sorted by encoded name then value.
std::string canonical_query(std::string_view query);

struct canonical_header_block {
  std::string canonical;       // "name:value\n" per name, sorted, values joined with ','
  std::string signed_headers;  // "host;x-amz-date"
};
// Leaves out headers that proxies are known to rewrite (User-Agent, Expect, X-Amzn-Trace-Id,
// as the SDKs do) and Authorization.
canonical_header_block canonical_headers(const header_list& headers);

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query,
                              const canonical_header_block& headers, std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
digest signing_key(std::string_view secret_access_key, std::string_view scope_date,
                   std::string_view region, std::string_view service);
std::string signature(const digest& key, std::string_view string_to_sign);
std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature);

}  // namespace staticgate::aws

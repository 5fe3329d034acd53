// One AWS service as staticgate calls it: the endpoint, SigV4 signing with credentials from a
// provider, the standard retry mode, and AWS errors read from the XML body. Query-protocol
// services (ELBv2, EC2, CloudWatch, STS) go through call(); S3's REST requests through send().
//
// Thread-safe: one HTTP connection per client, used under a lock (staticgate's AWS calls are
// few and sequential; parallelism would only add throttling).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/aws_error.hpp"
#include "aws/credential_provider.hpp"
#include "aws/endpoint.hpp"
#include "aws/http_client.hpp"
#include "aws/retry_policy.hpp"

namespace staticgate::aws {

struct service_client_options {
  http_client_options http;
  retry_policy retries;  // max_attempts 3, as the SDKs' standard mode
  // Injected for tests (no real sleeping, fixed jitter).
  sleep_fn sleep;    // default: std::this_thread::sleep_for
  random_fn random;  // default: uniform [0, 1)
};

// The outcome of one logical call (after retries).
struct call_result {
  bool ok = false;
  http_response response;              // the last response (status 0 if none came)
  std::optional<aws_error> error;      // !ok: what AWS said, or a network/credential failure
                                       // (code "" and a message then)
  int attempts = 0;
  std::string describe() const;        // "Throttling: Rate exceeded (HTTP 400, request id ...) after 3 attempts"
};

using query_params = std::vector<std::pair<std::string, std::string>>;

class service_client {
 public:
  // `ep` from endpoint_for(); `credentials` is shared between the clients of one process.
  service_client(endpoint ep, std::shared_ptr<credential_provider> credentials, service_client_options options = {});
  ~service_client();
  service_client(const service_client&) = delete;
  service_client& operator=(const service_client&) = delete;

  // A query-protocol call: POST / with Action, Version and the params form-encoded
  // (application/x-www-form-urlencoded; charset=utf-8), signed, retried.
  call_result call(std::string_view action, std::string_view version, const query_params& params);

  // A REST call (S3): `request.url` is complete; the body's SHA-256 goes into
  // x-amz-content-sha256, as S3 requires.
  call_result send(const outgoing_request& request);

  const endpoint& where() const { return endpoint_; }

 private:
  call_result run(const outgoing_request& request);
  call_result run_once(const outgoing_request& request);

  endpoint endpoint_;
  std::shared_ptr<credential_provider> credentials_;
  service_client_options options_;
  std::mutex mutex_;
  http_client http_;
  retry_quota quota_;
};

// application/x-www-form-urlencoded body of a query call (RFC 3986 unreserved kept, the rest
// percent-encoded, as botocore serializes).
std::string encode_query_body(std::string_view action, std::string_view version, const query_params& params);

}  // namespace staticgate::aws

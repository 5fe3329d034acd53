// A blocking HTTP client for the AWS APIs on libcurl, and the retry loop around it.
//
// http_client owns one curl easy handle, reused for every request, so connections (and TLS
// sessions, and the DNS cache) are kept alive between requests to the same endpoint. It is
// not thread-safe: one client per thread (or a lock around it). Network failures come back
// as a network_error, never as an exception; HTTP error statuses are ordinary responses.
//
// send_with_retries() runs the standard retry mode (retry_policy.hpp): every attempt starts
// from the unsigned request and is signed again (a SigV4 signature carries the time, and a
// retry may come minutes later), sleeping between attempts through the injected sleep_fn.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "aws/credentials.hpp"
#include "aws/retry_policy.hpp"
#include "aws/sigv4.hpp"

namespace staticgate::aws {

struct http_client_options {
  std::chrono::milliseconds connect_timeout{3100};  // the SDKs' usual ~3 s connect timeout
  std::chrono::milliseconds timeout{30000};         // whole request, connect included
  std::string user_agent = "staticgate";
  std::string ca_file;  // empty: the system's CA bundle
  // false: never go through a proxy, whatever http_proxy/ALL_PROXY say (local endpoints
  // such as the Lambda Runtime API).
  bool use_environment_proxy = true;
};

struct outgoing_request {
  std::string method = "GET";
  std::string url;  // http(s)://host[:port]/path?query, path and query already encoded
  header_list headers;
  std::string body;
};

struct http_response {
  int status = 0;
  header_list headers;  // of the final response, in order, names as received
  std::string body;
};

struct http_result {
  std::optional<network_error> error;  // set: no response (response is empty)
  std::string error_message;           // curl's description when error is set
  http_response response;
  int attempts = 1;                    // send_with_retries: attempts made
  retry_verdict verdict = retry_verdict::succeeded;  // send_with_retries: why it stopped
  bool ok() const { return !error && response.status >= 200 && response.status < 300; }
};

// The first header of that name (case-insensitive), or nullptr.
const header* find_header(const header_list& headers, std::string_view name);

// CURLcode -> network_error (pure; exposed for tests).
network_error network_error_from_curl(int curl_code);

class http_client {
 public:
  explicit http_client(http_client_options options = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Blocks until the response, an error or the timeout. Adds "Expect:" (no 100-continue).
  http_result send(const outgoing_request& request);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Mutates a fresh copy of the request before each attempt (adds the signature headers).
using sign_fn = std::function<void(outgoing_request&)>;
using sleep_fn = std::function<void(std::chrono::milliseconds)>;
using random_fn = std::function<double()>;  // uniform in [0, 1]
// The service's error code in a failed response ("" if none). The default reads
// x-amzn-ErrorType (JSON protocols: "ThrottlingException:http://..."); services answering
// in XML pass a parser.
using error_code_fn = std::function<std::string(const http_response&)>;
std::string error_code_from_header(const http_response& response);

http_result send_with_retries(http_client& client, const outgoing_request& request,
                              const sign_fn& sign, const retry_policy& policy, retry_quota& quota,
                              const sleep_fn& sleep, const random_fn& random,
                              const error_code_fn& error_code = error_code_from_header);

// A sign_fn for SigV4: takes the credentials and the time at each call, sets Host from the
// URL, the payload from the body, and adds the signature headers (replacing stale ones).
sign_fn sigv4_signer(std::function<credentials()> get_credentials, std::string region,
                     std::string service,
                     std::function<std::chrono::sys_seconds()> now = [] {
                       return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
                     });

}  // namespace staticgate::aws

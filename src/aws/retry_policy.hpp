// The AWS SDKs' "standard" retry mode as pure decisions: which failures are retried, how long
// to wait, and the retry quota (token bucket) that stops a client from retrying into an outage.
// No clock, no randomness, no I/O: the caller passes the random value and does the sleeping
// (http_client.hpp's send_with_retries). What is implemented, after botocore's
// retries/standard.py and the SDKs' shared retry specification:
//
//   - At most max_attempts attempts in all (default 3: the first and two retries).
//   - Retried ("transient"): network errors connect_failed, timeout and reset; HTTP 500, 502,
//     503, 504; error codes RequestTimeout, RequestTimeoutException, PriorRequestNotComplete.
//     Not retried: tls (certificate and handshake failures do not mend by themselves) and
//     other (malformed URL, out of memory, ...): retrying a configuration error only hides it.
//   - Retried ("throttling"): HTTP 429 and the SDKs' throttling error codes (Throttling,
//     ThrottlingException, RequestLimitExceeded, SlowDown, ...). The error code is given as a
//     string: whoever knows the protocol (XML, JSON, the x-amzn-ErrorType header) extracts it.
//     Both code lists are predicates in retry_policy, replaceable per service.
//   - Delay before retry number n (n = 0 for the first retry):
//       min(max_backoff, random * base_delay * 2^n), random uniform in [0, 1]
//     ("full jitter"; botocore: min(random * 2^(attempt-1), 20) seconds).
//   - Retry quota, shared by all requests of a client: 500 tokens to start; a retry takes 5
//     (10 after a timeout) and is not made when the bucket cannot pay; a success puts back
//     what its last retry took, or 1 if it needed no retry, never above the initial 500.
//     Throttling responses are charged like other retries, as in the standard mode (only the
//     legacy mode exempted them).
// Not implemented: the "adaptive" mode's client-side rate limiter, and Retry-After /
// x-amz-retry-after hints (the standard mode ignores them too).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace staticgate::aws {

// A request that got no HTTP response.
enum class network_error {
  connect_failed,  // name resolution or TCP connect failed
  timeout,         // connect or total timeout
  reset,           // connection reset or closed before a complete response
  tls,             // TLS handshake or certificate verification failed
  other,           // anything else (bad URL, out of memory, ...)
};
std::string_view to_string(network_error error);

// The SDKs' default lists.
bool is_standard_throttling_code(std::string_view error_code);
bool is_standard_transient_code(std::string_view error_code);

struct retry_policy {
  int max_attempts = 3;  // including the first; values below 1 count as 1
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  std::function<bool(std::string_view)> is_throttling_code = is_standard_throttling_code;
  std::function<bool(std::string_view)> is_transient_code = is_standard_transient_code;
};

// What one attempt came to.
struct attempt_result {
  std::optional<network_error> error;  // set when there is no response
  int status = 0;                      // HTTP status when there is one
  std::string_view error_code;         // the service's error code if any, e.g. "Throttling"
};

enum class failure_class { success, not_retryable, transient, throttling };
// 2xx is success. A response is classified by its error code first (a 400 "Throttling" is
// throttling, a 400 "RequestTimeout" transient), then by its status.
failure_class classify(const attempt_result& result, const retry_policy& policy);

// min(max_backoff, random * base_delay * 2^retry_index); random is clamped to [0, 1].
std::chrono::milliseconds backoff_delay(const retry_policy& policy, int retry_index, double random);

// The token bucket. Not synchronised: one per client, used from the client's thread.
class retry_quota {
 public:
  struct costs {
    int capacity = 500;  // initial and maximum
    int retry = 5;
    int timeout_retry = 10;
    int success_refund = 1;  // for a success that needed no retry
  };
  retry_quota() : retry_quota(costs{}) {}
  explicit retry_quota(const costs& c) : costs_(c), available_(c.capacity) {}

  int available() const { return available_; }
  // Takes the cost of a retry after this failure; returns what was taken, 0 when the bucket
  // cannot pay (then no retry is made).
  int acquire(bool after_timeout);
  // A request succeeded; last_taken is what its last retry took (0 if it made none).
  void release_on_success(int last_taken);

 private:
  costs costs_;
  int available_;
};

// Per request: what has happened so far.
struct retry_state {
  int attempts = 0;    // attempts made, including the one just classified
  int last_taken = 0;  // quota taken by the latest retry
};

enum class retry_verdict { succeeded, retry, not_retryable, attempts_exhausted, quota_exhausted };
std::string_view to_string(retry_verdict verdict);

struct retry_decision {
  retry_verdict verdict = retry_verdict::not_retryable;
  std::chrono::milliseconds delay{0};  // when verdict == retry
};

// Call after every attempt, with state.attempts already counting it. Updates the quota
// (acquire on retry, release on success) and state.last_taken. random is uniform in [0, 1].
retry_decision decide_retry(const retry_policy& policy, retry_quota& quota, retry_state& state,
                            const attempt_result& result, double random);

}  // namespace staticgate::aws

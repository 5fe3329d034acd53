#include "aws/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace staticgate::aws {

std::string_view to_string(network_error error) {
  switch (error) {
    case network_error::connect_failed: return "connect_failed";
    case network_error::timeout: return "timeout";
    case network_error::reset: return "reset";
    case network_error::tls: return "tls";
    case network_error::other: return "other";
  }
  return "unknown";
}

std::string_view to_string(retry_verdict verdict) {
  switch (verdict) {
    case retry_verdict::succeeded: return "succeeded";
    case retry_verdict::retry: return "retry";
    case retry_verdict::not_retryable: return "not_retryable";
    case retry_verdict::attempts_exhausted: return "attempts_exhausted";
    case retry_verdict::quota_exhausted: return "quota_exhausted";
  }
  return "unknown";
}

bool is_standard_throttling_code(std::string_view error_code) {
  // botocore retries/standard.py, ThrottledRetryableChecker.
  static constexpr std::array<std::string_view, 14> codes = {
      "Throttling",           "ThrottlingException",
      "ThrottledException",   "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException",
      "TransactionInProgressException", "RequestLimitExceeded",
      "BandwidthLimitExceeded", "LimitExceededException",
      "RequestThrottled",     "SlowDown",
      "PriorRequestNotComplete", "EC2ThrottledException",
  };
  return std::ranges::find(codes, error_code) != codes.end();
}

bool is_standard_transient_code(std::string_view error_code) {
  // botocore retries/standard.py, TransientRetryableChecker.
  static constexpr std::array<std::string_view, 3> codes = {
      "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"};
  return std::ranges::find(codes, error_code) != codes.end();
}

failure_class classify(const attempt_result& result, const retry_policy& policy) {
  if (result.error) {
    switch (*result.error) {
      case network_error::connect_failed:
      case network_error::timeout:
      case network_error::reset:
        return failure_class::transient;
      case network_error::tls:
      case network_error::other:
        return failure_class::not_retryable;
    }
    return failure_class::not_retryable;
  }
  if (result.status >= 200 && result.status < 300) return failure_class::success;
  if (!result.error_code.empty()) {
    if (policy.is_throttling_code && policy.is_throttling_code(result.error_code)) {
      return failure_class::throttling;
    }
    if (policy.is_transient_code && policy.is_transient_code(result.error_code)) {
      return failure_class::transient;
    }
  }
  if (result.status == 429) return failure_class::throttling;
  if (result.status == 500 || result.status == 502 || result.status == 503 || result.status == 504) {
    return failure_class::transient;
  }
  return failure_class::not_retryable;
}

std::chrono::milliseconds backoff_delay(const retry_policy& policy, int retry_index, double random) {
  const double r = std::isnan(random) ? 0.0 : std::clamp(random, 0.0, 1.0);
  const double max_ms = static_cast<double>(std::max<std::int64_t>(policy.max_backoff.count(), 0));
  // 2^62 ms is beyond any max_backoff; clamping the exponent keeps the arithmetic finite.
  const int exponent = std::clamp(retry_index, 0, 62);
  const double ms = r * static_cast<double>(policy.base_delay.count()) * std::ldexp(1.0, exponent);
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::min(ms, max_ms))};
}

int retry_quota::acquire(bool after_timeout) {
  const int cost = after_timeout ? costs_.timeout_retry : costs_.retry;
  if (cost > available_) return 0;
  available_ -= cost;
  return cost;
}

void retry_quota::release_on_success(int last_taken) {
  const int refund = last_taken > 0 ? last_taken : costs_.success_refund;
  available_ = std::min(costs_.capacity, available_ + refund);
}

retry_decision decide_retry(const retry_policy& policy, retry_quota& quota, retry_state& state,
                            const attempt_result& result, double random) {
  retry_decision decision;
  switch (classify(result, policy)) {
    case failure_class::success:
      quota.release_on_success(state.last_taken);
      decision.verdict = retry_verdict::succeeded;
      return decision;
    case failure_class::not_retryable:
      decision.verdict = retry_verdict::not_retryable;
      return decision;
    case failure_class::transient:
    case failure_class::throttling:
      break;
  }
  if (state.attempts >= std::max(policy.max_attempts, 1)) {
    decision.verdict = retry_verdict::attempts_exhausted;
    return decision;
  }
  const int taken = quota.acquire(result.error == network_error::timeout);
  if (taken == 0) {
    decision.verdict = retry_verdict::quota_exhausted;
    return decision;
  }
  state.last_taken = taken;
  decision.verdict = retry_verdict::retry;
  decision.delay = backoff_delay(policy, state.attempts - 1, random);
  return decision;
}

}  // namespace staticgate::aws

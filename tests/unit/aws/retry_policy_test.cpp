// The standard retry mode's decisions: classification, full-jitter backoff, the retry quota.
#include "aws/retry_policy.hpp"

#include <gtest/gtest.h>

namespace aws = staticgate::aws;
using namespace std::chrono_literals;

namespace {

aws::attempt_result status(int code, std::string_view error_code = {}) {
  aws::attempt_result r;
  r.status = code;
  r.error_code = error_code;
  return r;
}

aws::attempt_result net(aws::network_error e) {
  aws::attempt_result r;
  r.error = e;
  return r;
}

}  // namespace

TEST(RetryClassify, SuccessAndPlainErrors) {
  const aws::retry_policy p;
  EXPECT_EQ(aws::classify(status(200), p), aws::failure_class::success);
  EXPECT_EQ(aws::classify(status(204), p), aws::failure_class::success);
  EXPECT_EQ(aws::classify(status(400), p), aws::failure_class::not_retryable);
  EXPECT_EQ(aws::classify(status(403, "AccessDenied"), p), aws::failure_class::not_retryable);
  EXPECT_EQ(aws::classify(status(404), p), aws::failure_class::not_retryable);
  EXPECT_EQ(aws::classify(status(501), p), aws::failure_class::not_retryable);
  EXPECT_EQ(aws::classify(status(301), p), aws::failure_class::not_retryable);
}

TEST(RetryClassify, TransientStatusesAndCodes) {
  const aws::retry_policy p;
  for (int s : {500, 502, 503, 504}) EXPECT_EQ(aws::classify(status(s), p), aws::failure_class::transient) << s;
  EXPECT_EQ(aws::classify(status(400, "RequestTimeout"), p), aws::failure_class::transient);
  EXPECT_EQ(aws::classify(status(400, "RequestTimeoutException"), p), aws::failure_class::transient);
}

TEST(RetryClassify, Throttling) {
  const aws::retry_policy p;
  EXPECT_EQ(aws::classify(status(429), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(400, "Throttling"), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(400, "ThrottlingException"), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(503, "RequestLimitExceeded"), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(503, "SlowDown"), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(400, "EC2ThrottledException"), p), aws::failure_class::throttling);
  EXPECT_FALSE(aws::is_standard_throttling_code("throttling"));  // codes are case-sensitive
}

TEST(RetryClassify, ThrottlingPredicateIsReplaceable) {
  aws::retry_policy p;
  p.is_throttling_code = [](std::string_view code) { return code == "Busy"; };
  EXPECT_EQ(aws::classify(status(400, "Busy"), p), aws::failure_class::throttling);
  EXPECT_EQ(aws::classify(status(400, "Throttling"), p), aws::failure_class::not_retryable);
}

TEST(RetryClassify, NetworkErrors) {
  const aws::retry_policy p;
  EXPECT_EQ(aws::classify(net(aws::network_error::connect_failed), p), aws::failure_class::transient);
  EXPECT_EQ(aws::classify(net(aws::network_error::timeout), p), aws::failure_class::transient);
  EXPECT_EQ(aws::classify(net(aws::network_error::reset), p), aws::failure_class::transient);
  EXPECT_EQ(aws::classify(net(aws::network_error::tls), p), aws::failure_class::not_retryable);
  EXPECT_EQ(aws::classify(net(aws::network_error::other), p), aws::failure_class::not_retryable);
}

TEST(RetryBackoff, FullJitterExponentialCapped) {
  const aws::retry_policy p;
  EXPECT_EQ(aws::backoff_delay(p, 0, 1.0), 1000ms);
  EXPECT_EQ(aws::backoff_delay(p, 1, 1.0), 2000ms);
  EXPECT_EQ(aws::backoff_delay(p, 2, 0.5), 2000ms);
  EXPECT_EQ(aws::backoff_delay(p, 3, 0.25), 2000ms);
  EXPECT_EQ(aws::backoff_delay(p, 4, 1.0), 16000ms);
  EXPECT_EQ(aws::backoff_delay(p, 5, 1.0), 20000ms);  // 32 s capped at max_backoff
  EXPECT_EQ(aws::backoff_delay(p, 1000, 1.0), 20000ms);
  EXPECT_EQ(aws::backoff_delay(p, 3, 0.0), 0ms);
  EXPECT_EQ(aws::backoff_delay(p, 0, 7.0), 1000ms);  // random clamped
  EXPECT_EQ(aws::backoff_delay(p, 0, -1.0), 0ms);
}

TEST(RetryQuota, TakesAndRefunds) {
  aws::retry_quota q;
  EXPECT_EQ(q.available(), 500);
  EXPECT_EQ(q.acquire(false), 5);
  EXPECT_EQ(q.acquire(true), 10);
  EXPECT_EQ(q.available(), 485);
  q.release_on_success(10);
  EXPECT_EQ(q.available(), 495);
  q.release_on_success(0);
  EXPECT_EQ(q.available(), 496);
  q.release_on_success(0);
  q.release_on_success(0);
  q.release_on_success(0);
  q.release_on_success(0);
  q.release_on_success(0);
  EXPECT_EQ(q.available(), 500);  // never above capacity
}

TEST(RetryQuota, EmptiesAfterAHundredRetries) {
  aws::retry_quota q;
  for (int i = 0; i < 100; ++i) ASSERT_EQ(q.acquire(false), 5);
  EXPECT_EQ(q.acquire(false), 0);
  EXPECT_EQ(q.available(), 0);
}

TEST(RetryDecide, RetriesThenExhaustsAttempts) {
  const aws::retry_policy p;
  aws::retry_quota q;
  aws::retry_state st;
  st.attempts = 1;
  auto d = aws::decide_retry(p, q, st, status(503), 0.5);
  EXPECT_EQ(d.verdict, aws::retry_verdict::retry);
  EXPECT_EQ(d.delay, 500ms);
  EXPECT_EQ(q.available(), 495);
  st.attempts = 2;
  d = aws::decide_retry(p, q, st, net(aws::network_error::timeout), 0.5);
  EXPECT_EQ(d.verdict, aws::retry_verdict::retry);
  EXPECT_EQ(d.delay, 1000ms);
  EXPECT_EQ(q.available(), 485);
  EXPECT_EQ(st.last_taken, 10);
  st.attempts = 3;
  d = aws::decide_retry(p, q, st, status(503), 0.5);
  EXPECT_EQ(d.verdict, aws::retry_verdict::attempts_exhausted);
  EXPECT_EQ(q.available(), 485);
}

TEST(RetryDecide, SuccessRefundsTheLastRetry) {
  const aws::retry_policy p;
  aws::retry_quota q;
  aws::retry_state st;
  st.attempts = 1;
  ASSERT_EQ(aws::decide_retry(p, q, st, status(429), 0.0).verdict, aws::retry_verdict::retry);
  EXPECT_EQ(q.available(), 495);
  st.attempts = 2;
  EXPECT_EQ(aws::decide_retry(p, q, st, status(200), 0.0).verdict, aws::retry_verdict::succeeded);
  EXPECT_EQ(q.available(), 500);
}

TEST(RetryDecide, NotRetryableAndQuotaExhausted) {
  aws::retry_policy p;
  p.max_attempts = 10;
  aws::retry_quota::costs c;
  c.capacity = 12;
  aws::retry_quota q{c};
  aws::retry_state st;
  st.attempts = 1;
  EXPECT_EQ(aws::decide_retry(p, q, st, status(403), 0.0).verdict, aws::retry_verdict::not_retryable);
  EXPECT_EQ(aws::decide_retry(p, q, st, net(aws::network_error::tls), 0.0).verdict,
            aws::retry_verdict::not_retryable);
  EXPECT_EQ(aws::decide_retry(p, q, st, status(500), 0.0).verdict, aws::retry_verdict::retry);
  st.attempts = 2;
  EXPECT_EQ(aws::decide_retry(p, q, st, net(aws::network_error::timeout), 0.0).verdict,
            aws::retry_verdict::quota_exhausted);  // 7 left, a timeout retry costs 10
  EXPECT_EQ(aws::decide_retry(p, q, st, status(500), 0.0).verdict, aws::retry_verdict::retry);
  EXPECT_EQ(q.available(), 2);
}

TEST(RetryDecide, MaxAttemptsOneMeansNoRetry) {
  aws::retry_policy p;
  p.max_attempts = 1;
  aws::retry_quota q;
  aws::retry_state st;
  st.attempts = 1;
  EXPECT_EQ(aws::decide_retry(p, q, st, status(503), 0.0).verdict, aws::retry_verdict::attempts_exhausted);
}

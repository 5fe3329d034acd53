#include "aws/credential_refresh.hpp"

#include <algorithm>

namespace staticgate::aws {
namespace {

using clock = std::chrono::system_clock;

std::chrono::seconds jittered(std::chrono::seconds base, std::chrono::seconds spread, double jitter) {
  jitter = jitter >= 0.0 ? std::min(jitter, 1.0) : 0.0;  // NaN fails every comparison: 0
  return base + std::chrono::seconds(static_cast<std::chrono::seconds::rep>(static_cast<double>(spread.count()) * jitter));
}

}  // namespace

refresh_need refresh_needed(const credentials& creds, clock::time_point now, double jitter, const refresh_policy& policy) {
  if (!creds.expiration) return refresh_need::none;
  const auto expiration = *creds.expiration;
  if (now >= expiration) return refresh_need::expired;
  if (now >= expiration - policy.mandatory) return refresh_need::mandatory;
  if (now >= refresh_at(creds, jitter, policy)) return refresh_need::advisory;
  return refresh_need::none;
}

clock::time_point refresh_at(const credentials& creds, double jitter, const refresh_policy& policy) {
  if (!creds.expiration) return clock::time_point::max();
  return *creds.expiration - jittered(policy.advisory, policy.advisory_jitter, jitter);
}

clock::time_point retry_after(const credentials& creds, clock::time_point now, double jitter,
                              const refresh_policy& policy) {
  auto next = now + jittered(policy.retry, policy.retry, jitter);
  if (creds.expiration) next = std::min(next, *creds.expiration - policy.mandatory);
  return std::max(next, now);
}

}  // namespace staticgate::aws

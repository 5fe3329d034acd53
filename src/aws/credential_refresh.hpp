// When temporary credentials should be fetched again: a pure rule of the expiration, the time
// and a jitter value the caller draws (uniform in [0, 1)), so it is testable and a fleet of
// gateways started together does not refresh in the same second.
//
// Windows before the expiration (defaults; the same for every provider):
//   - advisory, 15 minutes + jitter * 5 minutes: start a refresh, keep signing with the current
//     credentials meanwhile and if it fails. 15 minutes is botocore's and the Java SDK's
//     advisory window; it leaves ten minutes of retries before anything is at stake.
//   - mandatory, 5 minutes: refresh before signing. If that fails the current credentials may
//     still be used (they are valid a few minutes more) but the failure is an error to report.
//     5 minutes because instance metadata promises new credentials "at least five minutes
//     before the expiration of the old ones": an instance-metadata refresh in the advisory
//     window may legitimately return the same credentials, one in the mandatory window cannot.
//     (botocore uses 10 minutes and then tolerates getting the old credentials back.)
//   - expired: never sign with them; a refresh must succeed first.
// A refresh that brought no newer expiration (instance metadata in the advisory window) is
// not a failure: retry_after() says when to try again.
#pragma once

#include <chrono>

#include "aws/credentials.hpp"

namespace staticgate::aws {

struct refresh_policy {
  std::chrono::seconds advisory{15 * 60};
  std::chrono::seconds advisory_jitter{5 * 60};  // the advisory window grows by jitter * this
  std::chrono::seconds mandatory{5 * 60};
  std::chrono::seconds retry{60};  // between attempts in the advisory window, also jittered
};

enum class refresh_need { none, advisory, mandatory, expired };

// Long-term credentials (no expiration) never need a refresh. jitter outside [0, 1] is clamped.
refresh_need refresh_needed(const credentials& creds, std::chrono::system_clock::time_point now,
                            double jitter, const refresh_policy& policy = {});

// When the advisory window starts for these credentials (time_point::max() for long-term
// ones): the caller can sleep until then instead of polling.
std::chrono::system_clock::time_point refresh_at(const credentials& creds, double jitter,
                                                 const refresh_policy& policy = {});

// When to try again after an advisory refresh failed or returned no newer credentials:
// now + retry * (1 + jitter), but not later than the start of the mandatory window (and not
// before now).
std::chrono::system_clock::time_point retry_after(const credentials& creds, std::chrono::system_clock::time_point now,
                                                  double jitter, const refresh_policy& policy = {});

}  // namespace staticgate::aws

// The health of one target as a pure state machine: probe results and what real
// traffic saw go in, the current status and a record of each change come out.
// No clock, no I/O and no locks, so every rule below is unit-tested by feeding
// events; the checker that owns the timers and the probes calls it from the
// main thread (Envoy's shape: workers only see the resulting eligible sets).
//
// Rules, in one place:
//   - healthy -> unhealthy after `unhealthy_threshold` consecutive failed probes,
//     or at once after `passive_failures` consecutive connection failures that
//     real traffic reported (0 turns passive detection off).
//   - unhealthy -> healthy only after `healthy_threshold` consecutive successful
//     probes. Real traffic never brings a target back: under fail-open every
//     target gets traffic, and "some connections worked" is weaker evidence than
//     the configured check passing N times in a row.
//   - Until the first probe result (and no transition yet), the status is only
//     assumed (`start_healthy`), and that first result decides on its own:
//     a target assumed healthy goes down on its first failed probe, one assumed
//     unhealthy comes up on its first successful probe. This is HAProxy's
//     init-state "up"/"down" and Envoy's "one success at startup" rule; without
//     it a restart with start_healthy = false would keep every target out for
//     healthy_threshold intervals, and one with start_healthy = true would keep
//     sending traffic to a dead target for unhealthy_threshold intervals.
//   - Probe counters and the passive counter are separate: a passed probe resets
//     the passive counter (it was a connection that worked), but a connection
//     that real traffic completed does not reset probe failures (a broken HTTP
//     health endpoint is not fixed by TCP connections succeeding).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace staticgate::health {

enum class health_status : std::uint8_t { healthy, unhealthy };

// Why one probe failed. Connect and I/O details (errno, status code) stay with
// the probe's caller, which has them at hand when it reports the failure.
enum class probe_failure : std::uint8_t {
  connect_failed,      // refused, unreachable, ... before the connection was up
  timed_out,           // no verdict within the check timeout
  io_error,            // read/write failed after connecting (e.g. reset)
  closed_early,        // the peer closed before a complete answer
  malformed_response,  // not an HTTP/1.x status line
  response_too_long,   // no verdict within the byte budget (endless line, huge 1xx headers)
  unexpected_status,   // a valid status line with a status outside the accepted set
};

enum class transition_cause : std::uint8_t {
  probes_succeeded,  // consecutive successful probes reached healthy_threshold (or the first probe)
  probes_failed,     // consecutive failed probes reached unhealthy_threshold (or the first probe)
  passive_failures,  // consecutive connection failures of real traffic reached passive_failures
};

struct health_options {
  // 3/3: a dead target is out within three intervals (sooner through passive
  // failures), and one lost probe packet never flips a target either way.
  std::uint32_t healthy_threshold = 3;    // >= 1
  std::uint32_t unhealthy_threshold = 3;  // >= 1
  // 5, not 2: only connect failures count and the count is consecutive (any
  // connection that works resets it), so 5 in a row is strong evidence, and at
  // real traffic rates it costs milliseconds more than 2. A threshold of 2
  // would eject a healthy target on one brief SYN-backlog overflow during a
  // burst, and it would then stay out for healthy_threshold intervals. Envoy's
  // consecutive_local_origin_failure defaults to 5 for the same reason.
  std::uint32_t passive_failures = 5;  // 0: off
  // HAProxy's default (up) rather than NLB's (initial, no traffic): a restart
  // of the balancer must not take capacity away, connect retries hide a dead
  // target from clients meanwhile, and the first probe result decides anyway
  // (see above). The alternative under fail-open would send *all* traffic to
  // whichever target passes its first probe first.
  bool start_healthy = true;
};

// Error text for options the state machine cannot work with, or nullopt.
std::optional<std::string> validate(const health_options& options);

struct health_transition {
  health_status from;
  health_status to;
  transition_cause cause;
  // How many consecutive events tipped it: the threshold, or 1 for the first probe.
  std::uint32_t consecutive;
  // The probe failure that tipped it, for cause == probes_failed.
  std::optional<probe_failure> last_failure;
  // Decided by the first probe result alone, the status before being assumed.
  bool first_probe = false;
};

// One target. Copyable and assignable so the checker can keep a vector of them
// and carry a target's state across a configuration reload.
class health_state {
 public:
  // Throws std::invalid_argument when validate(options) reports a problem
  // (config time only).
  explicit health_state(const health_options& options = {});

  // Each returns the transition it caused, if any, for the caller to log,
  // count and publish.
  std::optional<health_transition> probe_succeeded();
  std::optional<health_transition> probe_failed(probe_failure reason);
  // A connection from real traffic to this target could not be established.
  std::optional<health_transition> passive_failure();
  // A connection from real traffic to this target was established.
  void passive_success();

  health_status status() const { return status_; }
  bool healthy() const { return status_ == health_status::healthy; }
  // True until the first probe result or the first transition (see above).
  bool provisional() const { return provisional_; }
  std::uint32_t consecutive_successes() const { return successes_; }
  std::uint32_t consecutive_failures() const { return failures_; }
  std::uint32_t consecutive_passive_failures() const { return passive_failures_; }
  const health_options& options() const { return options_; }

  // Continues from a known status (after a reload): not provisional, counters
  // at zero, this state's own (possibly new) thresholds.
  void assume(health_status status) {
    status_ = status;
    provisional_ = false;
    successes_ = failures_ = passive_failures_ = 0;
  }

 private:
  health_transition change_to(health_status to, transition_cause cause, std::uint32_t consecutive,
                              std::optional<probe_failure> last_failure, bool first_probe);

  // Not const, so the type stays assignable; never changed after construction.
  health_options options_;
  health_status status_;
  bool provisional_ = true;
  std::uint32_t successes_ = 0;
  std::uint32_t failures_ = 0;
  std::uint32_t passive_failures_ = 0;
};

// Which targets of a group may receive new connections: the healthy ones; and
// when none is healthy and fail_open is set, all of them (NLB's behaviour: when
// every check fails the likelier culprit is the check or the network path to
// it, and refusing all traffic would turn that into a certain outage).
// eligible[i] lines up with target i, ready for lb::balancer::pick().
struct eligibility {
  std::vector<bool> eligible;
  std::size_t healthy_count = 0;
  bool failed_open = false;  // no target is healthy and all are eligible anyway
};

inline constexpr bool default_fail_open = true;

eligibility select_eligible(std::span<const health_status> states, bool fail_open);
eligibility select_eligible(std::span<const health_state> states, bool fail_open);

std::string_view to_string(health_status status);
std::string_view to_string(probe_failure reason);
std::string_view to_string(transition_cause cause);
// One line for the log, e.g. "healthy -> unhealthy: 3 consecutive failed probes (last: timed out)".
std::string describe(const health_transition& transition);

}  // namespace staticgate::health

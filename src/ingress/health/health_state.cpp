#include "ingress/health/health_state.hpp"

#include <limits>
#include <stdexcept>

namespace staticgate::health {
namespace {

// Counters saturate instead of wrapping, so a target probed for centuries does
// not suddenly look like it has zero successes.
void bump(std::uint32_t& counter) {
  if (counter != std::numeric_limits<std::uint32_t>::max()) ++counter;
}

}  // namespace

std::optional<std::string> validate(const health_options& options) {
  if (options.healthy_threshold == 0) return "healthy_threshold must be at least 1";
  if (options.unhealthy_threshold == 0) return "unhealthy_threshold must be at least 1";
  return std::nullopt;
}

health_state::health_state(const health_options& options)
    : options_(options),
      status_(options.start_healthy ? health_status::healthy : health_status::unhealthy) {
  if (auto error = validate(options)) throw std::invalid_argument("health_state: " + *error);
}

health_transition health_state::change_to(health_status to, transition_cause cause,
                                          std::uint32_t consecutive,
                                          std::optional<probe_failure> last_failure, bool first_probe) {
  const health_transition t{.from = status_,
                            .to = to,
                            .cause = cause,
                            .consecutive = consecutive,
                            .last_failure = last_failure,
                            .first_probe = first_probe};
  status_ = to;
  provisional_ = false;
  // Every count starts again from the new status, so the way back always takes
  // a full threshold of fresh evidence (in particular, successes counted while
  // healthy must not let a target that passive failures just took out straight
  // back in on its next probe).
  successes_ = 0;
  failures_ = 0;
  passive_failures_ = 0;
  return t;
}

std::optional<health_transition> health_state::probe_succeeded() {
  const bool first = provisional_;
  provisional_ = false;
  failures_ = 0;
  passive_failures_ = 0;  // the probe's connection worked, so failures are no longer consecutive
  bump(successes_);
  if (status_ == health_status::unhealthy && (first || successes_ >= options_.healthy_threshold))
    return change_to(health_status::healthy, transition_cause::probes_succeeded, successes_,
                     std::nullopt, first);
  return std::nullopt;
}

std::optional<health_transition> health_state::probe_failed(probe_failure reason) {
  const bool first = provisional_;
  provisional_ = false;
  successes_ = 0;
  bump(failures_);
  if (status_ == health_status::healthy && (first || failures_ >= options_.unhealthy_threshold))
    return change_to(health_status::unhealthy, transition_cause::probes_failed, failures_,
                     reason, first);
  return std::nullopt;
}

std::optional<health_transition> health_state::passive_failure() {
  if (options_.passive_failures == 0) return std::nullopt;
  bump(passive_failures_);
  if (status_ == health_status::unhealthy) {
    // Real traffic reaches an unhealthy target only through fail-open or a
    // connect that started before it went down; either way a failure means the
    // recovery streak is not a streak of a working target.
    successes_ = 0;
    return std::nullopt;
  }
  if (passive_failures_ >= options_.passive_failures)
    return change_to(health_status::unhealthy, transition_cause::passive_failures, passive_failures_,
                     std::nullopt, false);
  return std::nullopt;
}

void health_state::passive_success() { passive_failures_ = 0; }

eligibility select_eligible(std::span<const health_status> states, bool fail_open) {
  eligibility out;
  out.eligible.resize(states.size(), false);
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i] == health_status::healthy) {
      out.eligible[i] = true;
      ++out.healthy_count;
    }
  }
  if (out.healthy_count == 0 && fail_open && !states.empty()) {
    out.eligible.assign(states.size(), true);
    out.failed_open = true;
  }
  return out;
}

eligibility select_eligible(std::span<const health_state> states, bool fail_open) {
  std::vector<health_status> statuses;
  statuses.reserve(states.size());
  for (const auto& s : states) statuses.push_back(s.status());
  return select_eligible(std::span<const health_status>(statuses), fail_open);
}

std::string_view to_string(health_status status) {
  switch (status) {
    case health_status::healthy: return "healthy";
    case health_status::unhealthy: return "unhealthy";
  }
  return "?";
}

std::string_view to_string(probe_failure reason) {
  switch (reason) {
    case probe_failure::connect_failed: return "connect failed";
    case probe_failure::timed_out: return "timed out";
    case probe_failure::io_error: return "I/O error";
    case probe_failure::closed_early: return "closed before a complete response";
    case probe_failure::malformed_response: return "malformed response";
    case probe_failure::response_too_long: return "response too long";
    case probe_failure::unexpected_status: return "unexpected status";
  }
  return "?";
}

std::string_view to_string(transition_cause cause) {
  switch (cause) {
    case transition_cause::probes_succeeded: return "successful probes";
    case transition_cause::probes_failed: return "failed probes";
    case transition_cause::passive_failures: return "failed connections from traffic";
  }
  return "?";
}

std::string describe(const health_transition& t) {
  std::string out;
  out += to_string(t.from);
  out += " -> ";
  out += to_string(t.to);
  out += ": ";
  if (t.first_probe) {
    out += t.cause == transition_cause::probes_succeeded ? "first probe succeeded" : "first probe failed";
  } else {
    out += std::to_string(t.consecutive);
    out += " consecutive ";
    out += to_string(t.cause);
  }
  if (t.last_failure) {
    out += " (last: ";
    out += to_string(*t.last_failure);
    out += ')';
  }
  return out;
}

}  // namespace staticgate::health

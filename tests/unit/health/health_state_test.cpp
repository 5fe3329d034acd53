#include "ingress/health/health_state.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace staticgate::health {
namespace {

health_options opts(std::uint32_t healthy, std::uint32_t unhealthy, std::uint32_t passive, bool start_healthy = true) {
  return health_options{.healthy_threshold = healthy,
                        .unhealthy_threshold = unhealthy,
                        .passive_failures = passive,
                        .start_healthy = start_healthy};
}

// A healthy target that has left its provisional start (so thresholds apply).
health_state settled_healthy(const health_options& o) {
  health_state s(o);
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.healthy());
  EXPECT_FALSE(s.provisional());
  return s;
}

health_state settled_unhealthy(const health_options& o) {
  health_state s = settled_healthy(o);
  for (std::uint32_t i = 0; i < o.unhealthy_threshold; ++i) s.probe_failed(probe_failure::timed_out);
  EXPECT_FALSE(s.healthy());
  return s;
}

TEST(health_state, defaults_are_documented_values) {
  const health_options o;
  EXPECT_EQ(o.healthy_threshold, 3u);
  EXPECT_EQ(o.unhealthy_threshold, 3u);
  EXPECT_EQ(o.passive_failures, 5u);
  EXPECT_TRUE(o.start_healthy);
  EXPECT_TRUE(default_fail_open);
  const health_state s;
  EXPECT_TRUE(s.healthy());
  EXPECT_TRUE(s.provisional());
}

TEST(health_state, zero_thresholds_are_rejected) {
  EXPECT_TRUE(validate(opts(0, 3, 5)).has_value());
  EXPECT_TRUE(validate(opts(3, 0, 5)).has_value());
  EXPECT_FALSE(validate(opts(1, 1, 0)).has_value());
  EXPECT_THROW(health_state(opts(0, 3, 5)), std::invalid_argument);
  EXPECT_THROW(health_state(opts(3, 0, 5)), std::invalid_argument);
}

TEST(health_state, exactly_unhealthy_threshold_failures_flip) {
  for (std::uint32_t n = 1; n <= 6; ++n) {
    auto s = settled_healthy(opts(3, n, 0));
    for (std::uint32_t i = 1; i < n; ++i) {
      EXPECT_FALSE(s.probe_failed(probe_failure::connect_failed).has_value()) << "n=" << n << " i=" << i;
      EXPECT_TRUE(s.healthy());
    }
    const auto t = s.probe_failed(probe_failure::unexpected_status);
    ASSERT_TRUE(t.has_value()) << "n=" << n;
    EXPECT_EQ(t->from, health_status::healthy);
    EXPECT_EQ(t->to, health_status::unhealthy);
    EXPECT_EQ(t->cause, transition_cause::probes_failed);
    EXPECT_EQ(t->consecutive, n);
    EXPECT_EQ(t->last_failure, probe_failure::unexpected_status);
    EXPECT_FALSE(t->first_probe);
    EXPECT_EQ(s.status(), health_status::unhealthy);
    // Further failures report nothing new.
    EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
  }
}

TEST(health_state, a_success_resets_the_failure_count) {
  auto s = settled_healthy(opts(3, 3, 0));
  for (int round = 0; round < 10; ++round) {
    EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
    EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
    EXPECT_EQ(s.consecutive_failures(), 2u);
    EXPECT_FALSE(s.probe_succeeded().has_value());
    EXPECT_EQ(s.consecutive_failures(), 0u);
  }
  EXPECT_TRUE(s.healthy());
}

TEST(health_state, recovery_needs_exactly_healthy_threshold_successes) {
  for (std::uint32_t n = 1; n <= 6; ++n) {
    auto s = settled_unhealthy(opts(n, 2, 0));
    for (std::uint32_t i = 1; i < n; ++i) {
      EXPECT_FALSE(s.probe_succeeded().has_value()) << "n=" << n << " i=" << i;
      EXPECT_FALSE(s.healthy());
    }
    const auto t = s.probe_succeeded();
    ASSERT_TRUE(t.has_value()) << "n=" << n;
    EXPECT_EQ(t->from, health_status::unhealthy);
    EXPECT_EQ(t->to, health_status::healthy);
    EXPECT_EQ(t->cause, transition_cause::probes_succeeded);
    EXPECT_EQ(t->consecutive, n);
    EXPECT_FALSE(t->last_failure.has_value());
    EXPECT_TRUE(s.healthy());
  }
}

TEST(health_state, a_failure_restarts_recovery) {
  auto s = settled_unhealthy(opts(3, 3, 0));
  s.probe_succeeded();
  s.probe_succeeded();
  s.probe_failed(probe_failure::timed_out);
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.healthy());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, passive_failures_mark_unhealthy_at_once) {
  auto s = settled_healthy(opts(3, 3, 2));
  EXPECT_FALSE(s.passive_failure().has_value());
  EXPECT_TRUE(s.healthy());
  const auto t = s.passive_failure();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, health_status::healthy);
  EXPECT_EQ(t->to, health_status::unhealthy);
  EXPECT_EQ(t->cause, transition_cause::passive_failures);
  EXPECT_EQ(t->consecutive, 2u);
  EXPECT_FALSE(t->last_failure.has_value());
  EXPECT_FALSE(s.healthy());
}

TEST(health_state, passive_success_resets_the_passive_count) {
  auto s = settled_healthy(opts(3, 3, 3));
  for (int round = 0; round < 10; ++round) {
    EXPECT_FALSE(s.passive_failure().has_value());
    EXPECT_FALSE(s.passive_failure().has_value());
    s.passive_success();
    EXPECT_EQ(s.consecutive_passive_failures(), 0u);
  }
  EXPECT_TRUE(s.healthy());
}

TEST(health_state, passive_detection_off_with_zero) {
  auto s = settled_healthy(opts(3, 3, 0));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(s.passive_failure().has_value());
  EXPECT_TRUE(s.healthy());
  EXPECT_EQ(s.consecutive_passive_failures(), 0u);
}

TEST(health_state, a_passed_probe_breaks_a_run_of_passive_failures) {
  auto s = settled_healthy(opts(3, 3, 3));
  s.passive_failure();
  s.passive_failure();
  s.probe_succeeded();
  EXPECT_FALSE(s.passive_failure().has_value());
  EXPECT_FALSE(s.passive_failure().has_value());
  EXPECT_TRUE(s.passive_failure().has_value());
}

TEST(health_state, traffic_success_does_not_excuse_failed_probes) {
  auto s = settled_healthy(opts(3, 3, 5));
  s.probe_failed(probe_failure::unexpected_status);
  s.passive_success();
  s.probe_failed(probe_failure::unexpected_status);
  s.passive_success();
  EXPECT_TRUE(s.probe_failed(probe_failure::unexpected_status).has_value());
}

TEST(health_state, after_passive_ejection_recovery_needs_a_full_threshold) {
  // Successes counted while healthy must not bring the target straight back.
  auto s = settled_healthy(opts(3, 3, 2));
  for (int i = 0; i < 10; ++i) s.probe_succeeded();
  s.passive_failure();
  ASSERT_TRUE(s.passive_failure().has_value());
  EXPECT_EQ(s.consecutive_successes(), 0u);
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, traffic_never_brings_a_target_back) {
  auto s = settled_unhealthy(opts(3, 3, 2));
  for (int i = 0; i < 100; ++i) s.passive_success();
  EXPECT_FALSE(s.healthy());
}

TEST(health_state, a_passive_failure_interrupts_recovery) {
  auto s = settled_unhealthy(opts(3, 3, 2));
  s.probe_succeeded();
  s.probe_succeeded();
  EXPECT_FALSE(s.passive_failure().has_value());  // already unhealthy: no transition
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, start_healthy_first_failed_probe_decides) {
  health_state s(opts(3, 3, 5, true));
  EXPECT_TRUE(s.healthy());
  const auto t = s.probe_failed(probe_failure::connect_failed);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, health_status::unhealthy);
  EXPECT_EQ(t->consecutive, 1u);
  EXPECT_TRUE(t->first_probe);
  EXPECT_FALSE(s.provisional());
  // Having gone down, it needs the full threshold to come back.
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, start_unhealthy_first_successful_probe_decides) {
  health_state s(opts(3, 3, 5, false));
  EXPECT_FALSE(s.healthy());
  EXPECT_TRUE(s.provisional());
  const auto t = s.probe_succeeded();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, health_status::unhealthy);
  EXPECT_EQ(t->to, health_status::healthy);
  EXPECT_EQ(t->consecutive, 1u);
  EXPECT_TRUE(t->first_probe);
  // And it is no longer provisional: going down takes the full threshold.
  EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
  EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
  EXPECT_TRUE(s.probe_failed(probe_failure::timed_out).has_value());
}

TEST(health_state, start_unhealthy_first_failure_then_full_threshold) {
  health_state s(opts(3, 3, 5, false));
  EXPECT_FALSE(s.probe_failed(probe_failure::timed_out).has_value());
  EXPECT_FALSE(s.provisional());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_FALSE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, passive_ejection_before_the_first_probe_ends_the_provisional_start) {
  health_state s(opts(3, 3, 2, true));
  s.passive_failure();
  ASSERT_TRUE(s.passive_failure().has_value());
  EXPECT_FALSE(s.provisional());
  EXPECT_FALSE(s.probe_succeeded().has_value());  // no one-probe shortcut back in
}

TEST(health_state, thresholds_of_one_flip_on_every_change) {
  auto s = settled_healthy(opts(1, 1, 1));
  EXPECT_TRUE(s.probe_failed(probe_failure::timed_out).has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
  EXPECT_TRUE(s.passive_failure().has_value());
  EXPECT_TRUE(s.probe_succeeded().has_value());
}

TEST(health_state, describe_is_readable) {
  auto s = settled_healthy(opts(3, 3, 5));
  s.probe_failed(probe_failure::timed_out);
  s.probe_failed(probe_failure::timed_out);
  const auto t = s.probe_failed(probe_failure::timed_out);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(describe(*t), "healthy -> unhealthy: 3 consecutive failed probes (last: timed out)");

  health_state fresh(opts(3, 3, 5, false));
  EXPECT_EQ(describe(*fresh.probe_succeeded()), "unhealthy -> healthy: first probe succeeded");
}

TEST(select_eligible, healthy_targets_only) {
  const std::vector<health_status> states{health_status::healthy, health_status::unhealthy,
                                          health_status::healthy};
  for (const bool fail_open : {true, false}) {
    const auto e = select_eligible(states, fail_open);
    EXPECT_EQ(e.eligible, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(e.healthy_count, 2u);
    EXPECT_FALSE(e.failed_open);
  }
}

TEST(select_eligible, fail_open_when_all_unhealthy) {
  const std::vector<health_status> states(3, health_status::unhealthy);
  const auto e = select_eligible(states, true);
  EXPECT_EQ(e.eligible, (std::vector<bool>{true, true, true}));
  EXPECT_EQ(e.healthy_count, 0u);
  EXPECT_TRUE(e.failed_open);
}

TEST(select_eligible, fail_closed_when_all_unhealthy) {
  const std::vector<health_status> states(3, health_status::unhealthy);
  const auto e = select_eligible(states, false);
  EXPECT_EQ(e.eligible, (std::vector<bool>{false, false, false}));
  EXPECT_FALSE(e.failed_open);
}

TEST(select_eligible, one_healthy_target_takes_everything) {
  const std::vector<health_status> states{health_status::unhealthy, health_status::unhealthy,
                                          health_status::healthy};
  const auto e = select_eligible(states, true);
  EXPECT_EQ(e.eligible, (std::vector<bool>{false, false, true}));
  EXPECT_FALSE(e.failed_open);
}

TEST(select_eligible, empty_group) {
  const auto e = select_eligible(std::span<const health_status>{}, true);
  EXPECT_TRUE(e.eligible.empty());
  EXPECT_FALSE(e.failed_open);
}

TEST(select_eligible, from_health_states) {
  std::vector<health_state> states;
  states.emplace_back(settled_healthy({}));
  states.emplace_back(settled_unhealthy({}));
  const auto e = select_eligible(std::span<const health_state>(states), true);
  EXPECT_EQ(e.eligible, (std::vector<bool>{true, false}));
  states[0] = settled_unhealthy({});  // assignable, for carrying state across reloads
  EXPECT_TRUE(select_eligible(std::span<const health_state>(states), true).failed_open);
}

TEST(health_state, assume_continues_from_a_status_with_fresh_counters) {
  health_options options;
  options.unhealthy_threshold = 2;
  options.healthy_threshold = 2;
  health_state state(options);
  state.assume(health_status::unhealthy);
  EXPECT_FALSE(state.healthy());
  EXPECT_FALSE(state.provisional());  // one success must not decide alone
  EXPECT_FALSE(state.probe_succeeded().has_value());
  EXPECT_TRUE(state.probe_succeeded().has_value());
  EXPECT_TRUE(state.healthy());
}

}  // namespace
}  // namespace staticgate::health

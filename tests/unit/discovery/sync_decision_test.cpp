// decide() as a table: each case is one run of the DNS target sync, with the state it starts
// from and everything it must produce. Rules are numbered in src/discovery/sync_decision.hpp.
#include "discovery/sync_decision.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace staticgate::discovery {

// Readable failures for the table's comparisons.
void PrintTo(const sync_state& s, std::ostream* os) {
  *os << "{active=[";
  for (const auto& a : s.active) *os << a << " ";
  *os << "] pending={";
  for (const auto& [a, e] : s.pending) *os << a << ":" << e.misses << "@" << e.first_missed_unix_ms << " ";
  *os << "} last_success=" << s.last_success_unix_ms << " runs=" << s.runs << "}";
}

namespace {

constexpr std::int64_t now = 10'000;

lookup_outcome answered(std::set<std::string> addresses) { return {.ok = true, .addresses = std::move(addresses), .error = {}}; }
lookup_outcome partial(std::set<std::string> addresses) {
  return {.ok = true, .addresses = std::move(addresses), .error = "2 of 40 queries timed out", .complete = false};
}
lookup_outcome failed(std::string error) { return {.ok = false, .addresses = {}, .error = std::move(error)}; }
registered_view known(std::set<std::string> addresses) { return {.known = true, .addresses = std::move(addresses)}; }
registered_view unknown() { return {.known = false, .addresses = {}}; }

struct decide_case {
  std::string name;
  sync_state previous;
  lookup_outcome lookup;
  registered_view registered;
  sync_options options{};
  sync_state expected_next;
  std::set<std::string> expected_register{};
  std::set<std::string> expected_deregister{};
  bool expected_breaker = false;
  bool expected_failure = false;
  std::string warning_contains{};  // empty: no warnings at all
};

const std::vector<decide_case>& cases() {
  static const std::vector<decide_case> table = {
      {.name = "first_run_registers_all",
       .previous = {},
       .lookup = answered({"10.0.0.1", "10.0.0.2", "10.0.0.3"}),
       .registered = known({}),
       .expected_next = {.active = {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, .pending = {}, .last_success_unix_ms = now, .runs = 1},
       .expected_register = {"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
      {.name = "first_run_registered_unknown_still_registers",
       .previous = {},
       .lookup = answered({"10.0.0.1", "2001:db8::1"}),
       .registered = unknown(),
       .expected_next = {.active = {"10.0.0.1", "2001:db8::1"}, .pending = {}, .last_success_unix_ms = now, .runs = 1},
       .expected_register = {"10.0.0.1", "2001:db8::1"}},
      {.name = "steady_state_changes_nothing_but_time",
       .previous = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "newly_seen_registers_only_the_new_one",
       .previous = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b", "c"}),
       .registered = known({"a", "b"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_register = {"c"}},
      {.name = "seen_again_leaves_pending",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b", "c"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "seen_again_in_a_partial_answer_leaves_pending_other_counts",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"b", {.misses = 1, .first_missed_unix_ms = 700}}, {"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "c"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"b", {.misses = 2, .first_missed_unix_ms = 700}}}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "first_miss_starts_counting_at_now",
       .previous = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 1, .first_missed_unix_ms = now}}}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "second_miss_keeps_first_missed_time",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 1, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "deregisters_exactly_at_the_threshold",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_deregister = {"c"}},
      {.name = "threshold_one_deregisters_at_first_miss",
       .previous = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c"}),
       .options = {.misses_before_deregistration = 1, .max_deregistration_fraction = 0.5},
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_deregister = {"c"}},
      {.name = "threshold_zero_is_read_as_one",
       .previous = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c"}),
       .options = {.misses_before_deregistration = 0, .max_deregistration_fraction = 0.5},
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_deregister = {"c"}},
      {.name = "lookup_failure_changes_nothing_and_does_not_advance",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = failed("SERVFAIL from 10.0.0.2"),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 5},
       .expected_failure = true,
       .warning_contains = "SERVFAIL from 10.0.0.2"},
      {.name = "lookup_failure_ignores_partial_addresses",
       .previous = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = {.ok = false, .addresses = {"a", "z"}, .error = "timeout after 3 of 40 queries"},
       .registered = known({"a"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = 5, .runs = 5},
       .expected_failure = true,
       .warning_contains = "timeout"},
      {.name = "empty_answer_changes_nothing_and_does_not_advance",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 5},
       .expected_failure = true,
       .warning_contains = "no address"},
      {.name = "failure_with_registered_unknown_changes_nothing",
       .previous = {.active = {"a"}, .pending = {}, .last_success_unix_ms = 5, .runs = 0},
       .lookup = failed(""),
       .registered = unknown(),
       .expected_next = {.active = {"a"}, .pending = {}, .last_success_unix_ms = 5, .runs = 1},
       .expected_failure = true,
       .warning_contains = "lookup failed"},
      {.name = "breaker_trips_defers_all_and_keeps_counting",
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {{"b", {.misses = 2, .first_missed_unix_ms = 500}}, {"c", {.misses = 2, .first_missed_unix_ms = 500}}, {"d", {.misses = 2, .first_missed_unix_ms = 600}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a"}),
       .registered = known({"a", "b", "c", "d"}),
       .expected_next = {.active = {"a", "b", "c", "d"}, .pending = {{"b", {.misses = 3, .first_missed_unix_ms = 500}}, {"c", {.misses = 3, .first_missed_unix_ms = 500}}, {"d", {.misses = 3, .first_missed_unix_ms = 600}}}, .last_success_unix_ms = now, .runs = 5},
       .expected_breaker = true,
       .warning_contains = "circuit breaker: 3 of 4"},
      {.name = "after_breaker_deregisters_once_under_the_fraction",
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {{"b", {.misses = 3, .first_missed_unix_ms = 500}}, {"c", {.misses = 3, .first_missed_unix_ms = 500}}, {"d", {.misses = 3, .first_missed_unix_ms = 600}}}, .last_success_unix_ms = 5, .runs = 5},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c", "d"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 6},
       .expected_deregister = {"c", "d"}},
      {.name = "shrink_by_exactly_half_is_allowed",
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}, {"d", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c", "d"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_deregister = {"c", "d"}},
      {.name = "one_more_than_half_trips",
       .previous = {.active = {"a", "b", "c", "d", "e"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}, {"d", {.misses = 2, .first_missed_unix_ms = 500}}, {"e", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b", "c", "d", "e"}),
       .expected_next = {.active = {"a", "b", "c", "d", "e"}, .pending = {{"c", {.misses = 3, .first_missed_unix_ms = 500}}, {"d", {.misses = 3, .first_missed_unix_ms = 500}}, {"e", {.misses = 3, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = now, .runs = 5},
       .expected_breaker = true,
       .warning_contains = "circuit breaker: 3 of 5"},
      {.name = "breaker_base_is_active_before_this_run_not_after",
       // 2 of 4 before the run is exactly half; the 4 newly seen addresses do not raise the allowance.
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {{"b", {.misses = 2, .first_missed_unix_ms = 1}}, {"c", {.misses = 2, .first_missed_unix_ms = 1}}, {"d", {.misses = 2, .first_missed_unix_ms = 1}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "e", "f", "g", "h"}),
       .registered = known({"a", "b", "c", "d"}),
       .expected_next = {.active = {"a", "b", "c", "d", "e", "f", "g", "h"}, .pending = {{"b", {.misses = 3, .first_missed_unix_ms = 1}}, {"c", {.misses = 3, .first_missed_unix_ms = 1}}, {"d", {.misses = 3, .first_missed_unix_ms = 1}}}, .last_success_unix_ms = now, .runs = 5},
       .expected_register = {"e", "f", "g", "h"},
       .expected_breaker = true,
       .warning_contains = "circuit breaker"},
      {.name = "fraction_one_disables_the_breaker",
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a"}),
       .registered = known({"a", "b", "c", "d"}),
       .options = {.misses_before_deregistration = 1, .max_deregistration_fraction = 1.0},
       .expected_next = {.active = {"a"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_deregister = {"b", "c", "d"}},
      {.name = "fraction_zero_defers_every_deregistration",
       .previous = {.active = {"a", "b", "c", "d"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b", "c"}),
       .registered = known({"a", "b", "c", "d"}),
       .options = {.misses_before_deregistration = 1, .max_deregistration_fraction = 0.0},
       .expected_next = {.active = {"a", "b", "c", "d"}, .pending = {{"d", {.misses = 1, .first_missed_unix_ms = now}}}, .last_success_unix_ms = now, .runs = 5},
       .expected_breaker = true,
       .warning_contains = "circuit breaker: 1 of 4"},
      {.name = "registered_unknown_registers_new_but_defers_deregistration",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b", "e"}),
       .registered = unknown(),
       .expected_next = {.active = {"a", "b", "c", "e"}, .pending = {{"c", {.misses = 3, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = now, .runs = 5},
       .expected_register = {"e"},
       .warning_contains = "registered targets unknown"},
      {.name = "registered_unknown_without_candidates_is_quiet",
       .previous = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = unknown(),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 1, .first_missed_unix_ms = now}}}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "drift_re_registers_a_seen_active_address",
       .previous = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5},
       .expected_register = {"b"}},
      {.name = "newly_seen_but_already_registered_needs_no_call",
       .previous = {.active = {"a"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "x"}),
       .registered = known({"a", "x"}),
       .expected_next = {.active = {"a", "x"}, .pending = {}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "foreign_registered_targets_are_left_alone",
       .previous = {.active = {"a"}, .pending = {}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a"}),
       .registered = known({"a", "manual-1", "manual-2"}),
       .expected_next = {.active = {"a"}, .pending = {}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "candidate_already_gone_is_dropped_without_a_call",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a", "b"}),
       .registered = known({"a", "b"}),
       .expected_next = {.active = {"a", "b"}, .pending = {}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "pending_key_missing_from_active_is_treated_as_active",
       .previous = {.active = {"a"}, .pending = {{"b", {.misses = 1, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = answered({"a"}),
       .registered = known({"a", "b"}),
       .expected_next = {.active = {"a", "b"}, .pending = {{"b", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = now, .runs = 5}},
      {.name = "partial_lookup_registers_new_but_advances_no_miss",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = partial({"a", "d"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c", "d"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 5},
       .expected_register = {"d"},
       .warning_contains = "miss counters not advanced"},
      {.name = "partial_lookup_seeing_a_pending_address_clears_it",
       .previous = {.active = {"a", "b", "c"}, .pending = {{"c", {.misses = 2, .first_missed_unix_ms = 500}}}, .last_success_unix_ms = 5, .runs = 4},
       .lookup = partial({"c"}),
       .registered = known({"a", "b", "c"}),
       .expected_next = {.active = {"a", "b", "c"}, .pending = {}, .last_success_unix_ms = 5, .runs = 5},
       .warning_contains = "some queries failed"},
  };
  return table;
}

class decide_table : public ::testing::TestWithParam<decide_case> {};

TEST_P(decide_table, produces_the_expected_delta) {
  const decide_case& c = GetParam();
  const sync_result r = decide(c.previous, c.lookup, c.registered, c.options, now);
  EXPECT_EQ(r.next, c.expected_next);
  EXPECT_EQ(r.to_register, c.expected_register);
  EXPECT_EQ(r.to_deregister, c.expected_deregister);
  EXPECT_EQ(r.breaker_tripped, c.expected_breaker);
  EXPECT_EQ(r.changed_nothing_because_of_failure, c.expected_failure);
  if (c.warning_contains.empty()) {
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  } else {
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings.front().find(c.warning_contains), std::string::npos) << r.warnings.front();
  }
  // Invariants for every case: pending within active, nothing both registered and deregistered,
  // deregistered addresses gone from the state.
  for (const auto& [address, entry] : r.next.pending) {
    EXPECT_TRUE(r.next.active.contains(address)) << address;
    EXPECT_GE(entry.misses, 1u);
  }
  for (const auto& address : r.to_deregister) {
    EXPECT_FALSE(r.to_register.contains(address)) << address;
    EXPECT_FALSE(r.next.active.contains(address)) << address;
  }
}

INSTANTIATE_TEST_SUITE_P(cases, decide_table, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<decide_case>& param_info) { return param_info.param.name; });

// Several runs in a row through decide() only, as the controller would chain them: an address
// missing for three successful runs goes, a failed run in between does not count.
TEST(decide_sequence, failed_runs_in_between_do_not_count_as_misses) {
  const sync_options options{};
  sync_state state{};
  std::set<std::string> registered;
  auto run = [&](const lookup_outcome& lookup, std::int64_t t) {
    sync_result r = decide(state, lookup, known(registered), options, t);
    for (const auto& a : r.to_register) registered.insert(a);
    for (const auto& a : r.to_deregister) registered.erase(a);
    state = r.next;
    return r;
  };
  run(answered({"a", "b", "c", "d"}), 1);
  EXPECT_EQ(registered, (std::set<std::string>{"a", "b", "c", "d"}));
  run(answered({"a", "b", "c"}), 2);
  run(failed("timeout"), 3);
  run(answered({}), 4);
  EXPECT_EQ(state.pending.at("d").misses, 1u);
  run(answered({"a", "b", "c"}), 5);
  const auto third = run(answered({"a", "b", "c"}), 6);
  EXPECT_EQ(third.to_deregister, (std::set<std::string>{"d"}));
  EXPECT_EQ(registered, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(state.runs, 6u);
  EXPECT_EQ(state.last_success_unix_ms, 6);
  EXPECT_TRUE(state.pending.empty());
}

}  // namespace
}  // namespace staticgate::discovery

namespace staticgate::discovery {
namespace {

// 0.29 * 100 is 28.999999999999996 in binary floating point; the allowance is still 29.
TEST(decide_breaker, fraction_times_base_is_not_cut_short_by_rounding) {
  sync_state previous{.active = {}, .pending = {}, .last_success_unix_ms = 1, .runs = 1};
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string address = "10.0.0." + std::to_string(i);
    previous.active.insert(address);
    if (i < 29) {
      previous.pending[address] = {.misses = 2, .first_missed_unix_ms = 1};
    } else {
      seen.insert(address);
    }
  }
  const sync_result r = decide(previous, answered(seen), known(previous.active),
                               {.misses_before_deregistration = 3, .max_deregistration_fraction = 0.29}, now);
  EXPECT_FALSE(r.breaker_tripped);
  EXPECT_EQ(r.to_deregister.size(), 29u);
  EXPECT_EQ(r.next.active, seen);
}

}  // namespace
}  // namespace staticgate::discovery

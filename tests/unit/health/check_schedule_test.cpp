#include "ingress/health/check_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

namespace staticgate::health {
namespace {

using namespace std::chrono_literals;

schedule_options opts(std::chrono::milliseconds interval, std::chrono::milliseconds timeout, double jitter) {
  return schedule_options{.interval = interval, .timeout = timeout, .jitter = jitter};
}

random_source constant(double value) {
  return [value] { return value; };
}

// Replays the given values in a loop.
random_source sequence(std::vector<double> values) {
  return [values = std::move(values), i = std::size_t{0}]() mutable { return values[i++ % values.size()]; };
}

const clock::time_point t0 = clock::time_point{} + 1h;

TEST(check_schedule, defaults_are_valid) {
  const schedule_options o;
  EXPECT_EQ(o.interval, 10s);
  EXPECT_EQ(o.timeout, 5s);
  EXPECT_EQ(o.jitter, 0.1);
  EXPECT_FALSE(validate(o).has_value());
}

TEST(check_schedule, rejects_bad_options) {
  EXPECT_TRUE(validate(opts(0ms, 1ms, 0.0)).has_value());
  EXPECT_TRUE(validate(opts(-5ms, 1ms, 0.0)).has_value());
  EXPECT_TRUE(validate(opts(25h, 1s, 0.0)).has_value());
  EXPECT_TRUE(validate(opts(10s, 0ms, 0.1)).has_value());
  EXPECT_TRUE(validate(opts(10s, 5s, -0.1)).has_value());
  EXPECT_TRUE(validate(opts(10s, 5s, 0.6)).has_value());
  EXPECT_TRUE(validate(opts(10s, 5s, std::numeric_limits<double>::quiet_NaN())).has_value());
  EXPECT_THROW(check_schedule(opts(0ms, 1ms, 0.0), constant(0.5)), std::invalid_argument);
  EXPECT_THROW(check_schedule(schedule_options{}, random_source{}), std::invalid_argument);
}

TEST(check_schedule, timeout_must_end_before_the_shortest_interval) {
  // Without jitter: timeout < interval.
  EXPECT_TRUE(validate(opts(10s, 10s, 0.0)).has_value());
  EXPECT_FALSE(validate(opts(10s, 9999ms, 0.0)).has_value());
  // With 10% jitter an interval can be as short as 9 s.
  const auto error = validate(opts(10s, 9500ms, 0.1));
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("9000ms"), std::string::npos) << *error;
  EXPECT_TRUE(validate(opts(10s, 9s, 0.1)).has_value());
  EXPECT_FALSE(validate(opts(10s, 8999ms, 0.1)).has_value());
}

TEST(check_schedule, every_interval_within_jitter_bounds) {
  check_schedule s(opts(10s, 5s, 0.1), unit_random(42));
  EXPECT_EQ(s.shortest(), 9s);
  EXPECT_EQ(s.longest(), 11s);
  std::set<clock::duration::rep> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto d = s.jittered_interval();
    ASSERT_GE(d, 9s);
    ASSERT_LE(d, 11s);
    seen.insert(d.count());
  }
  // Not all equal, and spread over the range rather than stuck at one end.
  EXPECT_GT(seen.size(), 9000u);
  EXPECT_LT(*seen.begin(), clock::duration(9100ms).count());
  EXPECT_GT(*seen.rbegin(), clock::duration(10900ms).count());
}

TEST(check_schedule, extreme_random_values_stay_in_bounds) {
  for (const double u : {0.0, 0.5, 0.9999999999999999, 1.0, 7.0, -3.0, std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity()}) {
    check_schedule s(opts(10s, 5s, 0.2), constant(u));
    const auto d = s.jittered_interval();
    EXPECT_GE(d, 8s) << u;
    EXPECT_LE(d, 12s) << u;
  }
  check_schedule low(opts(10s, 5s, 0.2), constant(0.0));
  EXPECT_EQ(low.jittered_interval(), 8s);
  check_schedule mid(opts(10s, 5s, 0.2), constant(0.5));
  EXPECT_EQ(mid.jittered_interval(), 10s);
  check_schedule high(opts(10s, 5s, 0.2), constant(1.0));
  EXPECT_EQ(high.jittered_interval(), 12s);
}

TEST(check_schedule, zero_jitter_is_exact) {
  check_schedule s(opts(2s, 1s, 0.0), unit_random(1));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.jittered_interval(), 2s);
}

TEST(check_schedule, next_probe_and_deadline_count_from_the_start) {
  check_schedule s(opts(10s, 3s, 0.1), sequence({0.0, 1.0, 0.5}));
  EXPECT_EQ(s.next_probe(t0), t0 + 9s);
  EXPECT_EQ(s.next_probe(t0), t0 + 11s);
  EXPECT_EQ(s.next_probe(t0), t0 + 10s);
  EXPECT_EQ(s.deadline(t0), t0 + 3s);
  // The probe is over (deadline) before the next one can start.
  for (int i = 0; i < 1000; ++i) EXPECT_LT(s.deadline(t0), s.next_probe(t0));
}

TEST(check_schedule, initial_probes_spread_one_per_slot) {
  constexpr std::size_t n = 10;
  // Whatever the random values, target i lands in [i, i+1) * interval / n.
  for (const double u : {0.0, 0.3, 0.9999999999999999, 1.0}) {
    check_schedule s(opts(10s, 5s, 0.1), constant(u));
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = s.first_probe(t0, i, n);
      EXPECT_GE(at, t0 + std::chrono::seconds(i)) << "u=" << u << " i=" << i;
      EXPECT_LT(at, t0 + std::chrono::seconds(i + 1)) << "u=" << u << " i=" << i;
    }
  }
}

TEST(check_schedule, initial_probes_never_coincide) {
  check_schedule s(opts(5s, 1s, 0.1), unit_random(7));
  constexpr std::size_t n = 1000;
  std::vector<clock::time_point> times;
  for (std::size_t i = 0; i < n; ++i) times.push_back(s.first_probe(t0, i, n));
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_EQ(std::adjacent_find(times.begin(), times.end()), times.end());
  EXPECT_GE(times.front(), t0);
  EXPECT_LT(times.back(), t0 + 5s);
}

TEST(check_schedule, a_single_target_starts_somewhere_in_the_first_interval) {
  check_schedule s(opts(10s, 5s, 0.1), unit_random(3));
  std::set<clock::time_point> seen;
  for (int i = 0; i < 100; ++i) {
    const auto at = s.first_probe(t0, 0, 1);
    EXPECT_GE(at, t0);
    EXPECT_LT(at, t0 + 10s);
    seen.insert(at);
  }
  EXPECT_GT(seen.size(), 90u);
}

TEST(check_schedule, first_probe_rejects_an_index_outside_the_group) {
  check_schedule s(schedule_options{}, constant(0.5));
  EXPECT_THROW(s.first_probe(t0, 3, 3), std::invalid_argument);
  EXPECT_THROW(s.first_probe(t0, 0, 0), std::invalid_argument);
}

TEST(unit_random, values_in_unit_interval_and_seed_deterministic) {
  unit_random a(123), b(123), c(124);
  double sum = 0;
  bool differs = false;
  for (int i = 0; i < 10000; ++i) {
    const double x = a();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    EXPECT_EQ(x, b());
    if (x != c()) differs = true;
    sum += x;
  }
  EXPECT_TRUE(differs);
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace staticgate::health

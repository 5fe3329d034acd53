#include "ingress/lb/least_connections.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {
namespace {

void open_n(least_connections& lc, std::size_t target, int n) {
  for (int i = 0; i < n; ++i) lc.on_connection_open(target);
}

TEST(lb_least_connections, picks_the_least_loaded) {
  const std::vector<std::uint32_t> weights{1, 1, 1};
  least_connections lc(weights);
  open_n(lc, 0, 3);
  open_n(lc, 1, 1);
  open_n(lc, 2, 2);
  const std::vector<bool> all(3, true);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(lc.pick(0, all), 1U);
}

TEST(lb_least_connections, responds_to_open_and_close) {
  const std::vector<std::uint32_t> weights{1, 1};
  least_connections lc(weights);
  const std::vector<bool> all(2, true);
  open_n(lc, 0, 2);
  open_n(lc, 1, 1);
  EXPECT_EQ(lc.pick(0, all), 1U);
  lc.on_connection_open(1);
  lc.on_connection_open(1);  // 2 vs 3
  EXPECT_EQ(lc.pick(0, all), 0U);
  lc.on_connection_close(1);
  lc.on_connection_close(1);
  lc.on_connection_close(1);  // 2 vs 0
  EXPECT_EQ(lc.active(1), 0U);
  EXPECT_EQ(lc.pick(0, all), 1U);
}

TEST(lb_least_connections, equal_targets_take_turns_on_ties) {
  const std::vector<std::uint32_t> weights{1, 1, 1};
  least_connections lc(weights);
  const std::vector<bool> all(3, true);
  // Short connections: every pick sees all targets idle.
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(lc.pick(0, all), i);
  }
}

TEST(lb_least_connections, ties_among_a_subset_alternate_evenly) {
  const std::vector<std::uint32_t> weights{1, 1, 1, 1};
  least_connections lc(weights);
  open_n(lc, 1, 5);
  open_n(lc, 3, 5);
  const std::vector<bool> all(4, true);
  std::vector<int> c(4, 0);
  for (int i = 0; i < 100; ++i) ++c.at(*lc.pick(0, all));
  EXPECT_EQ(c, (std::vector<int>{50, 0, 50, 0}));
}

TEST(lb_least_connections, weights_honoured_as_load_builds) {
  const std::vector<std::uint32_t> weights{1, 3, 4};
  least_connections lc(weights);
  const std::vector<bool> all(3, true);
  // Long connections: each pick opens one and none closes.
  for (int i = 0; i < 800; ++i) lc.on_connection_open(*lc.pick(0, all));
  EXPECT_EQ(lc.active(0), 100U);
  EXPECT_EQ(lc.active(1), 300U);
  EXPECT_EQ(lc.active(2), 400U);
}

TEST(lb_least_connections, idle_group_prefers_the_heavier_target) {
  const std::vector<std::uint32_t> weights{1, 10};
  least_connections lc(weights);
  EXPECT_EQ(lc.pick(0, {true, true}), 1U);
}

TEST(lb_least_connections, compares_load_per_weight) {
  const std::vector<std::uint32_t> weights{1, 4};
  least_connections lc(weights);
  open_n(lc, 0, 1);  // (1+1)/1 = 2
  open_n(lc, 1, 6);  // (6+1)/4 = 1.75
  EXPECT_EQ(lc.pick(0, {true, true}), 1U);
  lc.on_connection_open(1);
  lc.on_connection_open(1);  // (8+1)/4 = 2.25
  EXPECT_EQ(lc.pick(0, {true, true}), 0U);
}

TEST(lb_least_connections, unavailable_targets_are_skipped) {
  const std::vector<std::uint32_t> weights{1, 1, 1};
  least_connections lc(weights);
  open_n(lc, 0, 5);
  const std::vector<bool> available{true, false, false};
  EXPECT_EQ(lc.pick(0, available), 0U);
  EXPECT_EQ(lc.pick(0, {true, true, false}), 1U);
}

TEST(lb_least_connections, nothing_available_gives_nullopt) {
  const std::vector<std::uint32_t> weights{1, 1};
  least_connections lc(weights);
  EXPECT_EQ(lc.pick(0, {false, false}), std::nullopt);
  EXPECT_EQ(lc.pick(0, {}), std::nullopt);
  least_connections empty(std::span<const std::uint32_t>{});
  EXPECT_EQ(empty.pick(0, {}), std::nullopt);
}

TEST(lb_least_connections, unmatched_close_and_out_of_range_are_ignored) {
  const std::vector<std::uint32_t> weights{1, 1};
  least_connections lc(weights);
  lc.on_connection_close(0);
  EXPECT_EQ(lc.active(0), 0U);
  lc.on_connection_open(7);
  lc.on_connection_close(7);
  EXPECT_EQ(lc.pick(0, {true, true}), 0U);
}

TEST(lb_least_connections, zero_weight_rejected) {
  const std::vector<std::uint32_t> weights{0};
  EXPECT_THROW(least_connections{weights}, std::invalid_argument);
}

TEST(lb_make_balancer, builds_least_connections) {
  const std::vector<std::uint32_t> weights{1, 1};
  const auto b =
      make_balancer(balancer_options{.kind = algorithm_kind::least_connections}, weights, {});
  ASSERT_NE(b, nullptr);
  b->on_connection_open(0);
  EXPECT_EQ(b->pick(0, {true, true}), 1U);
}

}  // namespace
}  // namespace staticgate::lb

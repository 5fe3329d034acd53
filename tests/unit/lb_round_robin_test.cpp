#include "ingress/lb/round_robin.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {
namespace {

std::vector<std::size_t> counts(round_robin& rr, const std::vector<bool>& available,
                                std::size_t picks) {
  std::vector<std::size_t> c(available.size(), 0);
  for (std::size_t i = 0; i < picks; ++i) {
    const auto t = rr.pick(0, available);
    EXPECT_TRUE(t.has_value());
    if (t) ++c.at(*t);
  }
  return c;
}

TEST(lb_round_robin, equal_weights_rotate_in_order) {
  const std::vector<std::uint32_t> weights{1, 1, 1, 1};
  round_robin rr(weights);
  const std::vector<bool> all(4, true);
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(rr.pick(0, all), i);
  }
}

TEST(lb_round_robin, equal_weights_exactly_even_over_full_cycles) {
  const std::vector<std::uint32_t> weights(7, 3);
  round_robin rr(weights);
  const auto c = counts(rr, std::vector<bool>(7, true), 7 * 3 * 100);
  for (const auto n : c) EXPECT_EQ(n, 300U);
}

TEST(lb_round_robin, weights_exact_per_cycle) {
  const std::vector<std::uint32_t> weights{5, 1, 3, 2};
  round_robin rr(weights);
  const std::vector<bool> all(4, true);
  // Every full cycle of sum(weights) picks, not just the long run.
  for (int cycle = 0; cycle < 50; ++cycle) {
    const auto c = counts(rr, all, 11);
    EXPECT_EQ(c, (std::vector<std::size_t>{5, 1, 3, 2})) << "cycle " << cycle;
  }
}

TEST(lb_round_robin, smooth_interleaving_matches_nginx) {
  // nginx's documented sequence for weights {a=5, b=1, c=1}: a a b a c a a.
  const std::vector<std::uint32_t> weights{5, 1, 1};
  round_robin rr(weights);
  const std::vector<bool> all(3, true);
  const std::vector<std::size_t> expected{0, 0, 1, 0, 2, 0, 0};
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (const auto e : expected) EXPECT_EQ(rr.pick(0, all), e);
  }
}

TEST(lb_round_robin, unavailable_targets_are_skipped) {
  const std::vector<std::uint32_t> weights{1, 1, 1};
  round_robin rr(weights);
  const std::vector<bool> available{true, false, true};
  const auto c = counts(rr, available, 100);
  EXPECT_EQ(c, (std::vector<std::size_t>{50, 0, 50}));
}

TEST(lb_round_robin, weights_honoured_among_available_targets) {
  const std::vector<std::uint32_t> weights{3, 2, 1};
  round_robin rr(weights);
  const std::vector<bool> available{false, true, true};
  for (int cycle = 0; cycle < 20; ++cycle) {
    EXPECT_EQ(counts(rr, available, 3), (std::vector<std::size_t>{0, 2, 1}));
  }
}

TEST(lb_round_robin, target_coming_back_resumes_without_burst) {
  const std::vector<std::uint32_t> weights{1, 1};
  round_robin rr(weights);
  const std::vector<bool> only_first{true, false};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rr.pick(0, only_first), 0U);
  // Target 1 did not bank credit while it was away: strict alternation again.
  const std::vector<bool> both{true, true};
  const auto c = counts(rr, both, 10);
  EXPECT_EQ(c, (std::vector<std::size_t>{5, 5}));
}

TEST(lb_round_robin, retry_skips_the_target_already_tried) {
  const std::vector<std::uint32_t> weights{1, 1, 1};
  round_robin rr(weights);
  std::vector<bool> available(3, true);
  const auto first = rr.pick(0, available);
  ASSERT_TRUE(first);
  available[*first] = false;
  const auto second = rr.pick(0, available);
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *first);
}

TEST(lb_round_robin, nothing_available_gives_nullopt) {
  const std::vector<std::uint32_t> weights{1, 2};
  round_robin rr(weights);
  EXPECT_EQ(rr.pick(0, {false, false}), std::nullopt);
  EXPECT_EQ(rr.pick(0, {}), std::nullopt);  // shorter mask: missing means unavailable
  round_robin empty(std::span<const std::uint32_t>{});
  EXPECT_EQ(empty.pick(0, {}), std::nullopt);
}

TEST(lb_round_robin, zero_weight_rejected) {
  const std::vector<std::uint32_t> weights{1, 0};
  EXPECT_THROW(round_robin{weights}, std::invalid_argument);
}

TEST(lb_make_balancer, builds_round_robin_without_keys) {
  const std::vector<std::uint32_t> weights{1, 1};
  const auto b = make_balancer(balancer_options{.kind = algorithm_kind::round_robin}, weights, {});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->pick(0, {true, true}), 0U);
  EXPECT_EQ(b->pick(0, {true, true}), 1U);
}

TEST(lb_make_balancer, rejects_key_count_mismatch) {
  const std::vector<std::uint32_t> weights{1, 1};
  const std::vector<std::string> keys{"a"};
  EXPECT_THROW(make_balancer(balancer_options{}, weights, keys), std::invalid_argument);
}

}  // namespace
}  // namespace staticgate::lb

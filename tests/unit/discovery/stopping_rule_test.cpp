// The per-run lookup count (src/discovery/stopping_rule.hpp): the formula, the planner's stops,
// and a simulation against a pool bigger than one answer, compared with the AWS recipe's rule.
#include "discovery/stopping_rule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace staticgate::discovery {
namespace {

std::set<std::string> addresses(int from, int count) {
  std::set<std::string> out;
  for (int i = from; i < from + count; ++i) out.insert("10.0.0." + std::to_string(i));
  return out;
}

TEST(quiet_answers_needed, matches_the_formula) {
  // ceil(ln(1e-3 / 100) / ln(1 - 8/100)) = ceil(138.08)
  EXPECT_EQ(quiet_answers_needed(100, 8, 1e-3), 139u);
  // ceil(ln(1e-3 / 16) / ln(0.5)) = ceil(13.97)
  EXPECT_EQ(quiet_answers_needed(16, 8, 1e-3), 14u);
  // ceil(ln(1e-6 / 100) / ln(0.92)) = ceil(220.9)
  EXPECT_EQ(quiet_answers_needed(100, 8, 1e-6), 221u);
}

TEST(quiet_answers_needed, grows_with_the_pool_and_with_confidence) {
  std::uint32_t last = 0;
  for (std::size_t n = 9; n <= 1000; ++n) {
    const auto k = quiet_answers_needed(n, 8, 1e-3);
    EXPECT_GE(k, last) << n;
    last = k;
  }
  EXPECT_GT(quiet_answers_needed(100, 8, 1e-4), quiet_answers_needed(100, 8, 1e-3));
}

TEST(quiet_answers_needed, pool_no_bigger_than_an_answer_is_read_as_one_more) {
  // ceil(ln(1e-3 / 9) / ln(1/9)) = ceil(4.14)
  EXPECT_EQ(quiet_answers_needed(9, 8, 1e-3), 5u);
  EXPECT_EQ(quiet_answers_needed(8, 8, 1e-3), 5u);
  EXPECT_EQ(quiet_answers_needed(0, 8, 1e-3), 5u);
}

TEST(quiet_answers_needed, odd_inputs_stay_finite) {
  EXPECT_EQ(quiet_answers_needed(100, 8, 0.0), quiet_answers_needed(100, 8, 1e-3));
  EXPECT_EQ(quiet_answers_needed(100, 8, 1.5), quiet_answers_needed(100, 8, 1e-3));
  EXPECT_EQ(quiet_answers_needed(100, 8, std::numeric_limits<double>::quiet_NaN()), quiet_answers_needed(100, 8, 1e-3));
  EXPECT_GE(quiet_answers_needed(100, 0, 1e-3), 1u);
  EXPECT_EQ(quiet_answers_needed(std::size_t{1} << 40, 1, 1e-300), UINT32_MAX);
}

TEST(lookup_planner, short_answer_means_the_whole_pool_was_returned) {
  lookup_planner planner({});
  ASSERT_TRUE(planner.should_continue());
  planner.record_answer(addresses(1, 3));
  EXPECT_TRUE(planner.saw_short_answer());
  EXPECT_FALSE(planner.should_continue());
  EXPECT_EQ(planner.next_batch(), 0u);
  EXPECT_EQ(planner.distinct(), 3u);
  EXPECT_EQ(planner.lookups(), 1u);
}

TEST(lookup_planner, identical_full_answers_stop_after_the_quiet_streak) {
  lookup_planner planner({});
  int n = 0;
  while (planner.should_continue()) {
    planner.record_answer(addresses(1, 8));
    ++n;
  }
  EXPECT_EQ(n, 6);  // one new answer, then 5 quiet ones (pool read as 9)
  EXPECT_EQ(planner.distinct(), 8u);
}

TEST(lookup_planner, new_addresses_reset_the_quiet_streak) {
  lookup_planner planner({});
  planner.record_answer(addresses(1, 8));
  planner.record_answer(addresses(1, 8));
  planner.record_answer(addresses(1, 8));
  EXPECT_EQ(planner.quiet_streak(), 2u);
  planner.record_answer(addresses(5, 8));
  EXPECT_EQ(planner.quiet_streak(), 0u);
  EXPECT_EQ(planner.distinct(), 12u);
  EXPECT_TRUE(planner.should_continue());
}

TEST(lookup_planner, empty_answers_are_quiet_and_do_not_loop_forever) {
  lookup_planner planner({});
  while (planner.should_continue()) planner.record_answer({});
  EXPECT_EQ(planner.lookups(), 5u);
  EXPECT_FALSE(planner.saw_short_answer());
}

TEST(lookup_planner, max_lookups_caps_and_batches_fit_under_it) {
  lookup_planner planner({.answer_size = 8, .epsilon = 1e-3, .max_lookups = 20, .batch_size = 8});
  int next = 1;
  std::vector<std::uint32_t> batches;
  while (const auto batch = planner.next_batch()) {
    batches.push_back(batch);
    for (std::uint32_t i = 0; i < batch; ++i, next += 8) planner.record_answer(addresses(next, 8));
  }
  EXPECT_EQ(batches, (std::vector<std::uint32_t>{8, 8, 4}));
  EXPECT_EQ(planner.lookups(), 20u);
  EXPECT_FALSE(planner.should_continue());
}

struct sim_summary {
  int runs = 0;
  int found_all = 0;
  int capped = 0;  // runs stopped by max_lookups rather than by the rule
  std::vector<std::uint32_t> lookups;

  double success_rate() const { return runs == 0 ? 0.0 : static_cast<double>(found_all) / runs; }
  std::uint32_t median() {
    std::sort(lookups.begin(), lookups.end());
    return lookups[lookups.size() / 2];
  }
  std::uint32_t worst() const { return *std::max_element(lookups.begin(), lookups.end()); }
};

// A DNS name fronting `pool` addresses that answers `m` distinct ones chosen uniformly
// (partial Fisher-Yates over indices, so 2000 runs stay fast under sanitizers).
class simulated_name {
 public:
  simulated_name(int pool, std::size_t m, std::uint64_t seed) : m_(m), rng_(seed) {
    for (int i = 0; i < pool; ++i) {
      pool_.push_back("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
      order_.push_back(static_cast<std::size_t>(i));
    }
  }
  std::set<std::string> answer() {
    std::set<std::string> out;
    const std::size_t take = std::min(m_, order_.size());
    for (std::size_t i = 0; i < take; ++i) {
      std::uniform_int_distribution<std::size_t> pick(i, order_.size() - 1);
      std::swap(order_[i], order_[pick(rng_)]);
      out.insert(pool_[order_[i]]);
    }
    return out;
  }
  std::size_t size() const { return pool_.size(); }

 private:
  std::vector<std::string> pool_;
  std::vector<std::size_t> order_;
  std::size_t m_;
  std::mt19937_64 rng_;
};

sim_summary simulate_planner(int pool, int runs, std::uint64_t seed_base) {
  sim_summary s;
  for (int run = 0; run < runs; ++run) {
    simulated_name name(pool, 8, seed_base + static_cast<std::uint64_t>(run));
    lookup_planner planner({});
    while (const auto batch = planner.next_batch()) {
      for (std::uint32_t i = 0; i < batch; ++i) planner.record_answer(name.answer());
    }
    ++s.runs;
    if (planner.distinct() == name.size()) ++s.found_all;
    if (planner.lookups() >= stopping_options{}.max_lookups) ++s.capped;
    s.lookups.push_back(planner.lookups());
  }
  return s;
}

// The recipe: query until an answer is not full, at most 50 times.
sim_summary simulate_recipe(int pool, int runs, std::uint64_t seed_base) {
  sim_summary s;
  for (int run = 0; run < runs; ++run) {
    simulated_name name(pool, 8, seed_base + static_cast<std::uint64_t>(run));
    std::set<std::string> seen;
    std::uint32_t lookups = 0;
    while (lookups < 50) {
      const auto answer = name.answer();
      ++lookups;
      seen.insert(answer.begin(), answer.end());
      if (answer.size() < 8) break;
    }
    ++s.runs;
    if (seen.size() == name.size()) ++s.found_all;
    if (lookups >= 50) ++s.capped;
    s.lookups.push_back(lookups);
  }
  return s;
}

void print(const char* label, int pool, sim_summary s) {
  std::printf("[   SIM    ] %-8s pool=%3d runs=%d found_all=%.2f%% median_lookups=%u worst_lookups=%u capped=%d\n",
              label, pool, s.runs, 100.0 * s.success_rate(), s.median(), s.worst(), s.capped);
}

TEST(lookup_planner_simulation, finds_a_pool_of_100_in_at_least_99_5_percent_of_runs) {
  constexpr int runs = 2000;
  const sim_summary planner = simulate_planner(100, runs, 1);
  const sim_summary recipe = simulate_recipe(100, runs, 1);
  print("planner", 100, planner);
  print("recipe", 100, recipe);
  EXPECT_GE(planner.success_rate(), 0.995);
  EXPECT_GT(planner.success_rate(), recipe.success_rate());
}

TEST(lookup_planner_simulation, other_pool_sizes_for_the_record) {
  for (const int pool : {5, 8, 12, 40, 200}) {
    print("planner", pool, simulate_planner(pool, 200, 1000));
    print("recipe", pool, simulate_recipe(pool, 200, 1000));
  }
}

}  // namespace
}  // namespace staticgate::discovery

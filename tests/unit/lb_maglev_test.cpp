#include "ingress/lb/maglev.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {
namespace {

using maglev_hash::fnv1a64;
using maglev_hash::splitmix64;

// Published test vectors: if these change, every node's table changes.
static_assert(fnv1a64("") == 0xcbf29ce484222325ULL);
static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
static_assert(fnv1a64("foobar") == 0x85944171f73967e8ULL);
static_assert(splitmix64(0) == 0xe220a8397b1dcdafULL);

constexpr std::size_t client_count = 100'000;

std::vector<std::string> make_keys(std::size_t n, std::size_t first = 1) {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back("10.0.0." + std::to_string(first + i) + ":80");
  return keys;
}

// Client keys as the listener produces them: a well-mixed hash of the address.
std::uint64_t client(std::size_t i) { return splitmix64(i); }

// Where each client goes, by target key rather than index.
std::vector<std::string> assignment(maglev& m, const std::vector<std::string>& keys,
                                    const std::vector<bool>& available) {
  std::vector<std::string> out;
  out.reserve(client_count);
  for (std::size_t i = 0; i < client_count; ++i) {
    const auto t = m.pick(client(i), available);
    out.push_back(t ? keys.at(*t) : std::string("<none>"));
  }
  return out;
}

std::vector<std::size_t> slot_counts(const maglev_table& table) {
  std::vector<std::size_t> c(table.target_count(), 0);
  for (const auto t : table.slots()) ++c.at(t);
  return c;
}

TEST(lb_maglev, every_slot_filled_with_a_valid_target) {
  const auto keys = make_keys(10);
  const std::vector<std::uint32_t> weights(10, 1);
  const maglev_table table(keys, weights);
  ASSERT_EQ(table.slots().size(), 65537U);
  for (const auto t : table.slots()) ASSERT_LT(t, 10U);
}

TEST(lb_maglev, equal_weights_split_slots_within_one) {
  // Targets claim one slot per round, so counts differ by at most one.
  const auto keys = make_keys(10);
  const std::vector<std::uint32_t> weights(10, 1);
  const auto c = slot_counts(maglev_table(keys, weights));
  for (const auto n : c) {
    EXPECT_GE(n, 6553U);
    EXPECT_LE(n, 6554U);
  }
}

TEST(lb_maglev, weights_give_proportional_slots) {
  const auto keys = make_keys(5);
  const std::vector<std::uint32_t> weights{1, 2, 3, 4, 10};
  const auto c = slot_counts(maglev_table(keys, weights));
  const double total_weight = 20.0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const double expected = 65537.0 * weights[i] / total_weight;
    EXPECT_NEAR(static_cast<double>(c[i]), expected, expected * 0.01) << keys[i];
  }
}

TEST(lb_maglev, weights_give_proportional_clients) {
  const auto keys = make_keys(3);
  const std::vector<std::uint32_t> weights{1, 1, 2};
  maglev m(keys, weights);
  const std::vector<bool> all(3, true);
  std::vector<double> c(3, 0);
  for (std::size_t i = 0; i < client_count; ++i) c.at(*m.pick(client(i), all)) += 1;
  EXPECT_NEAR(c[0] / client_count, 0.25, 0.01);
  EXPECT_NEAR(c[1] / client_count, 0.25, 0.01);
  EXPECT_NEAR(c[2] / client_count, 0.50, 0.01);
}

TEST(lb_maglev, pick_is_table_lookup_when_available) {
  const auto keys = make_keys(4);
  const std::vector<std::uint32_t> weights(4, 1);
  maglev m(keys, weights, 101);
  const std::vector<bool> all(4, true);
  for (std::uint64_t k = 0; k < 1000; ++k) {
    // The client key is mixed first (neighbouring addresses hash to neighbouring keys).
    EXPECT_EQ(m.pick(k, all), m.table().slots()[maglev_hash::splitmix64(k) % 101]);
  }
}

TEST(lb_maglev, same_table_regardless_of_target_order) {
  const auto keys = make_keys(8);
  const std::vector<std::uint32_t> weights{1, 2, 3, 1, 2, 3, 1, 5};
  std::vector<std::size_t> perm{5, 2, 7, 0, 3, 6, 1, 4};
  std::vector<std::string> keys2;
  std::vector<std::uint32_t> weights2;
  for (const auto p : perm) {
    keys2.push_back(keys[p]);
    weights2.push_back(weights[p]);
  }
  const maglev_table a(keys, weights);
  const maglev_table b(keys2, weights2);
  for (std::size_t s = 0; s < a.slots().size(); ++s) {
    ASSERT_EQ(keys[a.slots()[s]], keys2[b.slots()[s]]) << "slot " << s;
  }
}

TEST(lb_maglev, table_is_pinned_across_builds) {
  // Nodes (and releases) must agree: pin a digest of one small table.
  const std::vector<std::string> keys{"10.0.0.1:80", "10.0.0.2:80", "[2001:db8::1]:443"};
  const std::vector<std::uint32_t> weights{1, 2, 1};
  const maglev_table table(keys, weights, 13);
  std::string layout;
  for (const auto t : table.slots()) layout += static_cast<char>('0' + t);
  EXPECT_EQ(layout, "2200111112101");

  // And a digest of a full-size table.
  const auto ten = make_keys(10);
  const maglev_table big(ten, std::vector<std::uint32_t>(10, 1));
  std::string big_layout;
  for (const auto t : big.slots()) big_layout += static_cast<char>('0' + t);
  EXPECT_EQ(fnv1a64(big_layout), 0x578f92b2f263f370ULL);
}

TEST(lb_maglev, unavailable_target_moves_only_its_own_clients) {
  const auto keys = make_keys(10);
  const std::vector<std::uint32_t> weights{1, 1, 1, 1, 1, 2, 2, 2, 3, 3};
  maglev m(keys, weights);
  std::vector<bool> available(10, true);
  const auto before = assignment(m, keys, available);
  available[5] = false;
  const auto after = assignment(m, keys, available);
  std::map<std::string, std::size_t> landed;
  for (std::size_t i = 0; i < client_count; ++i) {
    if (before[i] != keys[5]) {
      ASSERT_EQ(after[i], before[i]) << "client " << i;
    } else {
      ASSERT_NE(after[i], keys[5]);
      ++landed[after[i]];
    }
  }
  // The displaced clients spread over the rest by weight (re-hashing keeps
  // weights), rather than all landing on one neighbour.
  const double displaced = static_cast<double>(std::count(before.begin(), before.end(), keys[5]));
  EXPECT_NEAR(landed[keys[8]] / displaced, 3.0 / 17.0, 0.03);
  EXPECT_NEAR(landed[keys[0]] / displaced, 1.0 / 17.0, 0.03);
}

TEST(lb_maglev, fallback_agrees_across_nodes_with_different_order) {
  const auto keys = make_keys(6);
  const std::vector<std::uint32_t> weights(6, 1);
  std::vector<std::string> keys2(keys.rbegin(), keys.rend());
  maglev a(keys, weights);
  maglev b(keys2, weights);
  // Same targets down on both nodes (by key), including enough of them that
  // the last-resort scan runs for some clients.
  std::vector<bool> avail_a{false, true, false, false, false, false};
  std::vector<bool> avail_b(6, false);
  for (std::size_t i = 0; i < 6; ++i) avail_b[5 - i] = avail_a[i];
  for (std::size_t i = 0; i < 20'000; ++i) {
    const auto ta = a.pick(client(i), avail_a);
    const auto tb = b.pick(client(i), avail_b);
    ASSERT_TRUE(ta && tb);
    ASSERT_EQ(keys[*ta], keys2[*tb]);
  }
}

TEST(lb_maglev, last_resort_finds_the_only_available_target) {
  // 100 equal targets, one available: 17 lookups miss ~84% of the time,
  // so most picks go through the scan.
  const auto keys = make_keys(100);
  const std::vector<std::uint32_t> weights(100, 1);
  maglev m(keys, weights, 1009);
  std::vector<bool> available(100, false);
  available[42] = true;
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_EQ(m.pick(client(i), available), 42U);
}

double moved_fraction(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t moved = 0;
  for (std::size_t i = 0; i < a.size(); ++i) moved += a[i] != b[i];
  return static_cast<double>(moved) / static_cast<double>(a.size());
}

class lb_maglev_disruption : public ::testing::TestWithParam<std::size_t> {};

TEST_P(lb_maglev_disruption, removing_a_target_moves_about_its_share) {
  const std::size_t n = GetParam();
  const auto keys = make_keys(n);
  const std::vector<std::uint32_t> weights(n, 1);
  maglev full(keys, weights);
  const auto before = assignment(full, keys, std::vector<bool>(n, true));

  const std::size_t removed = n / 2;
  std::vector<std::string> rest = keys;
  rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(removed));
  maglev smaller(rest, std::vector<std::uint32_t>(n - 1, 1));
  const auto after = assignment(smaller, rest, std::vector<bool>(n - 1, true));

  for (std::size_t i = 0; i < client_count; ++i) {
    if (before[i] == keys[removed]) {
      ASSERT_NE(after[i], keys[removed]);
    }
  }
  EXPECT_LE(moved_fraction(before, after), 1.2 / static_cast<double>(n));
}

TEST_P(lb_maglev_disruption, adding_a_target_moves_about_its_share) {
  const std::size_t n = GetParam();
  const auto keys = make_keys(n);
  maglev before_m(keys, std::vector<std::uint32_t>(n, 1));
  const auto before = assignment(before_m, keys, std::vector<bool>(n, true));

  auto more = keys;
  more.push_back("10.0.1.1:80");
  maglev after_m(more, std::vector<std::uint32_t>(n + 1, 1));
  const auto after = assignment(after_m, more, std::vector<bool>(n + 1, true));

  EXPECT_LE(moved_fraction(before, after), 1.2 / static_cast<double>(n + 1));
}

INSTANTIATE_TEST_SUITE_P(targets, lb_maglev_disruption, ::testing::Values(3, 5, 10, 20));

TEST(lb_maglev, nothing_available_gives_nullopt) {
  const auto keys = make_keys(3);
  maglev m(keys, std::vector<std::uint32_t>(3, 1));
  EXPECT_EQ(m.pick(client(1), {false, false, false}), std::nullopt);
  EXPECT_EQ(m.pick(client(1), {}), std::nullopt);
  maglev empty(std::span<const std::string>{}, std::span<const std::uint32_t>{});
  EXPECT_EQ(empty.pick(client(1), {}), std::nullopt);
}

TEST(lb_maglev, shared_table_serves_several_workers) {
  const auto keys = make_keys(4);
  const auto table =
      std::make_shared<const maglev_table>(keys, std::vector<std::uint32_t>(4, 1), 101);
  maglev worker_a(table);
  maglev worker_b(table);
  const std::vector<bool> all(4, true);
  for (std::size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(worker_a.pick(client(i), all), worker_b.pick(client(i), all));
  }
  EXPECT_THROW(maglev{std::shared_ptr<const maglev_table>{}}, std::invalid_argument);
}

TEST(lb_maglev, is_prime) {
  const std::vector<std::uint32_t> primes{2, 3, 5, 13, 251, 65537, 4294967291U};
  const std::vector<std::uint32_t> composites{0, 1, 4, 9, 65535, 65536, 4294967295U};
  for (const auto p : primes) EXPECT_TRUE(is_prime(p)) << p;
  for (const auto c : composites) EXPECT_FALSE(is_prime(c)) << c;
}

TEST(lb_maglev, rejects_bad_table_sizes) {
  const auto keys = make_keys(7);
  const std::vector<std::uint32_t> weights(7, 1);
  for (const std::uint32_t size : {0U, 1U, 4U, 100U, 65536U}) {
    EXPECT_THROW(maglev_table(keys, weights, size), std::invalid_argument) << size;
  }
  // Prime but not larger than the number of targets.
  EXPECT_THROW(maglev_table(keys, weights, 7), std::invalid_argument);
  EXPECT_THROW(maglev_table(keys, weights, 5), std::invalid_argument);
  EXPECT_NO_THROW(maglev_table(keys, weights, 11));
}

TEST(lb_maglev, rejects_bad_targets) {
  const std::vector<std::string> two{"a:1", "b:1"};
  EXPECT_THROW(maglev_table(two, std::vector<std::uint32_t>{1}), std::invalid_argument);
  EXPECT_THROW(maglev_table(two, std::vector<std::uint32_t>{1, 0}), std::invalid_argument);
  const std::vector<std::string> dup{"a:1", "b:1", "a:1"};
  EXPECT_THROW(maglev_table(dup, std::vector<std::uint32_t>(3, 1)), std::invalid_argument);
}

TEST(lb_make_balancer, builds_maglev_from_keys) {
  const auto keys = make_keys(4);
  const std::vector<std::uint32_t> weights(4, 1);
  const auto b = make_balancer(
      balancer_options{.kind = algorithm_kind::maglev, .maglev_table_size = 101}, weights, keys);
  maglev direct(keys, weights, 101);
  const std::vector<bool> all(4, true);
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_EQ(b->pick(client(i), all), direct.pick(client(i), all));
  // Maglev without keys, or with a bad size, fails at construction.
  EXPECT_THROW(make_balancer(balancer_options{.kind = algorithm_kind::maglev}, weights, {}),
               std::invalid_argument);
  EXPECT_THROW(make_balancer(balancer_options{.kind = algorithm_kind::maglev,
                                              .maglev_table_size = 100},
                             weights, keys),
               std::invalid_argument);
}

}  // namespace
}  // namespace staticgate::lb

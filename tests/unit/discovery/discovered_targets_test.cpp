#include "discovery/discovered_targets.hpp"

#include <gtest/gtest.h>

namespace staticgate::discovery {
namespace {

config::config two_groups() {
  config::config cfg;
  config::target_group with;
  with.name = "alb";
  with.targets.push_back({*net::endpoint::parse("10.0.0.1:443"), 5});
  with.discovery = config::dns_discovery{};
  with.discovery->port = 443;
  with.discovery->weight = 2;
  config::target_group without;
  without.name = "static";
  without.targets.push_back({*net::endpoint::parse("10.0.0.9:80"), 1});
  cfg.target_groups = {with, without};
  return cfg;
}

TEST(discovered_targets, appends_at_the_discovery_port_and_weight) {
  auto out = with_discovered_targets(two_groups(), {{"alb", {"10.0.0.2", "2001:db8::1"}}});
  const auto& t = out.target_groups[0].targets;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].address.to_string(), "10.0.0.2:443");
  EXPECT_EQ(t[1].weight, 2u);
  EXPECT_EQ(t[2].address.to_string(), "[2001:db8::1]:443");
}

TEST(discovered_targets, a_static_target_wins_over_the_same_discovered_address) {
  auto out = with_discovered_targets(two_groups(), {{"alb", {"10.0.0.1"}}});
  ASSERT_EQ(out.target_groups[0].targets.size(), 1u);
  EXPECT_EQ(out.target_groups[0].targets[0].weight, 5u);
}

TEST(discovered_targets, groups_without_discovery_and_unknown_names_are_left_alone) {
  auto out = with_discovered_targets(two_groups(), {{"static", {"10.0.0.3"}}, {"nope", {"10.0.0.4"}}});
  EXPECT_EQ(out.target_groups[0].targets.size(), 1u);
  EXPECT_EQ(out.target_groups[1].targets.size(), 1u);
}

TEST(discovered_targets, a_maglev_table_too_small_grows_to_a_prime) {
  auto cfg = two_groups();
  cfg.target_groups[0].maglev_table_size = 3;
  std::set<std::string> many;
  for (int i = 10; i < 20; ++i) many.insert("10.0.1." + std::to_string(i));
  auto out = with_discovered_targets(cfg, {{"alb", many}});
  EXPECT_EQ(out.target_groups[0].targets.size(), 11u);
  EXPECT_EQ(out.target_groups[0].maglev_table_size, 1103u);  // the next prime above 1100
}

}  // namespace
}  // namespace staticgate::discovery

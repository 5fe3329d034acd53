// The loader on [target_group.discovery.dns]: defaults, every bad value at its position, and
// static targets becoming optional.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config_test_support.hpp"

namespace staticgate::config {
namespace {

using testing::has_error;
using testing::has_only_error;
using testing::load;
using namespace std::chrono_literals;

constexpr std::string_view group_head = R"([[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
)";

// Group "g" without static targets and a [target_group.discovery.dns] table at line 7;
// the body starts on line 8.
load_result discovery(std::string_view body) {
  return load(std::string(group_head) + "[target_group.discovery.dns]\n" + std::string(body) + "\n");
}

TEST(config_discovery, minimal_table_takes_the_defaults) {
  auto r = discovery("names = [\"ALB.example.com.\"]\nport = 443");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& g = r.value->target_groups[0];
  ASSERT_TRUE(g.discovery);
  EXPECT_TRUE(g.targets.empty());
  const auto& d = *g.discovery;
  EXPECT_EQ(d.names, std::vector<std::string>{"alb.example.com"});  // lower case, no trailing dot
  EXPECT_EQ(d.port, 443);
  EXPECT_TRUE(d.ipv4);
  EXPECT_FALSE(d.ipv6);
  EXPECT_TRUE(d.name_servers.empty());
  EXPECT_FALSE(d.authoritative);
  EXPECT_EQ(d.interval, 10s);
  EXPECT_EQ(d.max_lookups, 256u);
  EXPECT_EQ(d.misses_before_deregistration, 3u);
  EXPECT_DOUBLE_EQ(d.max_deregistration_fraction, 0.5);
  EXPECT_EQ(r.value->global.state_dir, "/var/lib/staticgate");
}

TEST(config_discovery, every_key) {
  auto r = discovery(R"(names = ["a.example.com", "b.example.com"]
port = 8443
families = ["ipv6", "ipv4"]
name_servers = ["10.0.0.2", "127.0.0.1:5353", "::1", "[::1]:5353"]
authoritative = true
authoritative_port = 5300
interval = "30s"
jitter = 0.2
max_lookups = 500
parallel_lookups = 16
answer_size = 8
query_timeout = "1s"
query_tries = 3
misses_before_deregistration = 5
max_deregistration_fraction = 0.25
weight = 7)");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& d = *r.value->target_groups[0].discovery;
  EXPECT_EQ(d.names.size(), 2u);
  EXPECT_TRUE(d.ipv4 && d.ipv6);
  EXPECT_EQ(d.name_servers, (std::vector<std::string>{"10.0.0.2:53", "127.0.0.1:5353", "[::1]:53", "[::1]:5353"}));
  EXPECT_TRUE(d.authoritative);
  EXPECT_EQ(d.authoritative_port, 5300);
  EXPECT_EQ(d.interval, 30s);
  EXPECT_DOUBLE_EQ(d.jitter, 0.2);
  EXPECT_EQ(d.max_lookups, 500u);
  EXPECT_EQ(d.parallel_lookups, 16u);
  EXPECT_EQ(d.query_timeout, 1s);
  EXPECT_EQ(d.query_tries, 3u);
  EXPECT_EQ(d.misses_before_deregistration, 5u);
  EXPECT_DOUBLE_EQ(d.max_deregistration_fraction, 0.25);
  EXPECT_EQ(d.weight, 7u);
}

TEST(config_discovery, static_targets_mix_with_discovery_and_may_be_empty) {
  auto r = load(std::string(group_head) + "targets = [\"10.0.0.1:80\"]\ndiscovery = { dns = { names = [\"a.b\"], port = 80 } }\n");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_EQ(r.value->target_groups[0].targets.size(), 1u);
  auto empty = load(std::string(group_head) + "targets = []\ndiscovery = { dns = { names = [\"a.b\"], port = 80 } }\n");
  EXPECT_TRUE(empty.ok()) << testing::all_errors(empty);
}

TEST(config_discovery, without_discovery_targets_stay_required) {
  auto r = load(std::string(group_head) + "targets = []\n");
  EXPECT_TRUE(has_only_error(r, 7, 11, "expected at least one target (or a [target_group.discovery.dns]"));
}

TEST(config_discovery, bad_values_are_reported_where_they_are) {
  EXPECT_TRUE(has_only_error(discovery("port = 443"), 7, 1, "discovery.dns: missing"));
  EXPECT_TRUE(has_only_error(discovery("names = []\nport = 443"), 8, 9, "expected a non-empty array of DNS names"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"bad name\"]\nport = 443"), 8, 10, "is not a DNS name"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a..b\"]\nport = 443"), 8, 10, "is not a DNS name"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\", \"A.B.\"]\nport = 443"), 8, 17, "is listed twice"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 0"), 9, 8, "expected an integer in 1..65535"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nfamilies = [\"ipv5\"]"), 10, 13,
                             "expected \"ipv4\" or \"ipv6\""));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nfamilies = [\"ipv4\", \"ipv4\"]"), 10, 21,
                             "is listed twice"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nname_servers = [\"ns1.example\"]"), 10, 17,
                             "expected \"ip\" or \"ip:port\""));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\ninterval = \"0s\""), 10, 12, "greater than zero"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\ninterval = \"25h\""), 10, 12, "at most 24h"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\njitter = 0.9"), 10, 10, "a number in 0..0.5"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nmax_deregistration_fraction = 1.5"), 10, 31,
                             "a number in 0..1"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nmisses_before_deregistration = 0"), 10, 32,
                             "expected an integer in 1..1000"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nmax_lookups = 0"), 10, 15, "1..10000"));
  EXPECT_TRUE(has_only_error(discovery("names = [\"a.b\"]\nport = 1\nnmaes = 1"), 10, 1,
                             "unknown key \"nmaes\" in [target_group.discovery.dns]"));
}

TEST(config_discovery, discovery_must_hold_a_dns_table) {
  auto r = load(std::string(group_head) + "discovery = { consul = {} }\n");
  EXPECT_TRUE(has_error(r, 7, 15, "unknown key \"consul\" in [target_group.discovery] (expected one of: dns, aws)"));
}

TEST(config_discovery, state_dir_must_be_absolute) {
  auto r = load("[global]\nstate_dir = \"state\"\n" + std::string(group_head) + "targets = [\"10.0.0.1:1\"]\n");
  EXPECT_TRUE(has_only_error(r, 2, 13, "state_dir: expected an absolute directory path"));
}

}  // namespace
}  // namespace staticgate::config

// The loader on [[target_group]] tables: targets, weights, timeouts and the
// Maglev table size, each mistake reported where it is.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config_test_support.hpp"

namespace staticgate::config {
namespace {

using testing::has_error;
using testing::has_only_error;
using testing::load;
using namespace std::chrono_literals;

// A valid listener, then group "g" whose body (from line 7 on) a test writes.
load_result group(std::string_view body) {
  return load(R"([[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
)" + std::string(body) + "\n");
}

TEST(config_load_group, minimal_group_loads) {
  auto result = group(R"(targets = ["10.0.0.1:1"])");
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  EXPECT_EQ(result.value->target_groups[0].targets[0].address.to_string(), "10.0.0.1:1");
}

TEST(config_load_group, value_errors) {
  const std::string targets = "targets = [\"10.0.0.1:1\"]\n";
  EXPECT_TRUE(has_only_error(group(targets + "algorithm = \"random\""), 8, 13,
                             "target_group \"g\": algorithm: expected one of round_robin, "
                             "least_connections, maglev; got \"random\""));
  EXPECT_TRUE(has_only_error(group(targets + "connect_timeout = \"5\""), 8, 19,
                             "connect_timeout: expected a duration like \"30s\" or \"500ms\", got \"5\""));
  EXPECT_TRUE(has_only_error(group(targets + "connect_timeout = \"0s\""), 8, 19,
                             "connect_timeout: must be greater than zero"));
  EXPECT_TRUE(has_only_error(group(targets + "connect_retries = 17"), 8, 19,
                             "connect_retries: expected an integer in 0..16, got 17"));
  EXPECT_TRUE(group(targets + "connect_retries = 16").ok());
  EXPECT_TRUE(has_only_error(group(targets + "target = \"x\""), 8, 1,
                             "unknown key \"target\" in [[target_group]] (expected one of: name, "
                             "algorithm, maglev_table_size, connect_timeout, connect_retries, targets, "
                             "proxy_protocol, health_check, deregistration_delay, discovery)"));
}

TEST(config_load_group, targets_are_required_and_non_empty) {
  EXPECT_TRUE(has_only_error(group(""), 5, 1, "target_group \"g\": missing required key \"targets\""));
  EXPECT_TRUE(has_only_error(group("targets = []"), 7, 11,
                             "target_group \"g\": targets: expected at least one target"));
  EXPECT_TRUE(has_only_error(group(R"(targets = "10.0.0.1:1")"), 7, 11,
                             "targets: expected an array of \"ip:port\" strings or { address = ..., "
                             "weight = ... } tables, got a string"));
}

TEST(config_load_group, target_entry_errors) {
  EXPECT_TRUE(has_only_error(group("targets = [5]"), 7, 12,
                             "targets: expected an \"ip:port\" string or a { address = ..., weight = "
                             "... } table, got an integer"));
  EXPECT_TRUE(has_only_error(group(R"(targets = ["10.0.0.1:0"])"), 7, 12,
                             "targets: port must be 1..65535, got \"10.0.0.1:0\""));
  EXPECT_TRUE(has_only_error(group(R"(targets = ["backend:80"])"), 7, 12,
                             "targets: expected \"ip:port\" such as"));
  EXPECT_TRUE(has_only_error(group("targets = [{ weight = 2 }]"), 7, 12,
                             "target_group \"g\": targets: missing required key \"address\""));
  EXPECT_TRUE(has_only_error(group("targets = [{ address = 5 }]"), 7, 24,
                             "targets: expected an \"ip:port\" string, got an integer"));
  EXPECT_TRUE(has_only_error(group(R"(targets = [{ address = "10.0.0.1:1", weight = 0 }])"), 7, 47,
                             "target_group \"g\": weight: expected an integer in 1..256, got 0"));
  EXPECT_TRUE(has_only_error(group(R"(targets = [{ address = "10.0.0.1:1", weight = 257 }])"), 7, 47,
                             "1..256, got 257"));
  EXPECT_TRUE(has_only_error(group(R"(targets = [{ address = "10.0.0.1:1", wieght = 2 }])"), 7, 38,
                             "unknown key \"wieght\" in a target (expected one of: address, weight)"));
}

TEST(config_load_group, duplicate_targets_point_at_the_second) {
  EXPECT_TRUE(has_only_error(group(R"(targets = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.1:1"])"), 7, 40,
                             "targets: 10.0.0.1:1 is listed twice (first at line 7)"));
  EXPECT_TRUE(has_only_error(group(R"(targets = [
  "10.0.0.1:1",
  { address = "10.0.0.1:1", weight = 2 },
])"),
                             9, 15, "10.0.0.1:1 is listed twice (first at line 8)"));
  // Same IP, other port: a different target.
  EXPECT_TRUE(group(R"(targets = ["10.0.0.1:1", "10.0.0.1:2"])").ok());
}

TEST(config_load_group, same_target_in_two_groups_is_fine) {
  auto result = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "a"
[[target_group]]
name = "a"
targets = ["10.0.0.1:1"]
[[target_group]]
name = "b"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(result.ok()) << testing::all_errors(result);
}

TEST(config_load_group, targets_as_array_of_tables) {
  auto result = group(R"([[target_group.targets]]
address = "10.0.0.1:1"
weight = 7
[[target_group.targets]]
address = "[2001:db8::2]:443"
)");
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  const auto& targets = result.value->target_groups[0].targets;
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].weight, 7u);
  EXPECT_EQ(targets[1].address.to_string(), "[2001:db8::2]:443");
  EXPECT_EQ(targets[1].weight, 1u);
}

TEST(config_load_group, maglev_table_size) {
  const std::string three = "targets = [\"10.0.0.1:1\", \"10.0.0.2:1\", \"10.0.0.3:1\"]\n";
  EXPECT_TRUE(has_only_error(group(three + "maglev_table_size = 65536"), 8, 21,
                             "target_group \"g\": maglev_table_size: 65536 is not prime (the next "
                             "prime is 65537)"));
  EXPECT_TRUE(has_only_error(group(three + "maglev_table_size = 3"), 8, 21,
                             "maglev_table_size: must be greater than the number of targets (3), got 3"));
  EXPECT_TRUE(has_only_error(group(three + "maglev_table_size = 1000004"), 8, 21,
                             "maglev_table_size: expected an integer in 2..1000003, got 1000004"));
  EXPECT_TRUE(has_only_error(group(three + "maglev_table_size = 1"), 8, 21, "2..1000003, got 1"));
  EXPECT_TRUE(has_only_error(group(three + "maglev_table_size = \"251\""), 8, 21,
                             "expected an integer, got a string"));
  // Checked whatever the algorithm, so switching to maglev later cannot break a loaded file.
  EXPECT_TRUE(has_only_error(group(three + "algorithm = \"round_robin\"\nmaglev_table_size = 9"),
                             9, 21, "9 is not prime (the next prime is 11)"));

  auto largest = group(three + "algorithm = \"maglev\"\nmaglev_table_size = 1000003");
  ASSERT_TRUE(largest.ok()) << testing::all_errors(largest);
  EXPECT_EQ(largest.value->target_groups[0].maglev_table_size, 1000003u);
  EXPECT_TRUE(group(three + "maglev_table_size = 5").ok());
  EXPECT_TRUE(group("targets = [\"10.0.0.1:1\"]\nmaglev_table_size = 2").ok());
}

TEST(config_load_group, group_names) {
  auto result = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
[[target_group]]
name = "g"
targets = ["10.0.0.2:1"]
[[target_group]]
targets = ["10.0.0.3:1"]
[[target_group]]
name = "g/2"
targets = ["10.0.0.4:1"]
)");
  ASSERT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 9, 8, "duplicate target_group name \"g\" (first defined at line 6)"));
  EXPECT_TRUE(has_error(result, 11, 1, "target_group #3: missing required key \"name\""));
  EXPECT_TRUE(has_error(result, 14, 8, "target_group #4: name: expected 1 to 64 characters"));
}

TEST(config_load_group, target_group_must_be_an_array_of_tables) {
  auto result = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "g"
[target_group]
name = "g"
)");
  ASSERT_EQ(result.errors.size(), 2u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 4, 16, "target_group \"g\" does not name a [[target_group]] (none is defined)"));
  EXPECT_TRUE(has_error(result, 5, 1,
                        "target_group: expected an array of tables, written [[target_group]], got a table"));
}

}  // namespace
}  // namespace staticgate::config

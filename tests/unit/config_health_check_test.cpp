// The loader on [target_group.health_check]: absent means off, present means on
// with defaults for what is left out, and every bad value is reported where it is.
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
targets = ["10.0.0.1:1"]
)";

// Group "g" with a [target_group.health_check] table (line 8) whose body, from
// line 9 on, a test writes.
load_result health(std::string_view body) {
  return load(std::string(group_head) + "[target_group.health_check]\n" + std::string(body) + "\n");
}

const health_check& checked(const load_result& result) {
  static const health_check none;
  if (!result.ok() || !result.value->target_groups[0].health) {
    ADD_FAILURE() << "no health_check:\n" << testing::all_errors(result);
    return none;
  }
  return *result.value->target_groups[0].health;
}

TEST(config_health_check, absent_means_off) {
  auto result = load(group_head);
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  EXPECT_FALSE(result.value->target_groups[0].health.has_value());
}

TEST(config_health_check, empty_table_means_defaults) {
  auto result = health("");
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  const health_check& h = checked(result);
  const health_check defaults;
  EXPECT_EQ(h.protocol, health_protocol::tcp);
  EXPECT_EQ(h.interval, 10s);
  EXPECT_EQ(h.timeout, 5s);
  EXPECT_EQ(h.jitter, 0.1);
  EXPECT_EQ(h.healthy_threshold, 3u);
  EXPECT_EQ(h.unhealthy_threshold, 3u);
  EXPECT_EQ(h.passive_failures, 5u);
  EXPECT_TRUE(h.start_healthy);
  EXPECT_TRUE(h.fail_open);
  EXPECT_EQ(h.port, 0u);
  EXPECT_EQ(h.method, defaults.method);
  EXPECT_EQ(h.path, defaults.path);
  EXPECT_EQ(h.host, "");
  EXPECT_EQ(h.expected_status, defaults.expected_status);
}

TEST(config_health_check, every_key_set) {
  auto result = health(R"(protocol = "http"
interval = "30s"
timeout = "2s500ms"
jitter = 0.25
healthy_threshold = 2
unhealthy_threshold = 100
passive_failures = 0
start_healthy = false
fail_open = false
port = 8081
method = "HEAD"
path = "/healthz?full=1"
host = "app.internal:8081"
expected_status = "200,204, 300-302")");
  const health_check& h = checked(result);
  EXPECT_EQ(h.protocol, health_protocol::http);
  EXPECT_EQ(h.interval, 30s);
  EXPECT_EQ(h.timeout, 2500ms);
  EXPECT_EQ(h.jitter, 0.25);
  EXPECT_EQ(h.healthy_threshold, 2u);
  EXPECT_EQ(h.unhealthy_threshold, 100u);
  EXPECT_EQ(h.passive_failures, 0u);
  EXPECT_FALSE(h.start_healthy);
  EXPECT_FALSE(h.fail_open);
  EXPECT_EQ(h.port, 8081u);
  EXPECT_EQ(h.method, "HEAD");
  EXPECT_EQ(h.path, "/healthz?full=1");
  EXPECT_EQ(h.host, "app.internal:8081");
  EXPECT_EQ(h.expected_status, "200,204, 300-302");
}

TEST(config_health_check, inline_table) {
  auto result = load(std::string(group_head) +
                     R"(health_check = { protocol = "http", path = "/healthz", jitter = 0 })");
  const health_check& h = checked(result);
  EXPECT_EQ(h.protocol, health_protocol::http);
  EXPECT_EQ(h.path, "/healthz");
  EXPECT_EQ(h.jitter, 0.0);  // an integer 0 is fine
  EXPECT_EQ(h.interval, 10s);

  EXPECT_TRUE(has_only_error(
      load(std::string(group_head) + R"(health_check = { protocol = "http", path = "healthz" })"), 8, 44,
      "target_group \"g\": health_check.path: HTTP path \"healthz\" must start with '/'"));
  EXPECT_TRUE(has_only_error(load(std::string(group_head) + "health_check = true"), 8, 16,
                             "health_check: expected a table"));
}

TEST(config_health_check, each_table_is_per_group) {
  auto result = load(std::string(group_head) + R"([target_group.health_check]
protocol = "http"
[[target_group]]
name = "h"
targets = ["10.0.0.2:1"]
)");
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  ASSERT_EQ(result.value->target_groups.size(), 2u);
  ASSERT_TRUE(result.value->target_groups[0].health.has_value());
  EXPECT_EQ(result.value->target_groups[0].health->protocol, health_protocol::http);
  EXPECT_FALSE(result.value->target_groups[1].health.has_value());
}

TEST(config_health_check, unknown_key) {
  EXPECT_TRUE(has_only_error(health("interval = \"20s\"\nintreval = \"5s\""), 10, 1,
                             "unknown key \"intreval\" in [target_group.health_check] "
                             "(expected one of: protocol, interval, timeout"));
}

TEST(config_health_check, protocol) {
  EXPECT_TRUE(has_only_error(health(R"(protocol = "https")"), 9, 12,
                             "target_group \"g\": health_check.protocol: expected one of tcp, http; got \"https\""));
  EXPECT_TRUE(has_only_error(health("protocol = 1"), 9, 12, "got an integer"));
  // An unknown protocol does not also make the HTTP keys errors.
  EXPECT_TRUE(has_only_error(health("protocol = \"htp\"\npath = \"/\""), 9, 12, "expected one of tcp, http"));
}

TEST(config_health_check, durations) {
  EXPECT_TRUE(has_only_error(health(R"(interval = "10")"), 9, 12,
                             "health_check.interval: expected a duration like \"30s\""));
  EXPECT_TRUE(has_only_error(health(R"(interval = "0s")"), 9, 12, "interval: must be greater than zero"));
  EXPECT_TRUE(has_only_error(health(R"(interval = "25h")"), 9, 12, "interval: must be at most 24h, got \"25h\""));
  EXPECT_TRUE(health("interval = \"24h\"").ok());
  EXPECT_TRUE(has_only_error(health("timeout = 5"), 9, 11, "timeout: expected a duration"));
}

TEST(config_health_check, timeout_must_end_before_the_next_probe) {
  // At the timeout key, with the schedule's own message.
  EXPECT_TRUE(has_only_error(health("interval = \"5s\"\njitter = 0\ntimeout = \"5s\""), 11, 1,
                             "health_check: timeout (5000ms) must be shorter than interval (5000ms)"));
  EXPECT_TRUE(has_only_error(health("interval = \"10s\"\ntimeout = \"9500ms\""), 10, 1,
                             "must be shorter than the shortest jittered interval (9000ms"));
  EXPECT_TRUE(health("interval = \"10s\"\ntimeout = \"8999ms\"").ok());
  // The default timeout (5s) against a short interval: at the interval.
  EXPECT_TRUE(has_only_error(health(R"(interval = "4s")"), 9, 12, "(timeout is not set; the default is 5s)"));
  // ... or against the largest jitter of the default interval.
  EXPECT_TRUE(has_only_error(health("jitter = 0.5"), 9, 10, "shortest jittered interval (5000ms"));
  // An invalid part is reported alone, without a follow-on schedule error.
  EXPECT_TRUE(has_only_error(health("interval = \"1s\"\njitter = 0.7"), 10, 10, "jitter"));
}

TEST(config_health_check, jitter) {
  EXPECT_TRUE(has_only_error(health("jitter = 0.7"), 9, 10,
                             "target_group \"g\": health_check.jitter: expected a number in 0..0.5, got 0.7"));
  EXPECT_TRUE(has_only_error(health("jitter = -0.1"), 9, 10, "got -0.1"));
  EXPECT_TRUE(has_only_error(health("jitter = 1"), 9, 10, "expected a number in 0..0.5, got 1"));
  EXPECT_TRUE(has_only_error(health("jitter = nan"), 9, 10, "got nan"));
  EXPECT_TRUE(has_only_error(health(R"(jitter = "0.1")"), 9, 10, "got a string"));
  EXPECT_TRUE(health("jitter = 0.0\ntimeout = \"9s\"").ok());
}

TEST(config_health_check, integers_and_booleans) {
  EXPECT_TRUE(has_only_error(health("healthy_threshold = 0"), 9, 21,
                             "health_check.healthy_threshold: expected an integer in 1..100, got 0"));
  EXPECT_TRUE(has_only_error(health("unhealthy_threshold = 101"), 9, 23,
                             "health_check.unhealthy_threshold: expected an integer in 1..100, got 101"));
  EXPECT_TRUE(has_only_error(health("passive_failures = 1001"), 9, 20, "expected an integer in 0..1000"));
  EXPECT_TRUE(has_only_error(health("port = 0"), 9, 8, "health_check.port: expected an integer in 1..65535"));
  EXPECT_TRUE(has_only_error(health("port = 65536"), 9, 8, "got 65536"));
  EXPECT_TRUE(has_only_error(health(R"(start_healthy = "yes")"), 9, 17,
                             "health_check.start_healthy: expected true or false, got a string"));
  EXPECT_TRUE(has_only_error(health("fail_open = 1"), 9, 13, "fail_open: expected true or false"));
}

TEST(config_health_check, http_values) {
  const std::string http = "protocol = \"http\"\n";  // line 9; the key under test is on line 10
  EXPECT_TRUE(has_only_error(health(http + R"(expected_status = "99")"), 10, 19,
                             "health_check.expected_status: status codes: "));
  EXPECT_TRUE(has_only_error(health(http + R"(expected_status = "299-200")"), 10, 19, "is reversed"));
  EXPECT_TRUE(has_only_error(health(http + R"(path = "healthz")"), 10, 8,
                             "health_check.path: HTTP path \"healthz\" must start with '/'"));
  EXPECT_TRUE(has_only_error(health(http + R"(path = "/a b")"), 10, 8, "must be visible ASCII"));
  EXPECT_TRUE(has_only_error(health(http + R"(method = "get")"), 10, 10,
                             "health_check.method: HTTP method \"get\" must be uppercase"));
  EXPECT_TRUE(has_only_error(health(http + R"(host = "a/b")"), 10, 8, "health_check.host: HTTP Host \"a/b\""));
  EXPECT_TRUE(has_only_error(health(http + R"(host = "")"), 10, 8, "HTTP Host must be 1 to 261 characters"));
  EXPECT_TRUE(has_only_error(health(http + "path = 5"), 10, 8, "path: expected a string, got an integer"));
}

TEST(config_health_check, http_keys_need_protocol_http) {
  EXPECT_TRUE(has_only_error(health(R"(method = "GET")"), 9, 1,
                             "target_group \"g\": health_check.method: only for protocol = \"http\""));
  EXPECT_TRUE(has_only_error(health("protocol = \"tcp\"\npath = \"/\""), 10, 1, "path: only for protocol"));
  auto result = health(R"(host = "a"
expected_status = "200")");
  EXPECT_EQ(result.errors.size(), 2u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 9, 1, "host: only for protocol = \"http\""));
  EXPECT_TRUE(has_error(result, 10, 1, "expected_status: only for protocol = \"http\""));
}

TEST(config_health_check, every_problem_is_reported) {
  auto result = health(R"(protocol = "http"
interval = "0s"
healthy_threshold = 0
path = "x"
colour = "red")");
  EXPECT_EQ(result.errors.size(), 4u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 10, 12, "interval"));
  EXPECT_TRUE(has_error(result, 11, 21, "healthy_threshold"));
  EXPECT_TRUE(has_error(result, 12, 8, "path"));
  EXPECT_TRUE(has_error(result, 13, 1, "unknown key \"colour\""));
}

TEST(config_health_check, on_unhealthy_keeps_by_default_and_closes_on_request) {
  EXPECT_EQ(checked(health("")).on_unhealthy, unhealthy_action::keep);
  EXPECT_EQ(checked(health("on_unhealthy = \"close\"")).on_unhealthy, unhealthy_action::close);
  EXPECT_TRUE(has_only_error(health("on_unhealthy = \"kill\""), 9, 16,
                             "health_check.on_unhealthy: expected one of keep, close; got \"kill\""));
}

}  // namespace
}  // namespace staticgate::config

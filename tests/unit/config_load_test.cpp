// The loader on whole documents: good files load into the model, and every
// kind of mistake in [global] and [[listener]] is reported where it is.
// Target groups are in config_load_group_test.cpp.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config_test_support.hpp"

namespace staticgate::config {
namespace {

using testing::has_error;
using testing::has_only_error;
using testing::all_errors;
using testing::load;
using testing::loopback_only;
using namespace std::chrono_literals;

const std::string data_dir = STATICGATE_TESTDATA;

TEST(config_load, example_file_loads) {
  auto result = load_file(data_dir + "/../../../examples/staticgate.toml", loopback_only);
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  const config& c = *result.value;
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].name, "demo");
  ASSERT_EQ(c.listeners[0].binds.size(), 1u);
  EXPECT_EQ(c.listeners[0].binds[0].to_string(), "127.0.0.1:8080");
  ASSERT_NE(c.find_group(c.listeners[0].target_group), nullptr);
  EXPECT_EQ(c.find_group("demo")->targets.size(), 2u);
}

TEST(config_load, every_key_set) {
  auto result = load_file(data_dir + "/config/full.toml", loopback_only);
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  const config& c = *result.value;
  EXPECT_EQ(c.global.workers, 4u);
  EXPECT_EQ(c.global.log_level, "debug");
  EXPECT_EQ(c.global.forwarding, forwarding_mode::splice);

  ASSERT_EQ(c.listeners.size(), 2u);
  const listener& web = c.listeners[0];
  EXPECT_EQ(web.name, "web");
  ASSERT_EQ(web.binds.size(), 2u);
  EXPECT_EQ(web.binds[0].to_string(), "127.0.0.1:8080");
  EXPECT_EQ(web.binds[1].to_string(), "[::1]:8080");
  EXPECT_EQ(web.target_group, "web-pool");
  EXPECT_EQ(web.max_connections, 500u);
  EXPECT_EQ(web.idle_timeout, 90s);
  EXPECT_EQ(web.backlog, 128u);
  const listener& db = c.listeners[1];
  EXPECT_EQ(db.name, "db.primary_1");
  ASSERT_EQ(db.binds.size(), 1u);  // a single string is a one-element list
  EXPECT_EQ(db.binds[0].to_string(), "127.0.0.2:5432");

  ASSERT_EQ(c.target_groups.size(), 2u);
  const target_group& pool = c.target_groups[0];
  EXPECT_EQ(pool.name, "web-pool");
  EXPECT_EQ(pool.balance, algorithm::maglev);
  EXPECT_EQ(pool.maglev_table_size, 251u);
  EXPECT_EQ(pool.connect_timeout, 750ms);
  EXPECT_EQ(pool.connect_retries, 0u);
  ASSERT_EQ(pool.targets.size(), 3u);
  EXPECT_EQ(pool.targets[0].address.to_string(), "10.0.0.1:80");  // targets need not be local
  EXPECT_EQ(pool.targets[0].weight, 1u);
  EXPECT_EQ(pool.targets[1].address.to_string(), "[2001:db8::1]:8080");
  EXPECT_EQ(pool.targets[1].weight, 256u);
  EXPECT_EQ(pool.targets[2].address.to_string(), "10.0.0.3:80");
  EXPECT_EQ(pool.targets[2].weight, 3u);
  EXPECT_EQ(c.target_groups[1].balance, algorithm::least_connections);
}

TEST(config_load, defaults_for_optional_keys) {
  auto result = load(R"(
[[listener]]
name = "a"
bind = ["127.0.0.1:1"]
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  ASSERT_TRUE(result.ok()) << testing::all_errors(result);
  const config& c = *result.value;
  const global_settings default_global;
  EXPECT_EQ(c.global.workers, default_global.workers);
  EXPECT_EQ(c.global.log_level, default_global.log_level);
  EXPECT_EQ(c.global.forwarding, default_global.forwarding);
  const listener default_listener;
  EXPECT_EQ(c.listeners[0].max_connections, default_listener.max_connections);
  EXPECT_EQ(c.listeners[0].idle_timeout, default_listener.idle_timeout);
  EXPECT_EQ(c.listeners[0].backlog, default_listener.backlog);
  const target_group default_group;
  EXPECT_EQ(c.target_groups[0].balance, default_group.balance);
  EXPECT_EQ(c.target_groups[0].maglev_table_size, default_group.maglev_table_size);
  EXPECT_EQ(c.target_groups[0].connect_timeout, default_group.connect_timeout);
  EXPECT_EQ(c.target_groups[0].connect_retries, default_group.connect_retries);
}

TEST(config_load, diagnostic_format) {
  diagnostic d{"web.toml", 12, 9, "listener \"web\": bad"};
  EXPECT_EQ(d.to_string(), "web.toml:12:9: error: listener \"web\": bad");
  diagnostic no_position{"missing.toml", 0, 0, "cannot read the file: No such file or directory"};
  EXPECT_EQ(no_position.to_string(), "missing.toml: error: cannot read the file: No such file or directory");
}

TEST(config_load, source_name_is_used) {
  auto result = parse("workers = 1\n", "conf/web.toml", loopback_only);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].source, "conf/web.toml");
  EXPECT_FALSE(result.value.has_value());
}

TEST(config_load, unreadable_file_gives_one_diagnostic) {
  auto missing = load_file(data_dir + "/config/does-not-exist.toml", loopback_only);
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].line, 0u);
  EXPECT_EQ(missing.errors[0].source, data_dir + "/config/does-not-exist.toml");
  EXPECT_NE(missing.errors[0].message.find("No such file or directory"), std::string::npos);

  auto directory = load_file(data_dir + "/config", loopback_only);
  ASSERT_EQ(directory.errors.size(), 1u);
  EXPECT_NE(directory.errors[0].message.find("Is a directory"), std::string::npos);
}

TEST(config_load, toml_syntax_error) {
  auto result = load(R"(
[global]
workers = 1
log_level = = 3
)");
  EXPECT_TRUE(has_only_error(result, 3, 13, "invalid TOML: "));
  EXPECT_TRUE(has_only_error(load("\n[global\nworkers = 1\n"), 1, 8, "invalid TOML: "));
}

TEST(config_load, toml_duplicate_key_is_a_syntax_error) {
  auto result = load(R"(
[global]
workers = 1
workers = 2
)");
  ASSERT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
  EXPECT_EQ(result.errors[0].line, 3u);
  EXPECT_NE(result.errors[0].message.find("workers"), std::string::npos);
}

TEST(config_load, no_listener_is_an_error_at_1_1) {
  EXPECT_TRUE(has_only_error(load(""), 1, 1, "at least one [[listener]] is required"));
  EXPECT_TRUE(has_only_error(load(R"(
# only globals
[global]
workers = 2
)"),
                             1, 1, "at least one [[listener]] is required"));
}

TEST(config_load, empty_listener_array) {
  EXPECT_TRUE(has_only_error(load("\nlistener = []\n"), 1, 12, "at least one [[listener]]"));
}

TEST(config_load, listener_must_be_an_array_of_tables) {
  auto single = load(R"(
[listener]
name = "a"
)");
  EXPECT_TRUE(has_only_error(single, 1, 1, "listener: expected an array of tables, written [[listener]], got a table"));
  auto strings = load("\nlistener = [\"a\"]\n");
  EXPECT_TRUE(has_only_error(strings, 1, 13, "got an array containing a string"));
}

TEST(config_load, unknown_top_level_keys_and_tables) {
  auto result = load(R"(
listeners = 1
[[listener]]
name = "a"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
[metrics]
port = 9100
)");
  ASSERT_EQ(result.errors.size(), 2u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 1, 1,
                        "unknown key \"listeners\" at top level (expected one of: global, admin, "
                        "listener, target_group, egress, aws)"));
  EXPECT_TRUE(has_error(result, 9, 2, "unknown key \"metrics\" at top level"));
}

TEST(config_load, global_must_be_a_table) {
  auto result = load("\nglobal = 5\n");
  EXPECT_TRUE(has_error(result, 1, 10, "global: expected a table, written [global], got an integer"));
}

// A valid listener and group after whatever [global] a test writes, so that
// the only errors are the ones under test.
std::string with_global(std::string_view global) {
  return std::string(global) + R"(
[[listener]]
name = "a"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)";
}

TEST(config_load, global_errors) {
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nworkers = \"4\"")), 2, 11,
                             "workers: expected an integer, got a string"));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nworkers = 1025")), 2, 11,
                             "workers: expected an integer in 0..1024, got 1025"));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nworkers = 1.0")), 2, 11,
                             "expected an integer, got a floating-point number"));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nlog_level = \"verbose\"")), 2, 13,
                             "log_level: expected one of trace, debug, info, warn, error; got \"verbose\""));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nforwarding = true")), 2, 14,
                             "forwarding: expected one of auto, splice, copy; got a boolean"));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\n  wrokers = 1")), 2, 3,
                             "unknown key \"wrokers\" in [global] (expected one of: workers, "
                             "log_level, forwarding, connection_log, shutdown_grace, state_dir)"));
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nconnection_log = \"relative.log\"")), 2, 18,
                             "connection_log: expected \"off\", \"stdout\", \"stderr\" or an absolute file path, "
                             "got \"relative.log\""));
}

TEST(config_load, control_characters_are_escaped_in_messages) {
  EXPECT_TRUE(has_only_error(load(with_global("[global]\nlog_level = \"in\\tfo\"")), 2, 13,
                             "got \"in\\x09fo\""));
}

TEST(config_load, unknown_listener_key) {
  auto result = load(R"(
[[listener]]
name = "web"
bnd = ["127.0.0.1:80"]
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  ASSERT_EQ(result.errors.size(), 2u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 1, 1, "listener \"web\": missing required key \"bind\""));
  EXPECT_TRUE(has_error(result, 3, 1,
                        "unknown key \"bnd\" in [[listener]] (expected one of: name, bind, "
                        "target_group, max_connections, idle_timeout, backlog, accept_proxy_protocol)"));
}

TEST(config_load, missing_listener_keys_point_at_the_header) {
  auto result = load(R"(
[global]
workers = 1

[[listener]]
max_connections = 5
)");
  ASSERT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 4, 1, "listener #1: missing required key \"name\""));
  EXPECT_TRUE(has_error(result, 4, 1, "listener #1: missing required key \"bind\""));
  EXPECT_TRUE(has_error(result, 4, 1, "listener #1: missing required key \"target_group\""));
}

// One listener with the given extra lines (from line 4 on) and a valid group.
std::string listener_with(std::string_view lines) {
  return R"([[listener]]
name = "web"
target_group = "g"
)" + std::string(lines) +
         R"(
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)";
}

TEST(config_load, listener_value_errors) {
  auto ok = [](std::string_view extra) { return load(listener_with(std::string("bind = \"127.0.0.1:1\"\n") + std::string(extra))); };
  EXPECT_TRUE(ok("").ok());
  EXPECT_TRUE(has_only_error(ok("idle_timeout = \"30\""), 5, 16,
                             "listener \"web\": idle_timeout: expected a duration like \"30s\" or "
                             "\"500ms\", got \"30\""));
  EXPECT_TRUE(has_only_error(ok("idle_timeout = 30"), 5, 16,
                             "idle_timeout: expected a duration like \"30s\" or \"500ms\", got an integer"));
  EXPECT_TRUE(has_only_error(ok("idle_timeout = \"0ms\""), 5, 16,
                             "idle_timeout: must be greater than zero, got \"0ms\""));
  EXPECT_TRUE(has_only_error(ok("max_connections = -1"), 5, 19,
                             "max_connections: expected an integer in 0..10000000, got -1"));
  EXPECT_TRUE(has_only_error(ok("max_connections = 10000001"), 5, 19, "0..10000000"));
  EXPECT_TRUE(ok("max_connections = 10000000").ok());
  EXPECT_TRUE(has_only_error(ok("backlog = 0"), 5, 11, "backlog: expected an integer in 1..65535, got 0"));
  EXPECT_TRUE(has_only_error(ok("backlog = 65536"), 5, 11, "1..65535"));
  EXPECT_TRUE(has_only_error(ok("backlog = \"1\""), 5, 11, "backlog: expected an integer, got a string"));
}

TEST(config_load, bind_errors) {
  auto with_bind = [](std::string_view bind) { return load(listener_with("bind = " + std::string(bind))); };
  EXPECT_TRUE(has_only_error(with_bind("[\"127.0.0.1:80\", \"10.99.99.99:80\"]"), 4, 25,
                             "listener \"web\": bind: 10.99.99.99:80 is not an address of this host"));
  EXPECT_TRUE(has_only_error(with_bind("\"localhost:80\""), 4, 8,
                             "bind: expected \"ip:port\" such as \"127.0.0.1:80\" or \"[::1]:80\", got \"localhost:80\""));
  EXPECT_TRUE(has_only_error(with_bind("\"::1:80\""), 4, 8, "got \"::1:80\""));
  EXPECT_TRUE(has_only_error(with_bind("\"127.0.0.1:0\""), 4, 8, "bind: port must be 1..65535, got \"127.0.0.1:0\""));
  EXPECT_TRUE(has_only_error(with_bind("\"127.0.0.1:65536\""), 4, 8, "expected \"ip:port\""));
  EXPECT_TRUE(has_only_error(with_bind("[]"), 4, 8, "bind: expected at least one \"ip:port\""));
  EXPECT_TRUE(has_only_error(with_bind("8080"), 4, 8,
                             "bind: expected an \"ip:port\" string or an array of them, got an integer"));
  EXPECT_TRUE(has_only_error(with_bind("[\"127.0.0.1:1\", 8080]"), 4, 24,
                             "bind: expected an \"ip:port\" string, got an integer"));
  EXPECT_TRUE(has_only_error(with_bind("[\"127.0.0.1:1\", \"127.0.0.1:1\"]"), 4, 24,
                             "bind: 127.0.0.1:1 is listed twice (first at line 4)"));
  EXPECT_TRUE(has_only_error(with_bind("[\"[::1]:1\", \"[0:0::1]:1\"]"), 4, 20,
                             "[::1]:1 is listed twice"));
}

TEST(config_load, same_bind_in_two_listeners_points_at_the_second) {
  auto result = load(R"(
[[listener]]
name = "a"
bind = ["127.0.0.1:80", "127.0.0.1:81"]
target_group = "g"

[[listener]]
name = "b"
bind = ["127.0.0.1:82", "127.0.0.1:81"]
target_group = "g"

[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(has_only_error(result, 8, 25,
                             "listener \"b\": bind: 127.0.0.1:81 is already bound by listener \"a\" at line 3"));
}

TEST(config_load, same_port_on_different_addresses_is_fine) {
  auto result = load(listener_with(R"(bind = ["127.0.0.1:80", "127.0.0.2:80", "[::1]:80"])"));
  EXPECT_TRUE(result.ok()) << testing::all_errors(result);
}

TEST(config_load, listener_names) {
  auto result = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "g"
[[listener]]
name = "web"
bind = "127.0.0.1:2"
target_group = "g"
[[listener]]
name = "my web"
bind = "127.0.0.1:3"
target_group = "g"
[[listener]]
name = 7
bind = "127.0.0.1:4"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  ASSERT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
  EXPECT_TRUE(has_error(result, 6, 8, "duplicate listener name \"web\" (first defined at line 2)"));
  EXPECT_TRUE(has_error(result, 10, 8,
                        "listener #3: name: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got \"my web\""));
  EXPECT_TRUE(has_error(result, 14, 8, "listener #4: name: expected a string, got an integer"));
}

TEST(config_load, name_length_limit) {
  const std::string longest(64, 'x');
  auto ok = load(R"([[listener]]
name = ")" + longest + R"("
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(ok.ok()) << testing::all_errors(ok);
  auto too_long = load(R"([[listener]]
name = ")" + longest + R"(y"
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(has_only_error(too_long, 2, 8, "expected 1 to 64 characters"));
  auto empty = load(R"([[listener]]
name = ""
bind = "127.0.0.1:1"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(has_only_error(empty, 2, 8, "expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got \"\""));
}

TEST(config_load, unknown_target_group) {
  auto result = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "nope"
[[target_group]]
name = "b"
targets = ["10.0.0.1:1"]
[[target_group]]
name = "a"
targets = ["10.0.0.1:1"]
)");
  EXPECT_TRUE(has_only_error(result, 4, 16,
                             "listener \"web\": target_group \"nope\" does not name a [[target_group]] "
                             "(known: \"a\", \"b\")"));
  auto none = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:1"
target_group = "nope"
)");
  EXPECT_TRUE(has_only_error(none, 4, 16, "(none is defined)"));
}

TEST(config_load, every_error_is_reported_in_document_order) {
  auto result = load(R"(
[global]
workers = -1
log_level = "loud"

[[listener]]
name = "web"
bind = ["127.0.0.1:80", "10.99.99.99:80"]
target_group = "nope"
idle_timeout = "30"
backlog = 0
colour = "blue"
)");
  ASSERT_EQ(result.errors.size(), 7u) << testing::all_errors(result);
  const std::pair<std::uint32_t, std::uint32_t> expected[] = {
      {2, 11}, {3, 13}, {7, 25}, {8, 16}, {9, 16}, {10, 11}, {11, 1}};
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(result.errors[i].line, expected[i].first) << i;
    EXPECT_EQ(result.errors[i].column, expected[i].second) << i;
  }
}

TEST(config_load, empty_address_check_skips_the_locality_test) {
  auto result = parse(listener_with("bind = \"10.99.99.99:80\""), "t.toml", local_address_check{});
  EXPECT_TRUE(result.ok()) << testing::all_errors(result);
}

TEST(config_load, real_is_local_address) {
  EXPECT_TRUE(is_local_address(*net::endpoint::parse("127.0.0.1:80")));
  EXPECT_TRUE(is_local_address(*net::endpoint::parse("0.0.0.0:80")));
  EXPECT_TRUE(is_local_address(*net::endpoint::parse("[::]:80")));
  EXPECT_FALSE(is_local_address(*net::endpoint::parse("192.0.2.1:80")));  // TEST-NET-1, never assigned
}

TEST(config_load, proxy_protocol_keys) {
  constexpr const char* base =
      "[[listener]]\nname = \"l\"\nbind = [\"127.0.0.1:80\"]\ntarget_group = \"g\"\n%s\n"
      "[[target_group]]\nname = \"g\"\ntargets = [\"10.0.0.1:80\"]\n%s\n";
  auto make = [&](const char* listener_extra, const char* group_extra) {
    char text[512];
    std::snprintf(text, sizeof text, base, listener_extra, group_extra);
    return std::string(text);
  };
  auto ok = load(make("accept_proxy_protocol = true", "proxy_protocol = \"v2\""));
  ASSERT_TRUE(ok.ok()) << all_errors(ok);
  EXPECT_TRUE(ok.value->listeners[0].accept_proxy_protocol);
  EXPECT_EQ(ok.value->target_groups[0].proxy_protocol, proxy_protocol_mode::v2);
  auto defaults = load(make("", ""));
  ASSERT_TRUE(defaults.ok()) << all_errors(defaults);
  EXPECT_FALSE(defaults.value->listeners[0].accept_proxy_protocol);
  EXPECT_EQ(defaults.value->target_groups[0].proxy_protocol, proxy_protocol_mode::off);
  EXPECT_TRUE(has_only_error(load(make("accept_proxy_protocol = \"yes\"", "")), 5, 25,
                             "accept_proxy_protocol: expected true or false, got a string"));
  EXPECT_TRUE(has_only_error(load(make("", "proxy_protocol = \"v3\"")), 9, 18,
                             "proxy_protocol: expected one of off, v1, v2; got \"v3\""));
}

TEST(config_load, admin_and_shutdown_grace) {
  constexpr const char* listener_and_group =
      "[[listener]]\nname = \"l\"\nbind = [\"127.0.0.1:80\"]\ntarget_group = \"g\"\n"
      "[[target_group]]\nname = \"g\"\ntargets = [\"10.0.0.1:80\"]\n";
  auto none = load(listener_and_group);
  ASSERT_TRUE(none.ok()) << all_errors(none);
  EXPECT_FALSE(none.value->admin.enabled);
  EXPECT_EQ(none.value->global.shutdown_grace, std::chrono::seconds(30));
  auto on = load(std::string("[global]\nshutdown_grace = \"2s\"\n[admin]\n") + listener_and_group);
  ASSERT_TRUE(on.ok()) << all_errors(on);
  EXPECT_TRUE(on.value->admin.enabled);
  EXPECT_EQ(on.value->admin.listen.to_string(), "127.0.0.1:9901");
  EXPECT_EQ(on.value->global.shutdown_grace, std::chrono::seconds(2));
  auto custom = load(std::string("[admin]\nlisten = \"127.0.0.9:8000\"\n") + listener_and_group);
  ASSERT_TRUE(custom.ok()) << all_errors(custom);
  EXPECT_EQ(custom.value->admin.listen.to_string(), "127.0.0.9:8000");
  EXPECT_TRUE(has_only_error(load(std::string("[admin]\nlisten = \"10.99.99.99:80\"\n") + listener_and_group), 2,
                             10, "admin.listen: 10.99.99.99:80 is not an address of this host"));
  EXPECT_TRUE(has_only_error(load(std::string("[admin]\nport = 1\n") + listener_and_group), 2, 1,
                             "unknown key \"port\" in [admin] (expected one of: listen)"));
}

}  // namespace
}  // namespace staticgate::config

// The loader on [[egress]] tables: defaults, every key, users from a credentials file and from
// the environment, the rule string forms, and every error at its position.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "config/load.hpp"
#include "config_test_support.hpp"
#include "egress/password_hash.hpp"

namespace staticgate::config {
namespace {

using testing::has_error;
using testing::has_only_error;
using namespace std::chrono_literals;

// "correct horse", as in tests/unit/egress/credentials_test.cpp.
const std::string sha512_hash =
    "$6$saltsaltsalt$Cy2drr8kDRji6smvDcT28wkqtq0R0VzVL5CkrjPQCITc5d/31j94knt9rGTcVSyjLXfjsiIsBh5ee8qR/3QDx1";
const std::string bcrypt_hash = "$2b$04$.b6LE14iRBcs7Wf1GgZC7ODlPSSnTafTrnQZyE1rv4IJ2me/rzrV6";

// The environment every test sees; nothing is read from the real one.
const std::map<std::string, std::string> environment = {
    {"ALICE_HASH", sha512_hash}, {"BOB_PASSWORD", "hunter2"}, {"EMPTY", ""}};

const char* fake_getenv(const char* name) {
  const auto it = environment.find(name);
  return it == environment.end() ? nullptr : it->second.c_str();
}

// Loopback (also IPv4-mapped) and the wildcard addresses are this host's, as on a real one.
bool is_local(const net::endpoint& address) {
  return testing::loopback_only(address) || address.is_unspecified() ||
         address.ip_string().starts_with("::ffff:127.");
}

// As testing::load (one leading newline dropped), with the fake environment.
load_result load(std::string_view text) {
  if (text.starts_with('\n')) text.remove_prefix(1);
  return parse(text, "t.toml", is_local, fake_getenv);
}

// An unauthenticated loopback server "out" on lines 1-4; a test's body starts on line 5.
constexpr std::string_view open_head = R"([[egress]]
name = "out"
bind = "127.0.0.1:1080"
authentication = "none"
)";
// A password server "out" on lines 1-3 (no users yet); a test's body starts on line 4.
constexpr std::string_view password_head = R"([[egress]]
name = "out"
bind = "127.0.0.1:1080"
)";

std::string cat(std::string_view a, std::string_view b) { return std::string(a) + std::string(b) + "\n"; }

TEST(config_egress, open_loopback_server_takes_the_defaults_and_needs_no_listener) {
  auto r = load(open_head);
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_TRUE(r.value->listeners.empty());
  ASSERT_EQ(r.value->egress.size(), 1u);
  const auto& e = r.value->egress[0];
  EXPECT_EQ(e.name, "out");
  ASSERT_EQ(e.binds.size(), 1u);
  EXPECT_EQ(e.binds[0].to_string(), "127.0.0.1:1080");
  EXPECT_TRUE(e.socks5);
  EXPECT_TRUE(e.http);
  EXPECT_FALSE(e.authentication);
  EXPECT_FALSE(e.allow_open_proxy);
  EXPECT_TRUE(e.credentials_file.empty());
  EXPECT_TRUE(e.users.empty());
  EXPECT_TRUE(e.source_addresses.empty());
  EXPECT_EQ(e.selection, source_selection::round_robin);
  EXPECT_FALSE(e.access.allow);
  EXPECT_FALSE(e.access.allow_private);
  EXPECT_TRUE(e.name_servers.empty());
  EXPECT_EQ(e.handshake_timeout, 10s);
  EXPECT_EQ(e.connect_timeout, 10s);
  EXPECT_EQ(e.idle_timeout, 350s);
  EXPECT_EQ(e.max_connections, 0u);
  EXPECT_EQ(e.max_connections_per_user, 0u);
}

TEST(config_egress, every_key_with_users_from_the_environment) {
  auto r = load(R"(
[[egress]]
name = "out"
bind = ["127.0.0.1:1080", "[::1]:1080"]
protocols = ["http"]
authentication = "password"
source_addresses = ["127.0.0.77", "0:0:0:0:0:0:0:1"]
source_selection = "per_user"
name_servers = ["10.0.0.2", "127.0.0.1:5353"]
handshake_timeout = "5s"
connect_timeout = "3s"
idle_timeout = "1m"
max_connections = 1000
max_connections_per_user = 50
[egress.access]
allow = [{ destination = "*.vendor.com", ports = "443" }, { destination = "203.0.113.0/24" }, "any:8443"]
allow_private = true
[[egress.user]]
name = "alice"
password_hash_env = "ALICE_HASH"
source_address = "::1"
max_connections = 100
access = { allow = [{ destination = "api.vendor.com", ports = 443 }] }
[[egress.user]]
name = "bob"
password_env = "BOB_PASSWORD"
[egress.user.access]
allow = []
allow_private = false
)");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& e = r.value->egress[0];
  EXPECT_EQ(e.binds.size(), 2u);
  EXPECT_FALSE(e.socks5);
  EXPECT_TRUE(e.http);
  EXPECT_TRUE(e.authentication);
  EXPECT_EQ(e.source_addresses, (std::vector<std::string>{"127.0.0.77", "::1"}));  // canonical text
  EXPECT_EQ(e.selection, source_selection::per_user);
  EXPECT_EQ(e.name_servers, (std::vector<std::string>{"10.0.0.2:53", "127.0.0.1:5353"}));
  EXPECT_EQ(e.handshake_timeout, 5s);
  EXPECT_EQ(e.connect_timeout, 3s);
  EXPECT_EQ(e.idle_timeout, 60s);
  EXPECT_EQ(e.max_connections, 1000u);
  EXPECT_EQ(e.max_connections_per_user, 50u);
  ASSERT_TRUE(e.access.allow);
  ASSERT_EQ(e.access.allow->size(), 3u);
  EXPECT_EQ((*e.access.allow)[0].destination, "*.vendor.com");
  EXPECT_EQ((*e.access.allow)[0].ports, "443");
  EXPECT_EQ((*e.access.allow)[1].destination, "203.0.113.0/24");
  EXPECT_EQ((*e.access.allow)[1].ports, "any");
  EXPECT_EQ((*e.access.allow)[2].destination, "*");
  EXPECT_EQ((*e.access.allow)[2].ports, "8443");
  EXPECT_EQ(e.access.allow_private, true);

  ASSERT_EQ(e.users.size(), 2u);
  const auto& alice = e.users[0];
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.password_hash, sha512_hash);
  EXPECT_EQ(alice.password_hash_env, "ALICE_HASH");
  EXPECT_EQ(alice.source_address, "::1");
  EXPECT_EQ(alice.max_connections, 100u);
  ASSERT_TRUE(alice.access.allow);
  EXPECT_EQ((*alice.access.allow)[0].destination, "api.vendor.com");
  EXPECT_EQ((*alice.access.allow)[0].ports, "443");  // an integer port becomes text
  EXPECT_FALSE(alice.access.allow_private);          // unset: inherited at run time

  const auto& bob = e.users[1];
  EXPECT_EQ(bob.password_env, "BOB_PASSWORD");
  EXPECT_TRUE(bob.password_hash.starts_with("$y$")) << bob.password_hash;  // hashed with yescrypt at load
  EXPECT_TRUE(egress::verify_password("hunter2", bob.password_hash));
  EXPECT_FALSE(bob.source_address);
  ASSERT_TRUE(bob.access.allow);
  EXPECT_TRUE(bob.access.allow->empty());  // set but empty: allows nothing
  EXPECT_EQ(bob.access.allow_private, false);
}

TEST(config_egress, rule_string_forms) {
  struct example {
    std::string text;
    std::string destination;
    std::string ports;
  };
  const example examples[] = {
      {"any", "*", "any"},
      {"*", "*", "any"},
      {"any:443", "*", "443"},
      {"api.example.com", "api.example.com", "any"},
      {"api.example.com:443", "api.example.com", "443"},
      {"*.vendor.com:80,443", "*.vendor.com", "80,443"},
      {"203.0.113.0/24", "203.0.113.0/24", "any"},
      {"203.0.113.7:8000-8999", "203.0.113.7", "8000-8999"},
      {"[2001:db8::1]", "2001:db8::1", "any"},
      {"[2001:db8::1]:443", "2001:db8::1", "443"},
      {"[2001:db8::]/32", "2001:db8::/32", "any"},
      {"[2001:db8::]/32:443", "2001:db8::/32", "443"},
  };
  for (const auto& ex : examples) {
    auto r = load(cat(open_head, "access = { allow = [\"" + ex.text + "\"] }"));
    ASSERT_TRUE(r.ok()) << ex.text << "\n" << testing::all_errors(r);
    const auto& rule = r.value->egress[0].access.allow->at(0);
    EXPECT_EQ(rule.destination, ex.destination) << ex.text;
    EXPECT_EQ(rule.ports, ex.ports) << ex.text;
  }
  // The table form takes IPv6 as it is, and "any" as a destination.
  auto r = load(cat(open_head, R"(access = { allow = [{ destination = "2001:db8::/32", ports = "443" }, { destination = "any" }] })"));
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_EQ(r.value->egress[0].access.allow->at(0).destination, "2001:db8::/32");
  EXPECT_EQ(r.value->egress[0].access.allow->at(1).destination, "*");
}

TEST(config_egress, listener_and_egress_side_by_side) {
  auto r = load(R"(
[[listener]]
name = "web"
bind = "127.0.0.1:80"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:80"]
[[egress]]
name = "out"
bind = "127.0.0.1:1080"
authentication = "none"
)");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_EQ(r.value->listeners.size(), 1u);
  EXPECT_EQ(r.value->egress.size(), 1u);
}

TEST(config_egress, neither_listener_nor_egress) {
  EXPECT_TRUE(has_only_error(load("\negress = []\n"), 1, 10, "at least one [[listener]] is required"));
  EXPECT_TRUE(has_only_error(load("\nlistener = []\negress = []\n"), 1, 12, "at least one [[listener]] is required"));
  // An empty listener array is fine next to an egress server.
  EXPECT_TRUE(load(cat("listener = []\n", open_head)).ok());
}

TEST(config_egress, an_open_proxy_must_be_confirmed) {
  const std::string doc = R"([[egress]]
name = "out"
bind = ["127.0.0.1:1080", "[::ffff:127.0.0.2]:1080", "0.0.0.0:1080"]
authentication = "none"
)";
  EXPECT_TRUE(has_only_error(load(doc), 4, 18,
                             "egress \"out\": authentication: \"none\" on 0.0.0.0:1080, which is not a loopback "
                             "address, would make an open proxy: anyone who can reach it could connect anywhere "
                             "from this host's addresses. Bind to loopback only, use \"password\", or set "
                             "allow_open_proxy = true if only trusted clients can reach it"));
  auto r = load(doc + "allow_open_proxy = true\n");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_TRUE(r.value->egress[0].allow_open_proxy);
  // ... and means nothing with passwords.
  EXPECT_TRUE(has_only_error(load(cat(password_head, "allow_open_proxy = true\n"
                                                     "[[egress.user]]\nname = \"a\"\npassword_env = \"BOB_PASSWORD\"")),
                             4, 20, "egress \"out\": allow_open_proxy: only for authentication = \"none\""));
  EXPECT_TRUE(load(cat(open_head, "allow_open_proxy = false")).ok());
}

struct error_case {
  std::string name;
  std::string toml;
  std::uint32_t line;
  std::uint32_t column;
  std::string message;
};

void expect_only_errors(const std::vector<error_case>& cases) {
  for (const auto& c : cases) EXPECT_TRUE(has_only_error(load(c.toml), c.line, c.column, c.message)) << c.name;
}

TEST(config_egress, server_value_errors) {
  expect_only_errors({
      {"egress not tables", "egress = 1\n", 1, 10,
       "egress: expected an array of tables, written [[egress]], got an integer"},
      {"unknown key", cat(open_head, "timeout = \"5s\""), 5, 1,
       "unknown key \"timeout\" in [[egress]] (expected one of: name, bind, protocols, authentication, "
       "allow_open_proxy, credentials_file, source_addresses, source_selection, name_servers, handshake_timeout, "
       "connect_timeout, idle_timeout, max_connections, max_connections_per_user, access, user)"},
      {"missing bind", "[[egress]]\nname = \"out\"\nauthentication = \"none\"\n", 1, 1,
       "egress \"out\": missing required key \"bind\""},
      {"bind not local", "[[egress]]\nname = \"out\"\nbind = \"10.0.0.1:1080\"\nauthentication = \"none\"\n"
                         "allow_open_proxy = true\n",
       3, 8, "egress \"out\": bind: 10.0.0.1:1080 is not an address of this host"},
      {"bad name", "[[egress]]\nname = \"o u t\"\nbind = \"127.0.0.1:1080\"\nauthentication = \"none\"\n", 2, 8,
       "egress #1: name: expected 1 to 64 characters from A-Z a-z 0-9 _ . -, got \"o u t\""},
      {"duplicate name", cat(open_head, "[[egress]]\nname = \"out\"\nbind = \"127.0.0.1:1081\"\nauthentication = \"none\""),
       6, 8, "duplicate egress name \"out\" (first defined at line 2)"},
      {"authentication word", cat(password_head, "authentication = \"basic\""), 4, 18,
       "egress \"out\": authentication: expected one of password, none; got \"basic\""},
      {"protocols empty", cat(open_head, "protocols = []"), 5, 13,
       "egress \"out\": protocols: expected [\"socks5\"], [\"http\"] or [\"socks5\", \"http\"], got an empty array"},
      {"protocols string", cat(open_head, "protocols = \"http\""), 5, 13,
       "egress \"out\": protocols: expected [\"socks5\"], [\"http\"] or [\"socks5\", \"http\"], got a string"},
      {"protocols word", cat(open_head, "protocols = [\"socks5\", \"socks4\"]"), 5, 24,
       "egress \"out\": protocols: expected \"socks5\" or \"http\", got \"socks4\""},
      {"protocols twice", cat(open_head, "protocols = [\"http\", \"http\"]"), 5, 22,
       "egress \"out\": protocols: \"http\" is listed twice"},
      {"source_addresses string", cat(open_head, "source_addresses = \"127.0.0.77\""), 5, 20,
       "egress \"out\": source_addresses: expected an array of IP addresses such as [\"192.0.2.10\", "
       "\"2001:db8::10\"], got a string"},
      {"source address with port", cat(open_head, "source_addresses = [\"127.0.0.77:80\"]"), 5, 21,
       "egress \"out\": source_addresses: expected an IP address such as \"192.0.2.10\" or \"2001:db8::10\" (no "
       "port), got \"127.0.0.77:80\""},
      {"source address not local", cat(open_head, "source_addresses = [\"10.0.0.5\"]"), 5, 21,
       "egress \"out\": source_addresses: 10.0.0.5 is not an address of this host"},
      {"source address unspecified", cat(open_head, "source_addresses = [\"::\"]"), 5, 21,
       "egress \"out\": source_addresses: :: is not one address (leave source_addresses out to let the kernel "
       "choose)"},
      {"source address twice", cat(open_head, "source_addresses = [\"::1\", \"0:0::1\"]"), 5, 28,
       "egress \"out\": source_addresses: ::1 is listed twice (first at line 5)"},
      {"source address integer", cat(open_head, "source_addresses = [1]"), 5, 21,
       "egress \"out\": source_addresses: expected a string, got an integer"},
      {"source_selection word", cat(open_head, "source_selection = \"random\""), 5, 20,
       "egress \"out\": source_selection: expected one of round_robin, per_user, destination_hash; got \"random\""},
      {"per_user without passwords", cat(open_head, "source_selection = \"per_user\""), 5, 20,
       "egress \"out\": source_selection: \"per_user\" needs authentication = \"password\""},
      {"name server", cat(open_head, "name_servers = [\"dns.google\"]"), 5, 17,
       "egress \"out\": name_servers: expected \"ip\" or \"ip:port\" such as \"10.0.0.2\", \"127.0.0.1:5353\" or "
       "\"[::1]:53\", got \"dns.google\""},
      {"name servers string", cat(open_head, "name_servers = \"10.0.0.2\""), 5, 16,
       "egress \"out\": name_servers: expected an array of \"ip\" or \"ip:port\" strings, got a string"},
      {"handshake_timeout", cat(open_head, "handshake_timeout = \"10\""), 5, 21,
       "egress \"out\": handshake_timeout: expected a duration like \"30s\" or \"500ms\", got \"10\""},
      {"connect_timeout zero", cat(open_head, "connect_timeout = \"0s\""), 5, 19,
       "egress \"out\": connect_timeout: must be greater than zero, got \"0s\""},
      {"idle_timeout integer", cat(open_head, "idle_timeout = 5"), 5, 16,
       "egress \"out\": idle_timeout: expected a duration like \"30s\" or \"500ms\", got an integer"},
      {"max_connections", cat(open_head, "max_connections = -1"), 5, 19,
       "egress \"out\": max_connections: expected an integer in 0..10000000, got -1"},
      {"max_connections_per_user", cat(open_head, "max_connections_per_user = 10000001"), 5, 28,
       "egress \"out\": max_connections_per_user: expected an integer in 0..10000000, got 10000001"},
      {"allow_open_proxy type", cat(open_head, "allow_open_proxy = \"yes\""), 5, 20,
       "egress \"out\": allow_open_proxy: expected true or false, got a string"},
      {"credentials_file without passwords", cat(open_head, "credentials_file = \"/etc/x\""), 5, 20,
       "egress \"out\": credentials_file: only for authentication = \"password\""},
  });
}

TEST(config_egress, access_errors) {
  const std::string p = "egress \"out\": access.allow: ";
  expect_only_errors({
      {"access not a table", cat(open_head, "access = 1"), 5, 10,
       "egress \"out\": access: expected a table, written [egress.access] or access = { allow = [...] }, got an "
       "integer"},
      {"unknown access key", cat(open_head, "[egress.access]\ndeny = []"), 6, 1,
       "unknown key \"deny\" in [egress.access] (expected one of: allow, allow_private)"},
      {"allow not an array", cat(open_head, "access = { allow = \"any\" }"), 5, 20,
       p.substr(0, p.size() - 2) + ": expected an array of rules such as [\"api.example.com:443\", "
                                   "{ destination = \"203.0.113.0/24\", ports = \"80,443\" }], got a string"},
      {"allow_private type", cat(open_head, "access = { allow_private = 1 }"), 5, 28,
       "egress \"out\": access.allow_private: expected true or false, got an integer"},
      {"rule type", cat(open_head, "access = { allow = [1] }"), 5, 21,
       p + "expected \"destination\", \"destination:ports\" or { destination = ..., ports = ... }, got an integer"},
      {"string: bad host", cat(open_head, "access = { allow = [\"bad host\"] }"), 5, 21,
       p + "\"bad host\": \"bad host\" is not a valid host name"},
      {"string: bad port", cat(open_head, "access = { allow = [\"a.com:0\"] }"), 5, 21,
       p + "\"a.com:0\": ports \"0\": \"0\" is not a port 1-65535 or a range \"low-high\""},
      {"string: no port after colon", cat(open_head, "access = { allow = [\"a.com:\"] }"), 5, 21,
       p + "\"a.com:\": ports \"\": \"\" is empty (write \"any\" for any port)"},
      {"string: IPv6 without brackets", cat(open_head, "access = { allow = [\"2001:db8::/32\"] }"), 5, 21,
       p + "\"2001:db8::/32\": an IPv6 destination must be in brackets, as in \"[2001:db8::]/32\" or "
           "\"[2001:db8::1]:443\", or written { destination = \"2001:db8::/32\", ports = \"443\" }"},
      {"string: IPv4 in brackets", cat(open_head, "access = { allow = [\"[10.0.0.0]/8\"] }"), 5, 21,
       p + "\"[10.0.0.0]/8\": brackets are only for IPv6 addresses, as in \"[2001:db8::]/32:443\""},
      {"string: no closing bracket", cat(open_head, "access = { allow = [\"[2001:db8::\"] }"), 5, 21,
       p + "\"[2001:db8::\": '[' without a closing ']'"},
      {"string: junk after bracket", cat(open_head, "access = { allow = [\"[2001:db8::1]x\"] }"), 5, 21,
       p + "\"[2001:db8::1]x\": expected \"/length\" or \":ports\" after ']'"},
      {"string: host bits", cat(open_head, "access = { allow = [\"10.0.0.1/8:443\"] }"), 5, 21,
       p + "\"10.0.0.1/8:443\": \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?"},
      {"string: bad IPv6 prefix", cat(open_head, "access = { allow = [\"[2001:db8::]/129\"] }"), 5, 21,
       p + "\"[2001:db8::]/129\": \"2001:db8::/129\" has an invalid prefix length"},
      {"table: no destination", cat(open_head, "access = { allow = [{ ports = \"443\" }] }"), 5, 21,
       p + "missing required key \"destination\""},
      {"table: unknown key", cat(open_head, "access = { allow = [{ destination = \"a.com\", port = 443 }] }"), 5, 46,
       "unknown key \"port\" in an allow rule (expected one of: destination, ports)"},
      {"table: destination type", cat(open_head, "access = { allow = [{ destination = 1 }] }"), 5, 37,
       "egress \"out\": access.allow.destination: expected a string, got an integer"},
      {"table: bad destination", cat(open_head, "access = { allow = [{ destination = \"*vendor.com\" }] }"), 5, 37,
       p + "\"*vendor.com\": a wildcard is only allowed as the whole first label (\"*.example.com\")"},
      {"table: bad ports", cat(open_head, "access = { allow = [{ destination = \"a.com\", ports = \"x\" }] }"), 5,
       54, p + "ports \"x\": \"x\" is not a port 1-65535 or a range \"low-high\""},
      {"table: port out of range", cat(open_head, "access = { allow = [{ destination = \"a.com\", ports = 0 }] }"), 5,
       54, "egress \"out\": access.allow.ports: expected an integer in 1..65535, got 0"},
      {"table: ports type", cat(open_head, "access = { allow = [{ destination = \"a.com\", ports = true }] }"), 5,
       54,
       "egress \"out\": access.allow.ports: expected a port number or a string such as \"443\", \"80,443\" or "
       "\"8000-8999\", got a boolean"},
  });
}

TEST(config_egress, bind_conflicts) {
  const std::string listener = R"([[listener]]
name = "web"
bind = "127.0.0.1:1080"
target_group = "g"
[[target_group]]
name = "g"
targets = ["10.0.0.1:80"]
)";
  EXPECT_TRUE(has_only_error(load(listener + std::string(open_head)), 10, 8,
                             "egress \"out\": bind: 127.0.0.1:1080 is already bound by listener \"web\" at line 3"));
  // An egress earlier in the file is still the one reported: listeners are read first.
  EXPECT_TRUE(has_only_error(load(std::string(open_head) + listener), 3, 8,
                             "egress \"out\": bind: 127.0.0.1:1080 is already bound by listener \"web\" at line 7"));
  EXPECT_TRUE(has_only_error(load(cat(open_head, "[[egress]]\nname = \"two\"\nbind = [\"127.0.0.1:1081\", "
                                                 "\"127.0.0.1:1080\"]\nauthentication = \"none\"")),
                             7, 27, "egress \"two\": bind: 127.0.0.1:1080 is already bound by egress \"out\" at line 3"));
  EXPECT_TRUE(has_only_error(
      load("[[egress]]\nname = \"out\"\nbind = [\"127.0.0.1:1080\", \"127.0.0.1:1080\"]\nauthentication = \"none\"\n"),
      3, 27, "egress \"out\": bind: 127.0.0.1:1080 is listed twice (first at line 3)"));
}

TEST(config_egress, user_errors) {
  const std::string user = "[[egress.user]]\n";  // line 4; the user's keys from line 5
  expect_only_errors({
      {"no users", std::string(password_head), 1, 1,
       "egress \"out\": authentication = \"password\" needs at least one user: add [[egress.user]] tables or a "
       "credentials_file"},
      {"no users, explicit", cat(password_head, "authentication = \"password\""), 4, 18,
       "egress \"out\": authentication = \"password\" needs at least one user"},
      {"users without passwords", cat(open_head, "[[egress.user]]\nname = \"a\""), 5, 1,
       "egress \"out\": [[egress.user]] is only for authentication = \"password\""},
      {"unknown key", cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\npassword = \"x\""), 7,
       1,
       "unknown key \"password\" in [[egress.user]] (expected one of: name, password_hash_env, password_env, "
       "source_address, max_connections, access)"},
      {"no name", cat(password_head, user + "password_env = \"BOB_PASSWORD\""), 4, 1,
       "egress \"out\" user #1: missing required key \"name\""},
      {"bad name", cat(password_head, user + "name = \"a b\"\npassword_env = \"BOB_PASSWORD\""), 5, 8,
       "egress \"out\" user #1: name: the user name contains a blank, ':' or a control character, got \"a b\""},
      {"duplicate name",
       cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\n" + user +
                              "name = \"a\"\npassword_hash_env = \"ALICE_HASH\""),
       8, 8, "egress \"out\": duplicate user name \"a\" (first defined at line 5)"},
      {"both variables",
       cat(password_head, user + "name = \"a\"\npassword_hash_env = \"ALICE_HASH\"\npassword_env = \"BOB_PASSWORD\""),
       7, 16, "egress \"out\" user \"a\": password_env: set password_hash_env or password_env, not both"},
      {"variable unset", cat(password_head, user + "name = \"a\"\npassword_env = \"NOPE\""), 6, 16,
       "egress \"out\" user \"a\": password_env: environment variable NOPE (user \"a\") is not set"},
      {"variable empty", cat(password_head, user + "name = \"a\"\npassword_hash_env = \"EMPTY\""), 6, 21,
       "egress \"out\" user \"a\": password_hash_env: environment variable EMPTY (user \"a\") is empty"},
      {"variable not a hash", cat(password_head, user + "name = \"a\"\npassword_hash_env = \"BOB_PASSWORD\""), 6, 21,
       "egress \"out\" user \"a\": password_hash_env: environment variable BOB_PASSWORD (user \"a\"): user \"a\": "},
      {"variable name", cat(password_head, user + "name = \"a\"\npassword_env = \"1X\""), 6, 16,
       "egress \"out\" user \"a\": password_env: expected an environment variable name (letters, digits and '_', "
       "not starting with a digit), got \"1X\""},
      {"variable type", cat(password_head, user + "name = \"a\"\npassword_env = 1"), 6, 16,
       "egress \"out\" user \"a\": password_env: expected a string, got an integer"},
      {"no password", cat(password_head, user + "name = \"a\""), 5, 8,
       "egress \"out\" user \"a\": no password: set password_hash_env or password_env, or add the user to a "
       "credentials_file"},
      {"source_address bad", cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\nsource_address = \"x\""),
       7, 18,
       "egress \"out\" user \"a\": source_address: expected an IP address such as \"192.0.2.10\" or \"2001:db8::10\" "
       "(no port), got \"x\""},
      {"source_address not listed",
       cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\nsource_address = \"127.0.0.9\""), 7, 18,
       "egress \"out\" user \"a\": source_address: 127.0.0.9 is not one of source_addresses (none is set)"},
      {"source_address without per_user",
       cat(password_head, "source_addresses = [\"127.0.0.77\"]\n" + user +
                              "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\nsource_address = \"127.0.0.77\""),
       8, 18, "egress \"out\" user \"a\": source_address: only used with source_selection = \"per_user\""},
      {"max_connections", cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\nmax_connections = -1"),
       7, 19, "egress \"out\" user \"a\": max_connections: expected an integer in 0..10000000, got -1"},
      {"access key", cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\naccess = { deny = 1 }"), 7,
       12, "unknown key \"deny\" in [egress.user.access] (expected one of: allow, allow_private)"},
      {"access rule", cat(password_head, user + "name = \"a\"\npassword_env = \"BOB_PASSWORD\"\n[egress.user.access]\nallow = [\"a.com:x\"]"),
       8, 10, "egress \"out\" user \"a\": access.allow: \"a.com:x\": ports \"x\""},
  });
  // Not an array of tables: reported, and the server then has no users either.
  auto r = load(cat(password_head, "user = 1"));
  EXPECT_TRUE(has_error(r, 4, 8, "egress.user: expected an array of tables, written [[egress.user]], got an integer"));
}

class config_egress_file : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = (std::filesystem::temp_directory_path() / "staticgate-egress-XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = name;
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  // password_head with credentials_file (line 4), then body from line 5.
  std::string with_file(std::string_view body = "") const {
    return std::string(password_head) + "credentials_file = \"" + path_ + "\"\n" + std::string(body) + "\n";
  }

  std::string path_;
};

TEST_F(config_egress_file, users_from_the_file_and_from_tables) {
  write("# users\ncarol:" + bcrypt_hash + "\nalice:" + sha512_hash + "\n");
  auto r = load(with_file(R"([[egress.user]]
name = "alice"
max_connections = 3
[[egress.user]]
name = "bob"
password_env = "BOB_PASSWORD"
)"));
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& e = r.value->egress[0];
  EXPECT_EQ(e.credentials_file, path_);
  ASSERT_EQ(e.users.size(), 3u);  // the tables' users in order, then the file's others by name
  EXPECT_EQ(e.users[0].name, "alice");
  EXPECT_EQ(e.users[0].password_hash, sha512_hash);  // copied from the file
  EXPECT_EQ(e.users[0].max_connections, 3u);
  EXPECT_EQ(e.users[1].name, "bob");
  EXPECT_TRUE(egress::verify_password("hunter2", e.users[1].password_hash));
  EXPECT_EQ(e.users[2].name, "carol");
  EXPECT_EQ(e.users[2].password_hash, bcrypt_hash);
  EXPECT_FALSE(e.users[2].access.allow);  // default access
  EXPECT_FALSE(e.users[2].source_address);
}

TEST_F(config_egress_file, the_file_alone_is_enough) {
  write("alice:" + sha512_hash + "\n");
  auto r = load(with_file());
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  ASSERT_EQ(r.value->egress[0].users.size(), 1u);
  EXPECT_EQ(r.value->egress[0].users[0].password_hash, sha512_hash);
}

TEST_F(config_egress_file, errors_in_the_file_carry_its_line_numbers) {
  write("alice:" + sha512_hash + "\nno colon here\n\nbob:$1$abc$def\nalice:" + bcrypt_hash + "\n");
  auto r = load(with_file());
  ASSERT_EQ(r.errors.size(), 3u) << testing::all_errors(r);  // no "needs a user" on top
  const std::string at = "egress \"out\": credentials_file: " + path_;
  EXPECT_TRUE(has_error(r, 4, 20, at + ":2: expected \"user:hash\", found no ':'"));
  EXPECT_TRUE(has_error(r, 4, 20, at + ":4: user \"bob\": "));
  EXPECT_TRUE(has_error(r, 4, 20, at + ":5: user \"alice\" is already defined on line 1"));
}

TEST_F(config_egress_file, path_and_reading_errors) {
  EXPECT_TRUE(has_only_error(load(cat(password_head, "credentials_file = \"egress.passwd\"")), 4, 20,
                             "egress \"out\": credentials_file: expected an absolute file path, got \"egress.passwd\""));
  EXPECT_TRUE(has_only_error(load(cat(password_head, "credentials_file = \"/nonexistent/egress.passwd\"")), 4, 20,
                             "egress \"out\": credentials_file: cannot read /nonexistent/egress.passwd: No such file "
                             "or directory"));
}

TEST_F(config_egress_file, user_rules_against_the_file) {
  write("# no users yet\n");
  EXPECT_TRUE(has_only_error(load(with_file()), 1, 1,
                             "egress \"out\": authentication = \"password\" needs at least one user"));
  EXPECT_TRUE(has_only_error(load(with_file("[[egress.user]]\nname = \"dave\"")), 6, 8,
                             "egress \"out\" user \"dave\": not in credentials_file " + path_ +
                                 ": add it there, or set password_hash_env or password_env"));
  write("alice:" + sha512_hash + "\n");
  EXPECT_TRUE(has_only_error(load(with_file("[[egress.user]]\nname = \"alice\"\npassword_hash_env = \"ALICE_HASH\"")), 7,
                             21,
                             "egress \"out\" user \"alice\": password_hash_env: user \"alice\" is also in "
                             "credentials_file " + path_ + "; give each user's password in one place"));
}

TEST(config_egress, the_real_environment_by_default) {
  ::setenv("STATICGATE_TEST_EGRESS_HASH", sha512_hash.c_str(), 1);
  auto r = parse(cat(password_head, "[[egress.user]]\nname = \"a\"\npassword_hash_env = \"STATICGATE_TEST_EGRESS_HASH\""),
                 "t.toml", testing::loopback_only);
  ::unsetenv("STATICGATE_TEST_EGRESS_HASH");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_EQ(r.value->egress[0].users[0].password_hash, sha512_hash);
}

}  // namespace
}  // namespace staticgate::config

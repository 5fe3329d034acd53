// SOCKS5 codec tests: each parser's outcomes table-driven (every reply code it can produce), the
// incremental property at every split point, the encoders' exact bytes, round trips, and
// garbage input.
#include "egress/socks5_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace socks5 = staticgate::egress::socks5;
using socks5::reply_code;
using staticgate::egress::destination;
using staticgate::net::endpoint;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes text(std::string_view s) { return {s.begin(), s.end()}; }

endpoint ep(std::string_view s) { return endpoint::parse(s).value(); }

template <class T>
std::string describe(const socks5::parse_result<T>& r) {
  if (std::holds_alternative<socks5::need_more>(r)) return "need_more";
  if (const auto* e = std::get_if<socks5::error>(&r))
    return "error " + std::to_string(static_cast<int>(e->reply)) + ": " + std::string(e->reason);
  return "parsed, consumed " + std::to_string(std::get<socks5::parsed<T>>(r).consumed);
}

template <class T>
bool same(const socks5::parse_result<T>& a, const socks5::parse_result<T>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ea = std::get_if<socks5::error>(&a)) return ea->reply == std::get<socks5::error>(b).reply;
  if (const auto* pa = std::get_if<socks5::parsed<T>>(&a)) {
    const auto& pb = std::get<socks5::parsed<T>>(b);
    return pa->consumed == pb.consumed && pa->value == pb.value;
  }
  return true;
}

// Each prefix answers need_more or the whole input's answer; bytes after a complete message do
// not change it.
template <class T, class Parse>
void expect_incremental(const bytes& input, Parse parse) {
  const auto whole = parse(std::span<const std::uint8_t>(input));
  for (std::size_t k = 0; k < input.size(); ++k) {
    const auto r = parse(std::span<const std::uint8_t>(input).first(k));
    if (std::holds_alternative<socks5::need_more>(r)) continue;
    EXPECT_TRUE(same<T>(r, whole)) << "prefix " << k << ": " << describe<T>(r) << " vs " << describe<T>(whole);
  }
  if (const auto* p = std::get_if<socks5::parsed<T>>(&whole)) {
    EXPECT_LE(p->consumed, input.size());
    const bytes longer = input + bytes{0x05, 0x01, 0x00};
    EXPECT_TRUE(same<T>(parse(std::span<const std::uint8_t>(longer)), whole));
  }
}

struct outcome {
  enum kind { need_more, parsed, error } what;
  std::size_t consumed = 0;
  reply_code reply = reply_code::general_failure;
};

template <class T>
void expect_outcome(const socks5::parse_result<T>& r, const outcome& want, const std::string& name) {
  SCOPED_TRACE(name + ": " + describe<T>(r));
  switch (want.what) {
    case outcome::need_more: EXPECT_TRUE(std::holds_alternative<socks5::need_more>(r)); break;
    case outcome::parsed: {
      const auto* p = std::get_if<socks5::parsed<T>>(&r);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(p->consumed, want.consumed);
      break;
    }
    case outcome::error: {
      const auto* e = std::get_if<socks5::error>(&r);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->reply, want.reply);
      EXPECT_FALSE(e->reason.empty());
      break;
    }
  }
}

// ---- greeting ----

TEST(Socks5Greeting, Table) {
  struct row {
    const char* name;
    bytes input;
    outcome want;
  };
  const row rows[] = {
      {"empty", {}, {outcome::need_more}},
      {"version only", {0x05}, {outcome::need_more}},
      {"methods missing", {0x05, 0x02, 0x00}, {outcome::need_more}},
      {"no auth", {0x05, 0x01, 0x00}, {outcome::parsed, 3}},
      {"two methods", {0x05, 0x02, 0x00, 0x02}, {outcome::parsed, 4}},
      {"zero methods", {0x05, 0x00}, {outcome::parsed, 2}},
      {"socks4", {0x04, 0x01, 0x00, 0x50}, {outcome::error}},
      {"http", text("GET / HTTP/1.1\r\n"), {outcome::error}},
      {"tls", {0x16, 0x03, 0x01}, {outcome::error}},
  };
  for (const auto& r : rows) {
    expect_outcome<socks5::greeting>(socks5::parse_greeting(r.input), r.want, r.name);
    expect_incremental<socks5::greeting>(r.input, socks5::parse_greeting);
  }
}

TEST(Socks5Greeting, KeepsMethodsAsSentAndLeavesTheRest) {
  const bytes input = {0x05, 0x03, 0x80, 0x02, 0x02, 0x05, 0x01};
  const auto r = socks5::parse_greeting(input);
  const auto* p = std::get_if<socks5::parsed<socks5::greeting>>(&r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->consumed, 5u);
  EXPECT_EQ(p->value.methods, (bytes{0x80, 0x02, 0x02}));
  EXPECT_TRUE(p->value.offers(socks5::auth_method::username_password));
  EXPECT_FALSE(p->value.offers(socks5::auth_method::no_authentication));
}

TEST(Socks5Greeting, AllMethodsFit) {
  bytes input = {0x05, 0xFF};
  for (int i = 0; i < 255; ++i) input.push_back(static_cast<std::uint8_t>(i));
  expect_outcome<socks5::greeting>(socks5::parse_greeting(input), {outcome::parsed, 257}, "255 methods");
  expect_incremental<socks5::greeting>(input, socks5::parse_greeting);
}

TEST(Socks5SelectMethod, Table) {
  using m = socks5::auth_method;
  struct row {
    bytes methods;
    bool allow_no_auth;
    m want;
  };
  const row rows[] = {
      {{0x00, 0x02}, false, m::username_password},
      {{0x00, 0x02}, true, m::username_password},  // a password is always preferred
      {{0x00}, true, m::no_authentication},
      {{0x00}, false, m::no_acceptable_methods},  // never without explicit permission
      {{0x01}, true, m::no_acceptable_methods},   // GSSAPI: not implemented
      {{}, true, m::no_acceptable_methods},
  };
  for (const auto& r : rows) EXPECT_EQ(socks5::select_method({r.methods}, r.allow_no_auth), r.want);
}

// ---- username/password ----

TEST(Socks5Credentials, Table) {
  struct row {
    const char* name;
    bytes input;
    outcome want;
  };
  const row rows[] = {
      {"empty", {}, {outcome::need_more}},
      {"user missing", {0x01, 0x03, 'b', 'o'}, {outcome::need_more}},
      {"plen missing", {0x01, 0x03, 'b', 'o', 'b'}, {outcome::need_more}},
      {"password short", {0x01, 0x03, 'b', 'o', 'b', 0x02, 'p'}, {outcome::need_more}},
      {"complete", {0x01, 0x03, 'b', 'o', 'b', 0x02, 'p', 'w'}, {outcome::parsed, 8}},
      {"empty both", {0x01, 0x00, 0x00}, {outcome::parsed, 3}},
      {"version 5", {0x05, 0x03, 'b', 'o', 'b', 0x00}, {outcome::error}},
      {"version 0", {0x00}, {outcome::error}},
  };
  for (const auto& r : rows) {
    expect_outcome<socks5::credentials>(socks5::parse_credentials(r.input), r.want, r.name);
    expect_incremental<socks5::credentials>(r.input, socks5::parse_credentials);
  }
}

TEST(Socks5Credentials, BinarySafeFields) {
  const socks5::credentials c{std::string("a\0b:", 4), std::string(255, '\xFF')};
  const auto encoded = socks5::encode_credentials(c);
  ASSERT_EQ(encoded.size(), 3u + 4 + 255);
  const auto r = socks5::parse_credentials(encoded);
  const auto* p = std::get_if<socks5::parsed<socks5::credentials>>(&r);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->value, c);
  expect_incremental<socks5::credentials>(encoded, socks5::parse_credentials);
}

TEST(Socks5Credentials, TooLongCannotBeEncoded) {
  EXPECT_TRUE(socks5::encode_credentials({std::string(256, 'u'), "p"}).empty());
  EXPECT_TRUE(socks5::encode_credentials({"u", std::string(256, 'p')}).empty());
}

// ---- request ----

const bytes connect_v4 = {0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0x01, 0xBB};
const bytes connect_v6 = {0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0,
                          0,    0,    0,    0,    0,    0,    0,    1,    0x00, 0x50};
bytes connect_name(std::string_view name, std::uint16_t port = 443) {
  return bytes{0x05, 0x01, 0x00, 0x03, static_cast<std::uint8_t>(name.size())} + text(name) +
         bytes{static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)};
}

TEST(Socks5Request, EveryOutcome) {
  struct row {
    const char* name;
    bytes input;
    outcome want;
  };
  const row rows[] = {
      {"empty", {}, {outcome::need_more}},
      {"ipv4", connect_v4, {outcome::parsed, 10}},
      {"ipv6", connect_v6, {outcome::parsed, 22}},
      {"name", connect_name("example.com"), {outcome::parsed, 18}},
      {"name 255", connect_name(std::string(255, 'a')), {outcome::parsed, 262}},
      {"ipv4 port missing", bytes(connect_v4.begin(), connect_v4.end() - 1), {outcome::need_more}},
      {"version 4", {0x04, 0x01}, {outcome::error, 0, reply_code::general_failure}},
      {"bind", {0x05, 0x02, 0x00, 0x01}, {outcome::error, 0, reply_code::command_not_supported}},
      {"udp associate", {0x05, 0x03}, {outcome::error, 0, reply_code::command_not_supported}},
      {"command 0", {0x05, 0x00}, {outcome::error, 0, reply_code::command_not_supported}},
      {"command 9", {0x05, 0x09}, {outcome::error, 0, reply_code::command_not_supported}},
      {"reserved 1", {0x05, 0x01, 0x01}, {outcome::error, 0, reply_code::general_failure}},
      {"atyp 0", {0x05, 0x01, 0x00, 0x00}, {outcome::error, 0, reply_code::address_type_not_supported}},
      {"atyp 2", {0x05, 0x01, 0x00, 0x02}, {outcome::error, 0, reply_code::address_type_not_supported}},
      {"atyp 5", {0x05, 0x01, 0x00, 0x05}, {outcome::error, 0, reply_code::address_type_not_supported}},
      {"atyp 255", {0x05, 0x01, 0x00, 0xFF}, {outcome::error, 0, reply_code::address_type_not_supported}},
      {"empty name", {0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50}, {outcome::error, 0, reply_code::general_failure}},
      {"NUL in name", connect_name(std::string("a\0b", 3)), {outcome::error, 0, reply_code::general_failure}},
      {"NUL ends name", connect_name(std::string("ab\0", 3)), {outcome::error, 0, reply_code::general_failure}},
      // Decided on the NUL itself, before the rest of the name arrives.
      {"NUL early", {0x05, 0x01, 0x00, 0x03, 0x10, 'a', 0x00}, {outcome::error, 0, reply_code::general_failure}},
  };
  for (const auto& r : rows) {
    expect_outcome<socks5::request>(socks5::parse_request(r.input), r.want, r.name);
    expect_incremental<socks5::request>(r.input, socks5::parse_request);
  }
}

TEST(Socks5Request, Destinations) {
  struct row {
    bytes input;
    destination want;
  };
  const row rows[] = {
      {connect_v4, destination::from_address(ep("192.0.2.1:443"))},
      {connect_v6, destination::from_address(ep("[2001:db8::1]:80"))},
      {connect_name("Example.COM", 8080), destination::from_name("Example.COM", 8080)},
      // A name that looks like an address stays a name: the policy judges the resolved address.
      {connect_name("169.254.169.254", 80), destination::from_name("169.254.169.254", 80)},
      {connect_name("x", 0), destination::from_name("x", 0)},
  };
  for (const auto& r : rows) {
    const auto result = socks5::parse_request(r.input);
    const auto* p = std::get_if<socks5::parsed<socks5::request>>(&result);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->value.command, socks5::command::connect);
    EXPECT_EQ(p->value.destination, r.want) << p->value.destination.to_string();
    EXPECT_EQ(p->value.destination.port, r.want.port);
  }
}

TEST(Socks5Request, RoundTrip) {
  const destination destinations[] = {
      destination::from_address(ep("0.0.0.0:1")), destination::from_address(ep("[::ffff:192.0.2.1]:65535")),
      destination::from_name("a", 1), destination::from_name(std::string(255, 'z'), 443),
      destination::from_name("\xC3\xA9xample.test", 443)};
  for (const auto& d : destinations) {
    socks5::request r;
    r.destination = d;
    const auto encoded = socks5::encode_request(r);
    ASSERT_FALSE(encoded.empty()) << d.to_string();
    const auto parsed = socks5::parse_request(encoded);
    const auto* p = std::get_if<socks5::parsed<socks5::request>>(&parsed);
    ASSERT_NE(p, nullptr) << d.to_string();
    EXPECT_EQ(p->consumed, encoded.size());
    EXPECT_EQ(p->value, r);
  }
}

TEST(Socks5Request, UnencodableRequests) {
  socks5::request r;
  r.destination = destination::from_name("", 80);
  EXPECT_TRUE(socks5::encode_request(r).empty());
  r.destination = destination::from_name(std::string(256, 'a'), 80);
  EXPECT_TRUE(socks5::encode_request(r).empty());
  r.destination = destination::from_name(std::string("a\0", 2), 80);
  EXPECT_TRUE(socks5::encode_request(r).empty());
}

// ---- encoders ----

TEST(Socks5Encode, MethodSelectionAndAuthStatus) {
  using m = socks5::auth_method;
  EXPECT_EQ(socks5::encode_method_selection(m::no_authentication), (std::array<std::uint8_t, 2>{0x05, 0x00}));
  EXPECT_EQ(socks5::encode_method_selection(m::username_password), (std::array<std::uint8_t, 2>{0x05, 0x02}));
  EXPECT_EQ(socks5::encode_method_selection(m::no_acceptable_methods), (std::array<std::uint8_t, 2>{0x05, 0xFF}));
  EXPECT_EQ(socks5::encode_auth_status(true), (std::array<std::uint8_t, 2>{0x01, 0x00}));
  EXPECT_EQ(socks5::encode_auth_status(false), (std::array<std::uint8_t, 2>{0x01, 0x01}));
}

bytes reply(reply_code code, const endpoint& bound) {
  bytes out(socks5::max_reply_length);
  out.resize(socks5::encode_reply(code, bound, out));
  return out;
}

TEST(Socks5Encode, Reply) {
  EXPECT_EQ(reply(reply_code::succeeded, ep("198.51.100.7:40000")),
            (bytes{0x05, 0x00, 0x00, 0x01, 198, 51, 100, 7, 0x9C, 0x40}));
  EXPECT_EQ(reply(reply_code::succeeded, ep("[2001:db8::7]:443")),
            (bytes{0x05, 0x00, 0x00, 0x04, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0x01, 0xBB}));
  EXPECT_EQ(reply(reply_code::connection_not_allowed, {}), (bytes{0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0}));
}

TEST(Socks5Encode, EveryReplyCodeHasItsByteAndName) {
  for (int code = 0; code <= 8; ++code) {
    const auto c = static_cast<reply_code>(code);
    const auto out = reply(c, {});
    ASSERT_EQ(out.size(), 10u);
    EXPECT_EQ(out[1], code);
    EXPECT_NE(socks5::to_string(c), "unassigned reply code") << code;
  }
  EXPECT_EQ(socks5::to_string(static_cast<reply_code>(9)), "unassigned reply code");
}

TEST(Socks5Encode, ReplyNeedsRoom) {
  std::array<std::uint8_t, 21> small{};
  EXPECT_EQ(socks5::encode_reply(reply_code::succeeded, ep("[::1]:1"), small), 0u);
  EXPECT_EQ(socks5::encode_reply(reply_code::succeeded, ep("127.0.0.1:1"), small), 10u);
}

TEST(Socks5Encode, Greeting) {
  EXPECT_EQ(socks5::encode_greeting({{0x00, 0x02}}), (bytes{0x05, 0x02, 0x00, 0x02}));
  EXPECT_TRUE(socks5::encode_greeting({bytes(256, 0x02)}).empty());
}

// ---- garbage ----

TEST(Socks5Garbage, RandomBytesNeverBreakTheProperties) {
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    bytes input(rng() % 300);
    for (auto& b : input) b = static_cast<std::uint8_t>(rng());
    // Bias towards valid prefixes so the deeper paths run too.
    if (i % 2 && !input.empty()) input[0] = 0x05;
    if (i % 4 == 1 && input.size() > 1) input[1] = 0x01;
    expect_incremental<socks5::greeting>(input, socks5::parse_greeting);
    expect_incremental<socks5::request>(input, socks5::parse_request);
    if (!input.empty()) input[0] = 0x01;
    expect_incremental<socks5::credentials>(input, socks5::parse_credentials);
  }
}

}  // namespace

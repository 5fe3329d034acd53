// HTTP proxy codec tests: every status a request head can be refused with, table-driven; the
// incremental property at every split point; limits; the origin rewrite; and the answers.
#include "egress/http_proxy_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace http = staticgate::egress::http_proxy;
using http::status;
using staticgate::egress::destination;
using staticgate::net::endpoint;

namespace {

std::string describe(const http::parse_result& r) {
  if (std::holds_alternative<http::need_more>(r)) return "need_more";
  if (const auto* e = std::get_if<http::error>(&r))
    return "error " + std::to_string(static_cast<int>(e->status)) + ": " + std::string(e->reason);
  return "parsed, consumed " + std::to_string(std::get<http::parsed>(r).consumed);
}

bool same(const http::parse_result& a, const http::parse_result& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ea = std::get_if<http::error>(&a)) return ea->status == std::get<http::error>(b).status;
  if (const auto* pa = std::get_if<http::parsed>(&a)) {
    const auto& pb = std::get<http::parsed>(b);
    return pa->consumed == pb.consumed && pa->head == pb.head;
  }
  return true;
}

// Fed in two pieces split at every position, the parser answers as for the whole input; each
// prefix alone answers need_more or the same.
void expect_incremental(std::string_view input, const http::limits& l = {}) {
  const auto whole = http::parse_request_head(input, l);
  for (std::size_t k = 0; k <= input.size(); ++k) {
    http::request_head_parser parser(l);
    const auto first = parser.parse(input.substr(0, k));
    if (!std::holds_alternative<http::need_more>(first)) {
      EXPECT_TRUE(same(first, whole)) << "prefix " << k << ": " << describe(first) << " vs " << describe(whole);
    }
    const auto second = parser.parse(input);
    EXPECT_TRUE(same(second, whole)) << "split " << k << ": " << describe(second) << " vs " << describe(whole);
  }
}

// Byte by byte, as a slow client would send it.
http::parse_result parse_bytewise(std::string_view input, const http::limits& l = {}) {
  http::request_head_parser parser(l);
  http::parse_result r = http::need_more{};
  for (std::size_t k = 1; k <= input.size() && std::holds_alternative<http::need_more>(r); ++k)
    r = parser.parse(input.substr(0, k));
  return r;
}

http::request_head parsed_head(std::string_view input, std::size_t* consumed = nullptr) {
  const auto r = http::parse_request_head(input);
  const auto* p = std::get_if<http::parsed>(&r);
  EXPECT_NE(p, nullptr) << describe(r) << " for " << input;
  if (!p) return {};
  if (consumed) *consumed = p->consumed;
  return p->head;
}

endpoint ep(std::string_view s) { return endpoint::parse(s).value(); }

// ---- accepted heads ----

TEST(HttpProxyParse, Connect) {
  std::size_t consumed = 0;
  const std::string input = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
  const auto head = parsed_head(input + "\x16\x03\x01", &consumed);
  EXPECT_EQ(consumed, input.size());
  EXPECT_EQ(head.method, "CONNECT");
  EXPECT_EQ(head.form, http::request_form::connect);
  EXPECT_EQ(head.target, destination::from_name("example.com", 443));
  EXPECT_EQ(head.origin_target, "");
  EXPECT_EQ(head.minor_version, 1);
  ASSERT_EQ(head.fields.size(), 1u);
  EXPECT_EQ(head.fields[0], (http::header_field{"Host", "example.com:443"}));
}

TEST(HttpProxyParse, Targets) {
  struct row {
    const char* request_line;
    http::request_form form;
    destination target;
    const char* origin_target;
  };
  using f = http::request_form;
  const row rows[] = {
      {"CONNECT 192.0.2.1:8443 HTTP/1.1", f::connect, destination::from_address(ep("192.0.2.1:8443")), ""},
      {"CONNECT [2001:db8::1]:443 HTTP/1.0", f::connect, destination::from_address(ep("[2001:db8::1]:443")), ""},
      {"CONNECT a_b-c.test:1 HTTP/1.1", f::connect, destination::from_name("a_b-c.test", 1), ""},
      {"GET http://example.com/ HTTP/1.1", f::absolute, destination::from_name("example.com", 80), "/"},
      {"GET http://example.com HTTP/1.1", f::absolute, destination::from_name("example.com", 80), "/"},
      {"GET http://example.com?q=1 HTTP/1.1", f::absolute, destination::from_name("example.com", 80), "/?q=1"},
      {"GET http://example.com: HTTP/1.1", f::absolute, destination::from_name("example.com", 80), "/"},
      {"GET HTTP://Example.com:8080/a/b?c=d&e HTTP/1.1", f::absolute, destination::from_name("Example.com", 8080),
       "/a/b?c=d&e"},
      {"POST http://[::1]:3128/x HTTP/1.1", f::absolute, destination::from_address(ep("[::1]:3128")), "/x"},
      {"DELETE http://10.0.0.1/ HTTP/1.1", f::absolute, destination::from_address(ep("10.0.0.1:80")), "/"},
      // Not a strict dotted quad: a name, which the policy judges by what it resolves to.
      {"GET http://0x7f.1/ HTTP/1.1", f::absolute, destination::from_name("0x7f.1", 80), "/"},
      {"GET http://010.0.0.1/ HTTP/1.1", f::absolute, destination::from_name("010.0.0.1", 80), "/"},
  };
  for (const auto& r : rows) {
    const auto head = parsed_head(std::string(r.request_line) + "\r\n\r\n");
    EXPECT_EQ(head.form, r.form) << r.request_line;
    EXPECT_EQ(head.target, r.target) << r.request_line << " -> " << head.target.to_string();
    EXPECT_EQ(head.origin_target, r.origin_target) << r.request_line;
  }
}

TEST(HttpProxyParse, VersionsAndFields) {
  const auto head = parsed_head(
      "GET http://h/ HTTP/1.0\r\nX-Empty:\r\nX-Trim: \t a b \t\r\nx-obs: caf\xC3\xA9\r\nHOST: h\r\n\r\n");
  EXPECT_EQ(head.minor_version, 0);
  ASSERT_EQ(head.fields.size(), 4u);
  EXPECT_EQ(head.fields[0].value, "");
  EXPECT_EQ(head.fields[1].value, "a b");
  EXPECT_EQ(head.fields[2].value, "caf\xC3\xA9");
  ASSERT_NE(head.find("host"), nullptr);
  EXPECT_EQ(head.find("host")->value, "h");
  EXPECT_EQ(head.count("X-EMPTY"), 1u);
  EXPECT_EQ(head.find("Missing"), nullptr);
  EXPECT_EQ(parsed_head("GET http://h/ HTTP/1.9\r\n\r\n").minor_version, 1);
}

TEST(HttpProxyParse, BodyFraming) {
  auto head = parsed_head("POST http://h/ HTTP/1.1\r\nContent-Length: 42\r\n\r\n");
  EXPECT_EQ(head.body, (http::body_framing{42, false}));
  head = parsed_head("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  EXPECT_EQ(head.body, (http::body_framing{std::nullopt, true}));
  head = parsed_head("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: ,Chunked;x=1\r\n\r\n");
  EXPECT_TRUE(head.body.chunked);
  head = parsed_head("GET http://h/ HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.body, http::body_framing{});
  head = parsed_head("CONNECT h:1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(head.body, http::body_framing{});
}

// ---- refused heads: every status ----

TEST(HttpProxyParse, Refusals) {
  struct row {
    const char* name;
    std::string input;
    status want;
  };
  const auto big = [](std::size_t n) { return std::string(n, 'a'); };
  const row rows[] = {
      // 400: syntax
      {"leading space", " GET http://h/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"bad method char", "GE(T http://h/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"two spaces", "GET  http://h/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"no version", "GET http://h/\r\n\r\n", status::bad_request},
      {"bad version", "GET http://h/ HTTP/1.1x\r\n\r\n", status::bad_request},
      {"version lowercase", "GET http://h/ http/1.1\r\n\r\n", status::bad_request},
      {"version short", "GET http://h/ HTTP/1\r\n\r\n", status::bad_request},
      {"bare LF request line", "GET http://h/ HTTP/1.1\n\r\n", status::bad_request},
      {"bare CR request line", "GET http://h/ HTTP/1.1\rX\n\r\n", status::bad_request},
      {"bare LF field", "GET http://h/ HTTP/1.1\r\nA: b\n\r\n", status::bad_request},
      {"bare CR field", "GET http://h/ HTTP/1.1\r\nA: b\rc\r\n\r\n", status::bad_request},
      {"bare CR end", "GET http://h/ HTTP/1.1\r\n\rx", status::bad_request},
      {"obs-fold", "GET http://h/ HTTP/1.1\r\nA: b\r\n c\r\n\r\n", status::bad_request},
      {"space before colon", "GET http://h/ HTTP/1.1\r\nA : b\r\n\r\n", status::bad_request},
      {"empty field name", "GET http://h/ HTTP/1.1\r\n: b\r\n\r\n", status::bad_request},
      {"NUL in value", std::string("GET http://h/ HTTP/1.1\r\nA: \0\r\n\r\n", 28), status::bad_request},
      {"DEL in value", "GET http://h/ HTTP/1.1\r\nA: \x7F\r\n\r\n", status::bad_request},
      {"field without colon", "GET http://h/ HTTP/1.1\r\nAb\r\n\r\n", status::bad_request},
      {"origin form", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", status::bad_request},
      {"no scheme", "GET h:80 HTTP/1.1\r\n\r\n", status::bad_request},
      {"userinfo", "GET http://u:p@h/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"fragment", "GET http://h/#x HTTP/1.1\r\n\r\n", status::bad_request},
      {"empty host", "GET http:///x HTTP/1.1\r\n\r\n", status::bad_request},
      {"bad host char", "GET http://h%41/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"long host", "GET http://" + big(256) + "/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"port 0", "GET http://h:0/ HTTP/1.1\r\n\r\n", status::bad_request},
      {"port 65536", "CONNECT h:65536 HTTP/1.1\r\n\r\n", status::bad_request},
      {"port letters", "CONNECT h:8o HTTP/1.1\r\n\r\n", status::bad_request},
      {"port 6 digits", "CONNECT h:000443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"connect without port", "CONNECT h HTTP/1.1\r\n\r\n", status::bad_request},
      {"connect empty port", "CONNECT h: HTTP/1.1\r\n\r\n", status::bad_request},
      {"connect origin form", "CONNECT / HTTP/1.1\r\n\r\n", status::bad_request},
      {"connect with scheme", "CONNECT http://h:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"connect userinfo", "CONNECT u@h:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"ipv6 unbracketed", "CONNECT 2001:db8::1:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"ipv6 unterminated", "CONNECT [2001:db8::1:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"ipv6 invalid", "CONNECT [2001:db8::g]:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"ipv6 zone", "CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"ipv6 junk after", "CONNECT [::1]x:443 HTTP/1.1\r\n\r\n", status::bad_request},
      {"two hosts", "GET http://h/ HTTP/1.1\r\nHost: h\r\nhost: i\r\n\r\n", status::bad_request},
      {"two proxy auths", "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: a\r\nProxy-Authorization: b\r\n\r\n",
       status::bad_request},
      {"two content lengths", "POST http://h/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
       status::bad_request},
      {"content length list", "POST http://h/ HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", status::bad_request},
      {"content length sign", "POST http://h/ HTTP/1.1\r\nContent-Length: +1\r\n\r\n", status::bad_request},
      {"content length empty", "POST http://h/ HTTP/1.1\r\nContent-Length:\r\n\r\n", status::bad_request},
      {"content length huge", "POST http://h/ HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
       status::bad_request},
      {"te with connect", "CONNECT h:1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", status::bad_request},
      {"te with http/1.0", "POST http://h/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status::bad_request},
      {"te and cl", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
       status::bad_request},
      {"te not chunked last", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
       status::bad_request},
      {"te empty", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n", status::bad_request},
      // 414, 431
      {"long request line", "GET http://h/" + big(9000) + " HTTP/1.1\r\n\r\n", status::uri_too_long},
      {"long head", "GET http://h/ HTTP/1.1\r\nA: " + big(17000) + "\r\n\r\n", status::request_header_fields_too_large},
      // 501
      {"https absolute", "GET https://h/ HTTP/1.1\r\n\r\n", status::not_implemented},
      {"ftp absolute", "GET ftp://h/ HTTP/1.1\r\n\r\n", status::not_implemented},
      {"asterisk", "OPTIONS * HTTP/1.1\r\n\r\n", status::not_implemented},
      {"unknown coding", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: br, chunked\r\n\r\n", status::not_implemented},
      // 505
      {"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status::http_version_not_supported},
      {"http/0.9 style major", "GET http://h/ HTTP/0.9\r\n\r\n", status::http_version_not_supported},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const auto result = http::parse_request_head(r.input);
    const auto* e = std::get_if<http::error>(&result);
    ASSERT_NE(e, nullptr) << describe(result);
    EXPECT_EQ(e->status, r.want) << e->reason;
    EXPECT_FALSE(e->reason.empty());
    EXPECT_TRUE(same(parse_bytewise(r.input), result));
    if (r.input.size() < 200) expect_incremental(r.input);
  }
}

TEST(HttpProxyParse, DecidesAtTheFirstWrongByte) {
  // A TLS ClientHello or SOCKS greeting sent to the HTTP port fails on its first byte.
  for (const std::string& first : {std::string("\x16"), std::string("\x05"), std::string(1, '\0'), std::string("\r"), std::string(" ")}) {
    const auto r = http::parse_request_head(first);
    ASSERT_TRUE(std::holds_alternative<http::error>(r)) << describe(r);
    EXPECT_EQ(std::get<http::error>(r).status, status::bad_request);
  }
  // HTTP/2 and https:// are refused at the end of the request line, before any field.
  EXPECT_EQ(std::get<http::error>(http::parse_request_head("PRI * HTTP/2.0\r\n")).status,
            status::http_version_not_supported);
  EXPECT_EQ(std::get<http::error>(http::parse_request_head("GET https://h/ HTTP/1.1\r\n")).status,
            status::not_implemented);
}

TEST(HttpProxyParse, IncrementalAtEverySplit) {
  for (const char* input :
       {"CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
        "GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\nbody",
        "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}) {
    expect_incremental(input);
  }
}

// ---- limits ----

TEST(HttpProxyLimits, ExactlyAtTheLimitIsAccepted) {
  http::limits l;
  l.max_head = 64;
  l.max_request_line = 32;
  l.max_fields = 2;
  const std::string line = "GET http://h/" + std::string(32 - 24, 'a') + " HTTP/1.1\r\n";  // 32 bytes
  ASSERT_EQ(line.size(), 32u);
  EXPECT_TRUE(std::holds_alternative<http::parsed>(http::parse_request_head(line + "\r\n", l)));
  const std::string longer_line = "GET http://h/" + std::string(32 - 23, 'a') + " HTTP/1.1\r\n";
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(longer_line, l)).status, status::uri_too_long);
  // 414 is known at byte 32 even without the CRLF: a 32-byte buffer always gets an answer.
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(longer_line.substr(0, 32), l)).status,
            status::uri_too_long);

  const std::string fields = "A: " + std::string(64 - 32 - 2 - 5, 'b') + "\r\n";  // head of exactly 64
  const std::string head = line + fields + "\r\n";
  ASSERT_EQ(head.size(), 64u);
  EXPECT_TRUE(std::holds_alternative<http::parsed>(http::parse_request_head(head, l)));
  const std::string over = line + "A: " + std::string(64 - 32 - 2 - 4, 'b') + "\r\n\r\n";
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(over, l)).status, status::request_header_fields_too_large);
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(over.substr(0, 64), l)).status,
            status::request_header_fields_too_large);

  EXPECT_TRUE(std::holds_alternative<http::parsed>(http::parse_request_head(line + "A:\r\nB:\r\n\r\n", l)));
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(line + "A:\r\nB:\r\nC:\r\n\r\n", l)).status,
            status::request_header_fields_too_large);
}

TEST(HttpProxyLimits, DefaultsAre16KiBHead8KiBLine100Fields) {
  const http::limits l;
  EXPECT_EQ(l.max_head, 16384u);
  EXPECT_EQ(l.max_request_line, 8192u);
  EXPECT_EQ(l.max_fields, 100u);
  std::string many = "GET http://h/ HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "A: b\r\n";
  EXPECT_EQ(std::get<http::error>(http::parse_request_head(many + "\r\n")).status,
            status::request_header_fields_too_large);
}

TEST(HttpProxyLimits, EndlessInputIsCutOffBytewise) {
  const std::string endless(20000, 'A');
  EXPECT_EQ(std::get<http::error>(parse_bytewise(endless)).status, status::uri_too_long);
  const std::string endless_field = "GET http://h/ HTTP/1.1\r\nX: " + std::string(20000, 'b');
  EXPECT_EQ(std::get<http::error>(parse_bytewise(endless_field)).status, status::request_header_fields_too_large);
}

// ---- re-encoding ----

TEST(HttpProxyEncode, RequestHeadRoundTrip) {
  for (const char* input : {"CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n",
                            "CONNECT host.test:8443 HTTP/1.0\r\n\r\n",
                            "GET http://10.1.2.3:8080?x HTTP/1.1\r\nA:  b \r\nC:\r\n\r\n",
                            "PUT http://h/p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    const auto head = parsed_head(input);
    const auto again = parsed_head(http::encode_request_head(head));
    EXPECT_EQ(again, head) << input;
  }
}

TEST(HttpProxyEncode, OriginRequestHead) {
  const auto head = parsed_head(
      "GET http://example.com/a?b HTTP/1.0\r\n"
      "Host: wrong.example\r\n"
      "Proxy-Authorization: Basic dTpw\r\n"
      "Proxy-Connection: keep-alive\r\n"
      "Connection: keep-alive, X-Private\r\n"
      "Keep-Alive: 300\r\n"
      "X-Private: secret\r\n"
      "TE: trailers\r\n"
      "Upgrade: websocket\r\n"
      "Accept: */*\r\n"
      "User-Agent: curl/7.88.1\r\n\r\n");
  EXPECT_EQ(http::encode_origin_request_head(head),
            "GET /a?b HTTP/1.1\r\n"
            "Accept: */*\r\n"
            "User-Agent: curl/7.88.1\r\n"
            "Host: example.com\r\n"
            "Connection: close\r\n\r\n");
}

TEST(HttpProxyEncode, OriginHostKeepsNonDefaultPortsAndBrackets) {
  struct row {
    const char* request_line;
    const char* host;
  };
  const row rows[] = {
      {"GET http://h:8080/ HTTP/1.1", "Host: h:8080\r\n"},
      {"GET http://h:80/ HTTP/1.1", "Host: h\r\n"},
      {"GET http://[2001:db8::1]/ HTTP/1.1", "Host: [2001:db8::1]\r\n"},
      {"GET http://[2001:db8::1]:81/ HTTP/1.1", "Host: [2001:db8::1]:81\r\n"},
      {"GET http://192.0.2.1:81/ HTTP/1.1", "Host: 192.0.2.1:81\r\n"},
  };
  for (const auto& r : rows) {
    const auto out = http::encode_origin_request_head(parsed_head(std::string(r.request_line) + "\r\n\r\n"));
    EXPECT_NE(out.find(r.host), std::string::npos) << out;
  }
}

TEST(HttpProxyEncode, OriginBodyFramingIsKept) {
  const auto out = http::encode_origin_request_head(
      parsed_head("POST http://h/ HTTP/1.1\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\n"));
  EXPECT_EQ(out, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Type: text/plain\r\nHost: h\r\nConnection: close\r\n\r\n");
}

TEST(HttpProxyEncode, Responses) {
  EXPECT_EQ(http::encode_connection_established(), "HTTP/1.1 200 Connection established\r\n\r\n");
  EXPECT_EQ(http::encode_response(status::connection_established), http::encode_connection_established());
  EXPECT_EQ(http::encode_response(status::forbidden),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n"
            "Connection: close\r\n\r\n403 Forbidden\n");
  EXPECT_EQ(http::encode_response(status::proxy_authentication_required),
            "HTTP/1.1 407 Proxy Authentication Required\r\n"
            "Proxy-Authenticate: Basic realm=\"staticgate\"\r\n"
            "Content-Type: text/plain\r\nContent-Length: 34\r\n"
            "Connection: close\r\n\r\n407 Proxy Authentication Required\n");
  const auto escaped = http::encode_response(status::proxy_authentication_required, "a\"b\\c\r\nX: y");
  EXPECT_NE(escaped.find("realm=\"a\\\"b\\\\cX: y\"\r\n"), std::string::npos) << escaped;
}

TEST(HttpProxyEncode, EveryErrorStatusIsAWellFormedResponse) {
  for (const auto s : {status::bad_request, status::forbidden, status::proxy_authentication_required,
                       status::uri_too_long, status::request_header_fields_too_large, status::not_implemented,
                       status::bad_gateway, status::gateway_timeout, status::http_version_not_supported}) {
    const auto out = http::encode_response(s);
    const auto code = std::to_string(static_cast<int>(s));
    EXPECT_TRUE(out.starts_with("HTTP/1.1 " + code + " " + std::string(http::reason_phrase(s)) + "\r\n")) << out;
    EXPECT_NE(http::reason_phrase(s), "Error");
    const auto body_start = out.find("\r\n\r\n") + 4;
    const auto body = out.substr(body_start);
    EXPECT_NE(out.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  }
}

// ---- garbage ----

TEST(HttpProxyGarbage, RandomBytesNeverBreakTheProperties) {
  std::mt19937 rng(9);
  std::string alphabet = "GETCONNECT http://[]:/?#@ HTTP/1.1\r\n\t%:,;\x80\x7F";
  alphabet.push_back('\0');
  for (int i = 0; i < 1500; ++i) {
    std::string input(rng() % 120, '\0');
    for (auto& c : input) c = i % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    if (i % 3 == 0) input = "GET http://h/ HTTP/1.1\r\n" + input;
    const auto r = http::parse_request_head(input);
    if (const auto* p = std::get_if<http::parsed>(&r)) {
      EXPECT_LE(p->consumed, input.size());
    }
    expect_incremental(input);
  }
}

}  // namespace

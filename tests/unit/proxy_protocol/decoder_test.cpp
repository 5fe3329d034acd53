// Decoder tests: valid v1/v2 headers, every rejection rule of HAProxy's proxy-protocol.txt, and
// the incremental property (each prefix is need_more or already the final answer).
#include "proxy_protocol/decoder.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "proxy_protocol/crc32c.hpp"

namespace pp = staticgate::proxy_protocol;
using staticgate::net::endpoint;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes text(std::string_view s) { return {s.begin(), s.end()}; }

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

endpoint ep(std::string_view s) { return endpoint::parse(s).value(); }

const bytes v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// A v2 header; `length` overrides the length field (default: the payload's size).
bytes v2(std::uint8_t version_command, std::uint8_t family, const bytes& payload,
         std::optional<std::uint16_t> length = std::nullopt) {
  const auto n = length.value_or(static_cast<std::uint16_t>(payload.size()));
  return v2_signature + bytes{version_command, family, static_cast<std::uint8_t>(n >> 8),
                              static_cast<std::uint8_t>(n)} +
         payload;
}

bytes tlv(std::uint8_t type, const bytes& value) {
  return bytes{type, static_cast<std::uint8_t>(value.size() >> 8),
               static_cast<std::uint8_t>(value.size())} +
         value;
}

// 192.0.2.1:56324 -> 198.51.100.7:443
const bytes v4_block = {192, 0, 2, 1, 198, 51, 100, 7, 0xDC, 0x04, 0x01, 0xBB};
// [2001:db8::1]:56324 -> [2001:db8::2]:443
const bytes v6_block = {0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
                        0xDC, 0x04, 0x01, 0xBB};

// Fills in the CRC32C value of a header whose CRC TLV value starts at `value_at`.
bytes with_crc(bytes h, std::size_t value_at) {
  pp::crc32c crc;
  crc.update(h);
  const auto v = crc.value();
  h[value_at] = static_cast<std::uint8_t>(v >> 24);
  h[value_at + 1] = static_cast<std::uint8_t>(v >> 16);
  h[value_at + 2] = static_cast<std::uint8_t>(v >> 8);
  h[value_at + 3] = static_cast<std::uint8_t>(v);
  return h;
}

std::string describe(const pp::decode_result& r) {
  if (std::holds_alternative<pp::need_more>(r)) return "need_more";
  if (const auto* e = std::get_if<pp::error>(&r))
    return "error " + std::string(pp::to_string(e->code)) + ": " + std::string(e->message);
  return "complete";
}

pp::header decoded(const bytes& input, std::size_t expected_consumed,
                   const pp::decode_options& options = {}) {
  const auto r = pp::decode(input, options);
  const auto* c = std::get_if<pp::complete>(&r);
  EXPECT_NE(c, nullptr) << describe(r);
  if (!c) return {};
  EXPECT_EQ(c->consumed, expected_consumed);
  return c->header;
}

std::optional<pp::decode_error> error_of(const bytes& input, const pp::decode_options& options = {}) {
  const auto r = pp::decode(input, options);
  if (const auto* e = std::get_if<pp::error>(&r)) {
    EXPECT_FALSE(e->message.empty());
    return e->code;
  }
  return std::nullopt;
}

// Feeding the input one byte at a time must give need_more until the first answer, and that
// answer must be the one decoding everything at once gives; later prefixes keep giving it.
void expect_incremental(const bytes& input, const pp::decode_options& options = {}) {
  SCOPED_TRACE(std::string(input.begin(), input.end()));
  const auto whole = pp::decode(input, options);
  for (std::size_t k = 0; k <= input.size(); ++k) {
    const auto r = pp::decode(std::span(input).first(k), options);
    if (std::holds_alternative<pp::need_more>(r)) {
      if (const auto* c = std::get_if<pp::complete>(&whole)) {
        ASSERT_LT(k, c->consumed);
      }
      continue;
    }
    if (const auto* e = std::get_if<pp::error>(&r)) {
      const auto* we = std::get_if<pp::error>(&whole);
      ASSERT_NE(we, nullptr) << "prefix " << k << ": " << describe(r) << " but whole: "
                             << describe(whole);
      ASSERT_EQ(e->code, we->code) << "prefix " << k;
      continue;
    }
    const auto& c = std::get<pp::complete>(r);
    const auto* wc = std::get_if<pp::complete>(&whole);
    ASSERT_NE(wc, nullptr) << "prefix " << k << " complete but whole: " << describe(whole);
    ASSERT_EQ(c.consumed, wc->consumed);
    ASSERT_EQ(c.header, wc->header);
  }
}

// ---- v1 ----

TEST(ProxyProtocolDecoderV1, Tcp4) {
  const auto line = text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  const auto h = decoded(line + text("GET / HTTP/1.1\r\n"), line.size());
  EXPECT_EQ(h.version, pp::protocol_version::v1);
  EXPECT_EQ(h.command, pp::proxy_command::proxy);
  EXPECT_EQ(h.family, pp::address_family::tcp4);
  EXPECT_EQ(h.source, ep("192.168.0.1:56324"));
  EXPECT_EQ(h.destination, ep("192.168.0.11:443"));
  EXPECT_TRUE(h.tlvs.empty());
}

TEST(ProxyProtocolDecoderV1, Tcp4Extremes) {
  const auto line = text("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n");
  const auto h = decoded(line, line.size());
  EXPECT_EQ(h.source, ep("0.0.0.0:0"));
  EXPECT_EQ(h.destination, ep("255.255.255.255:65535"));
}

TEST(ProxyProtocolDecoderV1, Tcp6) {
  const auto line = text("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 1 65535\r\n");
  const auto h = decoded(line, line.size());
  EXPECT_EQ(h.family, pp::address_family::tcp6);
  EXPECT_EQ(h.source, ep("[2001:db8::1]:1"));
  EXPECT_EQ(h.destination, ep("[2001:db8::2]:65535"));
}

TEST(ProxyProtocolDecoderV1, Tcp6Forms) {
  const std::pair<const char*, const char*> cases[] = {
      {"::", "[::]:1"},
      {"::1", "[::1]:1"},
      {"1::", "[1::]:1"},
      {"1:2:3:4:5:6:7::", "[1:2:3:4:5:6:7:0]:1"},
      {"::2:3:4:5:6:7:8", "[0:2:3:4:5:6:7:8]:1"},
      {"0:0:0:0:0:0:0:0", "[::]:1"},
      {"0001:0db8:AbCd::fFfF", "[1:db8:abcd::ffff]:1"},
      {"fe80::1:2", "[fe80::1:2]:1"},
  };
  for (const auto& [address, expected] : cases) {
    SCOPED_TRACE(address);
    const auto line = text(std::string("PROXY TCP6 ") + address + " ::1 1 2\r\n");
    EXPECT_EQ(decoded(line, line.size()).source, ep(expected));
  }
}

TEST(ProxyProtocolDecoderV1, LongestTcp6Line) {
  const std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const auto line = text("PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n");
  ASSERT_EQ(line.size(), 104u);
  EXPECT_EQ(decoded(line, line.size()).source, ep("[" + all_f + "]:65535"));
}

TEST(ProxyProtocolDecoderV1, Unknown) {
  for (const char* s : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
                        "PROXY UNKNOWN anything \t at all\r\n"}) {
    SCOPED_TRACE(s);
    const auto line = text(s);
    const auto h = decoded(line + text("payload"), line.size());
    EXPECT_EQ(h.version, pp::protocol_version::v1);
    EXPECT_EQ(h.family, pp::address_family::unspec);
    EXPECT_EQ(h.source, endpoint{});
  }
}

TEST(ProxyProtocolDecoderV1, LengthLimitIs107IncludingCrlf) {
  const std::string head = "PROXY UNKNOWN ";  // 14 bytes
  const auto longest = text(head + std::string(91, 'x') + "\r\n");
  ASSERT_EQ(longest.size(), 107u);
  decoded(longest, 107);
  // CR as the 107th byte: the LF would be the 108th.
  EXPECT_EQ(error_of(text(head + std::string(92, 'x') + "\r\n")), pp::decode_error::v1_too_long);
  EXPECT_EQ(error_of(text(head + std::string(93, 'x'))), pp::decode_error::v1_too_long);
  EXPECT_EQ(error_of(text(head + std::string(200, 'x') + "\r\n")), pp::decode_error::v1_too_long);
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(text(head + std::string(92, 'x')))));
  expect_incremental(text(head + std::string(200, 'x') + "\r\n"));
}

TEST(ProxyProtocolDecoderV1, RejectsMalformedLines) {
  const char* lines[] = {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n",    // LF without CR
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX",   // CR without LF
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n", // trailing space
      "PROXY TCP4 192.168.0.1 192.168.0.11 1 2 3\r\n",      // extra field
      "PROXY  TCP4 192.168.0.1 192.168.0.11 1 2\r\n",       // two spaces
      "PROXY\tTCP4 192.168.0.1 192.168.0.11 1 2\r\n",
      "PROXYTCP4 192.168.0.1 192.168.0.11 1 2\r\n",
      "PROXY tcp4 192.168.0.1 192.168.0.11 1 2\r\n",        // keywords are case sensitive
      "PROXY TCP5 192.168.0.1 192.168.0.11 1 2\r\n",
      "PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n",
      "PROXY TCP4\r\n",
      "PROXY \r\n",
      "PROXY UNKNOWNX\r\n",
      "PROXY UNKNOWN\n",
      "PROXY UNKNOWN abc\ndef\r\n",
      "PROXY UNKNOWN abc\rdef\r\n",
      "PROXY unknown\r\n",
  };
  for (const char* s : lines) {
    SCOPED_TRACE(s);
    EXPECT_EQ(error_of(text(s)), pp::decode_error::v1_malformed);
    expect_incremental(text(s));
  }
}

TEST(ProxyProtocolDecoderV1, RejectsBadAddresses) {
  const char* lines[] = {
      "PROXY TCP4 256.0.0.1 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1.2.3.4 1.2.3.1000 1 2\r\n",
      "PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n",  // two spaces: no address where one must be
      "PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n",  // leading zero: octal confusion
      "PROXY TCP4 1.2.3.00 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1..2.3 1.2.3.4 1 2\r\n",
      "PROXY TCP4 .1.2.3 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1.2.3.4. 1.2.3.4 1 2\r\n",
      "PROXY TCP4 a.b.c.d 1.2.3.4 1 2\r\n",
      "PROXY TCP4 1.2.3.-4 1.2.3.4 1 2\r\n",
      "PROXY TCP4 ::1 ::1 1 2\r\n",  // address of the other family
      "PROXY TCP4 1.2.3.4 1.2.3.4\r\n",
      "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
      "PROXY TCP6 :::1 ::1 1 2\r\n",
      "PROXY TCP6 :1 ::1 1 2\r\n",
      "PROXY TCP6 1: ::1 1 2\r\n",
      "PROXY TCP6 1::2::3 ::1 1 2\r\n",
      "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n",
      "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n",
      "PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n",
      "PROXY TCP6 1::2:3:4:5:6:7:8 ::1 1 2\r\n",
      "PROXY TCP6 ::1:2:3:4:5:6:7:8 ::1 1 2\r\n",
      "PROXY TCP6 12345::1 ::1 1 2\r\n",
      "PROXY TCP6 g::1 ::1 1 2\r\n",
      "PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n",  // dotted tail: the spec wants hex groups
      "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
      "PROXY TCP6 [::1] ::1 1 2\r\n",
  };
  for (const char* s : lines) {
    SCOPED_TRACE(s);
    EXPECT_EQ(error_of(text(s)), pp::decode_error::v1_bad_address);
    expect_incremental(text(s));
  }
}

TEST(ProxyProtocolDecoderV1, RejectsBadPorts) {
  const char* lines[] = {
      "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 99999999 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n",       "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",       "PROXY TCP4 1.2.3.4 5.6.7.8  2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n",         "PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n",
      "PROXY TCP6 ::1 ::2 65536 2\r\n",
  };
  for (const char* s : lines) {
    SCOPED_TRACE(s);
    EXPECT_EQ(error_of(text(s)), pp::decode_error::v1_bad_port);
    expect_incremental(text(s));
  }
}

TEST(ProxyProtocolDecoderV1, EveryProperPrefixNeedsMore) {
  const std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string lines[] = {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
      "PROXY TCP6 2001:db8::1 ::ffff:1 0 65535\r\n",
      "PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n",
      "PROXY UNKNOWN\r\n",
      "PROXY UNKNOWN " + all_f + " " + all_f + " 65535 65535\r\n",
  };
  for (const auto& line : lines) {
    const auto input = text(line);
    for (std::size_t k = 0; k < input.size(); ++k)
      EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(std::span(input).first(k))))
          << line << " prefix " << k;
    expect_incremental(input + text("DATA"));
  }
}

// ---- signature detection ----

TEST(ProxyProtocolDecoder, RejectsOtherProtocolsAtTheFirstByte) {
  EXPECT_EQ(error_of(text("G")), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(text("GET / HTTP/1.1\r\n")), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(bytes{0x16, 0x03, 0x01}), pp::decode_error::not_proxy_protocol);  // TLS
  EXPECT_EQ(error_of(text("SSH-2.0")), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(text("PROXX")), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(text("proxy")), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x01}), pp::decode_error::not_proxy_protocol);
  EXPECT_EQ(error_of(bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0D}),
            pp::decode_error::not_proxy_protocol);
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(bytes{})));
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(text("PROX"))));
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(bytes{0x0D, 0x0A, 0x0D, 0x0A})));
}

TEST(ProxyProtocolDecoder, VersionsCanBeTurnedOff) {
  const auto line = text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
  const auto binary = v2(0x21, 0x11, v4_block);
  pp::decode_options v2_only;
  v2_only.accept_v1 = false;
  pp::decode_options v1_only;
  v1_only.accept_v2 = false;
  EXPECT_EQ(error_of(line, v2_only), pp::decode_error::version_not_accepted);
  EXPECT_EQ(error_of(text("PROXY"), v2_only), pp::decode_error::version_not_accepted);
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(text("PROX"), v2_only)));
  decoded(binary, binary.size(), v2_only);
  EXPECT_EQ(error_of(binary, v1_only), pp::decode_error::version_not_accepted);
  EXPECT_EQ(error_of(v2_signature, v1_only), pp::decode_error::version_not_accepted);
  decoded(line, line.size(), v1_only);
  expect_incremental(line, v2_only);
  expect_incremental(binary, v1_only);
}

// ---- v2 ----

TEST(ProxyProtocolDecoderV2, Tcp4) {
  const auto h = decoded(v2(0x21, 0x11, v4_block) + text("payload"), 28);
  EXPECT_EQ(h.version, pp::protocol_version::v2);
  EXPECT_EQ(h.command, pp::proxy_command::proxy);
  EXPECT_EQ(h.family, pp::address_family::tcp4);
  EXPECT_EQ(h.source, ep("192.0.2.1:56324"));
  EXPECT_EQ(h.destination, ep("198.51.100.7:443"));
  EXPECT_TRUE(h.tlvs.empty());
}

TEST(ProxyProtocolDecoderV2, Tcp6) {
  const auto h = decoded(v2(0x21, 0x21, v6_block), 52);
  EXPECT_EQ(h.family, pp::address_family::tcp6);
  EXPECT_EQ(h.source, ep("[2001:db8::1]:56324"));
  EXPECT_EQ(h.destination, ep("[2001:db8::2]:443"));
}

TEST(ProxyProtocolDecoderV2, Udp) {
  EXPECT_EQ(decoded(v2(0x21, 0x12, v4_block), 28).family, pp::address_family::udp4);
  const auto h = decoded(v2(0x21, 0x22, v6_block), 52);
  EXPECT_EQ(h.family, pp::address_family::udp6);
  EXPECT_EQ(h.source, ep("[2001:db8::1]:56324"));
}

TEST(ProxyProtocolDecoderV2, Local) {
  const auto h = decoded(v2(0x20, 0x00, {}) + text("health check"), 16);
  EXPECT_EQ(h.command, pp::proxy_command::local);
  EXPECT_EQ(h.family, pp::address_family::unspec);
  EXPECT_EQ(h.source, endpoint{});
}

TEST(ProxyProtocolDecoderV2, LocalDiscardsAddressesAndIgnoresFamily) {
  // "must use the real connection endpoints and discard the protocol block including the family"
  const auto h = decoded(v2(0x20, 0x11, v4_block), 28);
  EXPECT_EQ(h.command, pp::proxy_command::local);
  EXPECT_EQ(h.family, pp::address_family::unspec);
  EXPECT_EQ(h.source, endpoint{});
  // Undefined family byte, and a length shorter than the family's block: skipped unread.
  EXPECT_EQ(decoded(v2(0x20, 0xFF, {1, 2, 3, 4, 5}), 21).tlvs.size(), 0u);
  EXPECT_EQ(decoded(v2(0x20, 0x21, {1, 2, 3}), 19).tlvs.size(), 0u);
}

TEST(ProxyProtocolDecoderV2, LocalWithTlvs) {
  const auto h = decoded(v2(0x20, 0x00, tlv(0x05, text("id-1"))), 23);
  EXPECT_EQ(h.command, pp::proxy_command::local);
  ASSERT_EQ(h.tlvs.size(), 1u);
  EXPECT_EQ(h.tlvs[0].type, pp::tlv_type::unique_id);
  EXPECT_EQ(h.tlvs[0].value, text("id-1"));
  // Also after the address block of a known family.
  EXPECT_EQ(decoded(v2(0x20, 0x11, v4_block + tlv(0x05, text("id-1"))), 35).tlvs, h.tlvs);
}

TEST(ProxyProtocolDecoderV2, ProxyUnspecAndUnixFallBackToUnspec) {
  const auto unspec = decoded(v2(0x21, 0x00, tlv(0x01, text("h2"))), 21);
  EXPECT_EQ(unspec.command, pp::proxy_command::proxy);
  EXPECT_EQ(unspec.family, pp::address_family::unspec);
  ASSERT_EQ(unspec.tlvs.size(), 1u);

  for (const std::uint8_t family : {0x31, 0x32}) {
    const auto h = decoded(v2(0x21, family, bytes(216, 'a') + tlv(0x01, text("h2"))), 16 + 216 + 5);
    EXPECT_EQ(h.family, pp::address_family::unspec);
    EXPECT_EQ(h.source, endpoint{});
    EXPECT_EQ(h.tlvs, unspec.tlvs);
  }
}

TEST(ProxyProtocolDecoderV2, ExtraBytesAfterTheAddressesAreTlvs) {
  const auto h = decoded(
      v2(0x21, 0x11,
         v4_block + tlv(0x01, text("h2")) + tlv(0x02, text("example.com")) + tlv(0x04, {0, 0}) +
             tlv(0x30, text("blue")) + tlv(0xEA, text("vpce-0123")) + tlv(0x04, {}) + tlv(0xE0, {})),
      16 + 12 + 5 + 14 + 5 + 7 + 12 + 3 + 3);
  ASSERT_EQ(h.tlvs.size(), 5u);  // NOOPs are dropped
  EXPECT_EQ(h.tlvs[0].type, pp::tlv_type::alpn);
  EXPECT_EQ(h.tlvs[0].value, text("h2"));
  EXPECT_EQ(h.tlvs[1].type, pp::tlv_type::authority);
  EXPECT_EQ(h.tlvs[1].value, text("example.com"));
  EXPECT_EQ(h.tlvs[2].type, pp::tlv_type::netns);
  EXPECT_EQ(static_cast<int>(h.tlvs[3].type), 0xEA);
  EXPECT_EQ(h.tlvs[3].value, text("vpce-0123"));
  EXPECT_TRUE(h.tlvs[4].value.empty());
  EXPECT_EQ(h.find(pp::tlv_type::authority), &h.tlvs[1]);
  EXPECT_EQ(h.find(pp::tlv_type::unique_id), nullptr);
}

TEST(ProxyProtocolDecoderV2, SslTlv) {
  const auto ssl = bytes{0x07, 0, 0, 0, 0} + tlv(0x21, text("TLSv1.3")) + tlv(0x22, text("client")) +
                   tlv(0x23, text("TLS_AES_128_GCM_SHA256"));
  const auto h = decoded(v2(0x21, 0x11, v4_block + tlv(0x20, ssl)), 16 + 12 + 3 + ssl.size());
  ASSERT_EQ(h.tlvs.size(), 1u);
  EXPECT_EQ(h.tlvs[0].type, pp::tlv_type::ssl);
  EXPECT_EQ(h.tlvs[0].value, ssl);
  decoded(v2(0x21, 0x11, v4_block + tlv(0x20, {0, 0, 0, 0, 0})), 16 + 12 + 8);  // no sub-TLVs
}

TEST(ProxyProtocolDecoderV2, UniqueIdUpTo128Bytes) {
  decoded(v2(0x21, 0x11, v4_block + tlv(0x05, bytes(128, 7))), 16 + 12 + 3 + 128);
  EXPECT_EQ(error_of(v2(0x21, 0x11, v4_block + tlv(0x05, bytes(129, 7)))),
            pp::decode_error::v2_bad_tlv);
}

TEST(ProxyProtocolDecoderV2, Crc32c) {
  const auto unsigned_header = v2(0x21, 0x11, v4_block + tlv(0x03, {0, 0, 0, 0}) + tlv(0x01, text("h2")));
  const auto good = with_crc(unsigned_header, 16 + 12 + 3);
  const auto h = decoded(good + text("payload"), good.size());
  ASSERT_EQ(h.tlvs.size(), 1u);  // CRC32C is checked, not listed
  EXPECT_EQ(h.tlvs[0].type, pp::tlv_type::alpn);

  auto wrong_value = good;
  wrong_value[16 + 12 + 3] ^= 0x01;
  EXPECT_EQ(error_of(wrong_value), pp::decode_error::crc_mismatch);
  auto changed_port = good;
  changed_port[16 + 8] ^= 0x01;
  EXPECT_EQ(error_of(changed_port), pp::decode_error::crc_mismatch);
  EXPECT_EQ(error_of(unsigned_header), pp::decode_error::crc_mismatch);

  // Also under LOCAL, where it is the only TLV.
  decoded(with_crc(v2(0x20, 0x00, tlv(0x03, {0, 0, 0, 0})), 19), 23);
  expect_incremental(good);
  expect_incremental(wrong_value);
}

TEST(ProxyProtocolDecoderV2, RejectsBadVersion) {
  for (const std::uint8_t version_command : {0x01, 0x11, 0x31, 0xF1, 0x00}) {
    const auto h = v2(version_command, 0x11, v4_block);
    EXPECT_EQ(error_of(h), pp::decode_error::v2_bad_version);
    // Known from the 13th byte on.
    EXPECT_EQ(error_of(bytes(h.begin(), h.begin() + 13)), pp::decode_error::v2_bad_version);
    expect_incremental(h);
  }
}

TEST(ProxyProtocolDecoderV2, RejectsBadCommand) {
  for (unsigned command = 2; command <= 0xF; ++command) {
    const auto h = v2(static_cast<std::uint8_t>(0x20 | command), 0x11, v4_block);
    EXPECT_EQ(error_of(h), pp::decode_error::v2_bad_command);
    EXPECT_EQ(error_of(bytes(h.begin(), h.begin() + 13)), pp::decode_error::v2_bad_command);
  }
}

TEST(ProxyProtocolDecoderV2, UnlistedFamilyCombinationsFallBackToUnspec) {
  // Each nibble defined, the pair not among the seven listed: the block has no defined size.
  for (const std::uint8_t family : {0x01, 0x02, 0x10, 0x20, 0x30}) {
    const auto h = decoded(v2(0x21, family, bytes{1, 2, 3, 4, 5}), 21);
    EXPECT_EQ(h.command, pp::proxy_command::proxy);
    EXPECT_EQ(h.family, pp::address_family::unspec) << int{family};
    EXPECT_TRUE(h.tlvs.empty());
  }
}

TEST(ProxyProtocolDecoderV2, RejectsBadFamily) {
  for (const std::uint8_t family : {0x03, 0x04, 0x13, 0x1F, 0x23, 0x33, 0x40, 0x41, 0xF1, 0xFF}) {
    const auto h = v2(0x21, family, bytes(216, 0));
    EXPECT_EQ(error_of(h), pp::decode_error::v2_bad_family) << int{family};
    EXPECT_EQ(error_of(bytes(h.begin(), h.begin() + 14)), pp::decode_error::v2_bad_family);
  }
}

TEST(ProxyProtocolDecoderV2, RejectsLengthShorterThanAddresses) {
  const std::pair<std::uint8_t, std::size_t> cases[] = {
      {0x11, 12}, {0x12, 12}, {0x21, 36}, {0x22, 36}, {0x31, 216}, {0x32, 216}};
  for (const auto& [family, block] : cases) {
    const auto h = v2(0x21, family, bytes(block - 1, 0));
    EXPECT_EQ(error_of(h), pp::decode_error::v2_length_too_short_for_addresses) << int{family};
    // Known as soon as the length field is there.
    EXPECT_EQ(error_of(bytes(h.begin(), h.begin() + 16)),
              pp::decode_error::v2_length_too_short_for_addresses);
  }
  EXPECT_EQ(error_of(v2(0x21, 0x11, {})), pp::decode_error::v2_length_too_short_for_addresses);
}

TEST(ProxyProtocolDecoderV2, RejectsHeadersOverTheLengthLimit) {
  pp::decode_options options;
  options.max_v2_length = 100;
  decoded(v2(0x21, 0x11, v4_block + tlv(0xE0, bytes(69, 0))), 100, options);
  const auto too_long = v2(0x21, 0x11, v4_block + tlv(0xE0, bytes(70, 0)));
  EXPECT_EQ(error_of(too_long, options), pp::decode_error::v2_too_long);
  EXPECT_EQ(error_of(bytes(too_long.begin(), too_long.begin() + 16), options),
            pp::decode_error::v2_too_long);
  // The largest length field against the default limit: refused without waiting for 64 KiB.
  EXPECT_EQ(error_of(v2(0x21, 0x11, v4_block, 0xFFFF)), pp::decode_error::v2_too_long);
  options.max_v2_length = 16 + 0xFFFF;
  EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(v2(0x21, 0x11, v4_block, 0xFFFF), options)));
}

TEST(ProxyProtocolDecoderV2, RejectsBadTlvs) {
  const bytes cases[] = {
      v4_block + bytes{0x01},                                   // 1 byte: no room for a TLV header
      v4_block + bytes{0x01, 0x00},                             // 2 bytes
      v4_block + bytes{0x01, 0x00, 0x05, 'h', '2'},             // value runs past the length
      v4_block + tlv(0x01, text("h2")) + bytes{0x02, 0xFF, 0xFF},
      v4_block + tlv(0x03, {0, 0, 0}),                          // CRC32C must be 4 bytes
      v4_block + tlv(0x03, {0, 0, 0, 0, 0}),
      v4_block + tlv(0x03, {0, 0, 0, 0}) + tlv(0x03, {0, 0, 0, 0}),  // two checksums
      v4_block + tlv(0x20, {0x01, 0, 0, 0}),                    // SSL shorter than client+verify
      v4_block + tlv(0x20, bytes{0x01, 0, 0, 0, 0} + bytes{0x21, 0x00, 0x09, 'T'}),  // sub-TLV overrun
      v4_block + tlv(0x20, bytes{0x01, 0, 0, 0, 0, 0x21}),      // truncated sub-TLV header
  };
  for (const auto& payload : cases) {
    const auto h = v2(0x21, 0x11, payload);
    EXPECT_EQ(error_of(h), pp::decode_error::v2_bad_tlv);
    expect_incremental(h);
  }
  EXPECT_EQ(error_of(v2(0x20, 0x00, {0x01})), pp::decode_error::v2_bad_tlv);  // LOCAL too
}

TEST(ProxyProtocolDecoderV2, EveryProperPrefixNeedsMore) {
  const bytes headers[] = {
      v2(0x21, 0x11, v4_block),
      v2(0x21, 0x21, v6_block + tlv(0x01, text("h2"))),
      v2(0x20, 0x00, {}),
      with_crc(v2(0x21, 0x11, v4_block + tlv(0x03, {0, 0, 0, 0})), 31),
  };
  for (const auto& h : headers) {
    for (std::size_t k = 0; k < h.size(); ++k)
      EXPECT_TRUE(std::holds_alternative<pp::need_more>(pp::decode(std::span(h).first(k))))
          << "prefix " << k;
    decoded(h, h.size());
    expect_incremental(h + text("DATA"));
  }
}

TEST(ProxyProtocolDecoder, ErrorCodeCategory) {
  const std::error_code ec = pp::decode_error::crc_mismatch;
  EXPECT_EQ(ec.category().name(), std::string("proxy_protocol"));
  EXPECT_EQ(ec.message(), "PROXY v2 CRC32C mismatch");
  EXPECT_TRUE(ec);
}

TEST(ProxyProtocolCrc32c, KnownAnswer) {
  // RFC 3720 / the usual CRC-32C check value.
  const auto input = text("123456789");
  pp::crc32c whole;
  whole.update(input);
  EXPECT_EQ(whole.value(), 0xE3069283u);
  pp::crc32c pieces;
  pieces.update(std::span(input).first(4));
  pieces.update(std::span(input).subspan(4));
  EXPECT_EQ(pieces.value(), whole.value());
  EXPECT_EQ(pp::crc32c{}.value(), 0u);
}

}  // namespace

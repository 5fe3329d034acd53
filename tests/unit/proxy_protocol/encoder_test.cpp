// Encoder tests: exact bytes for the common headers, what cannot be encoded, and round trips
// through the decoder.
#include "proxy_protocol/encoder.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "proxy_protocol/decoder.hpp"

namespace pp = staticgate::proxy_protocol;
using staticgate::net::endpoint;

namespace {

using bytes = std::vector<std::uint8_t>;

endpoint ep(std::string_view s) { return endpoint::parse(s).value(); }

bytes text(std::string_view s) { return {s.begin(), s.end()}; }

std::string v1_line(const pp::header& h) {
  std::array<std::uint8_t, pp::v1_max_length> out{};
  const std::size_t n = pp::encode_v1(h, out);
  return std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
}

bytes v2_bytes(const pp::header& h, const pp::encode_options& options = {}) {
  bytes out(pp::encoded_size_v2(h, options));
  const std::size_t n = pp::encode_v2(h, out, options);
  EXPECT_EQ(n, out.size());
  out.resize(n);
  return out;
}

pp::header tcp6(std::string_view source, std::string_view destination) {
  pp::header h;
  h.version = pp::protocol_version::v1;
  h.family = pp::address_family::tcp6;
  h.source = ep(source);
  h.destination = ep(destination);
  return h;
}

pp::tlv make_tlv(pp::tlv_type type, std::string_view value) { return {type, text(value)}; }

// decode(encode(h)) == h, consuming exactly what was written.
void expect_round_trip(const pp::header& h, const pp::encode_options& options = {}) {
  std::vector<std::uint8_t> out(70000);
  const std::size_t n = pp::encode(h, out, options);
  ASSERT_GT(n, 0u);
  out.resize(n);
  out.push_back('x');  // payload after the header is not consumed
  pp::decode_options decode_options;
  decode_options.max_v2_length = 16 + 0xFFFF;
  const auto r = pp::decode(out, decode_options);
  const auto* c = std::get_if<pp::complete>(&r);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->consumed, n);
  EXPECT_EQ(c->header, h);
}

// ---- v1 ----

TEST(ProxyProtocolEncoderV1, Tcp4) {
  const auto h = pp::make_tcp_header(pp::protocol_version::v1, ep("192.168.0.1:56324"),
                                     ep("192.168.0.11:443"));
  EXPECT_EQ(v1_line(h), "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
}

TEST(ProxyProtocolEncoderV1, Tcp6UsesRfc5952HexGroupsOnly) {
  const std::pair<const char*, const char*> cases[] = {
      {"[2001:db8::1]:1", "2001:db8::1"},
      {"[2001:db8:0:0:1:0:0:1]:1", "2001:db8::1:0:0:1"},  // first of two equal runs
      {"[2001:0:0:1:0:0:0:1]:1", "2001:0:0:1::1"},        // the longer run
      {"[2001:db8:0:1:1:1:1:1]:1", "2001:db8:0:1:1:1:1:1"},  // one zero group stays
      {"[::]:1", "::"},
      {"[::1]:1", "::1"},
      {"[1::]:1", "1::"},
      {"[FE80::ABCD]:1", "fe80::abcd"},
      {"[::ffff:1.2.3.4]:1", "::ffff:102:304"},  // no dotted form in a v1 line
  };
  for (const auto& [address, expected] : cases) {
    EXPECT_EQ(v1_line(tcp6(address, "[::1]:2")), std::string("PROXY TCP6 ") + expected + " ::1 1 2\r\n");
    expect_round_trip(tcp6(address, "[::1]:2"));
  }
}

TEST(ProxyProtocolEncoderV1, LongestLineFits) {
  const std::string all_f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const auto h = tcp6("[" + all_f + "]:65535", "[" + all_f + "]:65535");
  EXPECT_EQ(v1_line(h), "PROXY TCP6 " + all_f + " " + all_f + " 65535 65535\r\n");
}

TEST(ProxyProtocolEncoderV1, UnknownForWhatV1CannotCarry) {
  pp::header h;
  h.version = pp::protocol_version::v1;
  EXPECT_EQ(v1_line(h), "PROXY UNKNOWN\r\n");  // unspec
  h.family = pp::address_family::udp4;
  h.source = ep("1.2.3.4:1");
  h.destination = ep("5.6.7.8:2");
  EXPECT_EQ(v1_line(h), "PROXY UNKNOWN\r\n");
  h.family = pp::address_family::tcp4;
  h.command = pp::proxy_command::local;
  EXPECT_EQ(v1_line(h), "PROXY UNKNOWN\r\n");
}

TEST(ProxyProtocolEncoderV1, RefusesInconsistentHeadersAndSmallBuffers) {
  pp::header h = tcp6("[::1]:1", "[::1]:2");
  h.family = pp::address_family::tcp4;  // IPv6 endpoints
  std::array<std::uint8_t, pp::v1_max_length> out{};
  EXPECT_EQ(pp::encode_v1(h, out), 0u);
  h.family = pp::address_family::tcp6;
  h.destination = ep("1.2.3.4:2");  // mixed
  EXPECT_EQ(pp::encode_v1(h, out), 0u);
  h.destination = endpoint{};  // unset
  EXPECT_EQ(pp::encode_v1(h, out), 0u);

  const auto ok = pp::make_tcp_header(pp::protocol_version::v1, ep("1.2.3.4:1"), ep("5.6.7.8:2"));
  const std::string line = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
  std::vector<std::uint8_t> exact(line.size());
  EXPECT_EQ(pp::encode_v1(ok, exact), line.size());
  std::vector<std::uint8_t> small(line.size() - 1);
  EXPECT_EQ(pp::encode_v1(ok, small), 0u);
}

// ---- v2 ----

TEST(ProxyProtocolEncoderV2, Tcp4) {
  const auto h = pp::make_tcp_header(pp::protocol_version::v2, ep("192.0.2.1:56324"),
                                     ep("198.51.100.7:443"));
  const bytes expected = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                          0x21, 0x11, 0x00, 0x0C, 192,  0,    2,    1,    198,  51,   100,  7,
                          0xDC, 0x04, 0x01, 0xBB};
  EXPECT_EQ(v2_bytes(h), expected);
}

TEST(ProxyProtocolEncoderV2, Tcp6) {
  const auto h = pp::make_tcp_header(pp::protocol_version::v2, ep("[2001:db8::1]:56324"),
                                     ep("[2001:db8::2]:443"));
  const auto out = v2_bytes(h);
  ASSERT_EQ(out.size(), 52u);
  EXPECT_EQ(out[12], 0x21);
  EXPECT_EQ(out[13], 0x21);
  EXPECT_EQ(out[15], 36);
  EXPECT_EQ(out[16], 0x20);
  EXPECT_EQ(out[31], 0x01);
  EXPECT_EQ(out[47], 0x02);
  EXPECT_EQ((bytes{out.end() - 4, out.end()}), (bytes{0xDC, 0x04, 0x01, 0xBB}));
}

TEST(ProxyProtocolEncoderV2, LocalForHealthChecks) {
  pp::header h;
  h.command = pp::proxy_command::local;
  const bytes expected = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
                          0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
  EXPECT_EQ(v2_bytes(h), expected);
  // Family and addresses are not sent with LOCAL.
  h.family = pp::address_family::tcp4;
  h.source = ep("1.2.3.4:1");
  EXPECT_EQ(v2_bytes(h), expected);
}

TEST(ProxyProtocolEncoderV2, TlvsFollowTheAddresses) {
  auto h = pp::make_tcp_header(pp::protocol_version::v2, ep("192.0.2.1:1"), ep("198.51.100.7:2"));
  h.tlvs = {make_tlv(pp::tlv_type::alpn, "h2"), make_tlv(pp::tlv_type::authority, "example.com")};
  const auto out = v2_bytes(h);
  ASSERT_EQ(out.size(), 16u + 12 + 5 + 14);
  EXPECT_EQ(out[15], 12 + 5 + 14);
  EXPECT_EQ((bytes{out.begin() + 28, out.begin() + 33}), (bytes{0x01, 0x00, 0x02, 'h', '2'}));
  EXPECT_EQ(out[33], 0x02);
  EXPECT_EQ(out[35], 11);
}

TEST(ProxyProtocolEncoderV2, Crc32c) {
  auto h = pp::make_tcp_header(pp::protocol_version::v2, ep("192.0.2.1:1"), ep("198.51.100.7:2"));
  h.tlvs = {make_tlv(pp::tlv_type::unique_id, "abc")};
  pp::encode_options options;
  options.crc32c = true;
  auto out = v2_bytes(h, options);
  ASSERT_EQ(out.size(), 16u + 12 + 7 + 6);
  EXPECT_EQ(out[28], 0x03);  // CRC32C TLV first, 4-byte value
  EXPECT_EQ(out[30], 4);
  expect_round_trip(h, options);
  out[17] ^= 1;  // any change is caught
  const auto r = pp::decode(out);
  ASSERT_TRUE(std::holds_alternative<pp::error>(r));
  EXPECT_EQ(std::get<pp::error>(r).code, pp::decode_error::crc_mismatch);

  // LOCAL with only the checksum.
  pp::header local;
  local.command = pp::proxy_command::local;
  EXPECT_EQ(v2_bytes(local, options).size(), 23u);
  expect_round_trip(local, options);
}

TEST(ProxyProtocolEncoderV2, RefusesWhatCannotBeEncoded) {
  std::vector<std::uint8_t> out(200000);
  const auto base = pp::make_tcp_header(pp::protocol_version::v2, ep("1.2.3.4:1"), ep("5.6.7.8:2"));

  auto wrong_family = base;
  wrong_family.family = pp::address_family::tcp6;
  auto unset = base;
  unset.destination = endpoint{};
  auto crc_in_list = base;
  crc_in_list.tlvs = {pp::tlv{pp::tlv_type::crc32c, bytes(4, 0)}};
  auto long_unique_id = base;
  long_unique_id.tlvs = {pp::tlv{pp::tlv_type::unique_id, bytes(129, 'u')}};
  auto bad_ssl = base;
  bad_ssl.tlvs = {pp::tlv{pp::tlv_type::ssl, bytes{1, 0, 0, 0}}};
  auto huge_value = base;
  huge_value.tlvs = {pp::tlv{static_cast<pp::tlv_type>(0xE0), bytes(0x10000, 0)}};
  auto too_long_in_total = base;
  too_long_in_total.tlvs = {pp::tlv{static_cast<pp::tlv_type>(0xE0), bytes(40000, 0)},
                            pp::tlv{static_cast<pp::tlv_type>(0xE1), bytes(40000, 0)}};
  auto bad_enum = base;
  bad_enum.family = static_cast<pp::address_family>(0x31);

  for (const auto* h : {&wrong_family, &unset, &crc_in_list, &long_unique_id, &bad_ssl, &huge_value,
                        &too_long_in_total, &bad_enum}) {
    EXPECT_EQ(pp::encoded_size_v2(*h), 0u);
    EXPECT_EQ(pp::encode_v2(*h, out), 0u);
  }

  const std::size_t size = pp::encoded_size_v2(base);
  ASSERT_EQ(size, 28u);
  EXPECT_EQ(pp::encode_v2(base, std::span(out).first(size - 1)), 0u);
  EXPECT_EQ(pp::encode_v2(base, std::span(out).first(size)), size);

  // The largest header the length field allows is fine.
  auto largest = base;
  largest.tlvs = {pp::tlv{static_cast<pp::tlv_type>(0xE0), bytes(0xFFFF - 12 - 3, 0)}};
  EXPECT_EQ(pp::encoded_size_v2(largest), 16u + 0xFFFF);
  expect_round_trip(largest);
}

// ---- both ----

TEST(ProxyProtocolEncoder, RoundTrips) {
  for (const auto version : {pp::protocol_version::v1, pp::protocol_version::v2}) {
    SCOPED_TRACE(static_cast<int>(version));
    expect_round_trip(pp::make_tcp_header(version, ep("192.0.2.1:56324"), ep("198.51.100.7:443")));
    expect_round_trip(pp::make_tcp_header(version, ep("[2001:db8::1]:0"), ep("[::]:65535")));
    expect_round_trip(pp::make_tcp_header(version, ep("0.0.0.0:0"), ep("255.255.255.255:65535")));
    pp::header unspec;
    unspec.version = version;
    expect_round_trip(unspec);
  }

  pp::header h = pp::make_tcp_header(pp::protocol_version::v2, ep("[fe80::1]:5"), ep("[fe80::2]:6"));
  h.family = pp::address_family::udp6;
  expect_round_trip(h);
  h = pp::make_tcp_header(pp::protocol_version::v2, ep("10.0.0.1:5"), ep("10.0.0.2:6"));
  h.family = pp::address_family::udp4;
  h.tlvs = {make_tlv(pp::tlv_type::alpn, "h2"),
            make_tlv(pp::tlv_type::authority, "example.com"),
            make_tlv(pp::tlv_type::unique_id, std::string(128, 'u')),
            make_tlv(pp::tlv_type::netns, "blue"),
            pp::tlv{pp::tlv_type::ssl, bytes{1, 0, 0, 0, 0, 0x21, 0, 3, 'T', 'L', 'S'}},
            pp::tlv{static_cast<pp::tlv_type>(0xEA), bytes{}},
            make_tlv(pp::tlv_type::alpn, "again")};
  expect_round_trip(h);
  pp::encode_options with_crc;
  with_crc.crc32c = true;
  expect_round_trip(h, with_crc);

  pp::header local;
  local.command = pp::proxy_command::local;
  local.tlvs = {make_tlv(pp::tlv_type::unique_id, "check-1")};
  expect_round_trip(local);
}

TEST(ProxyProtocolEncoder, EncodeDispatchesOnVersion) {
  auto h = pp::make_tcp_header(pp::protocol_version::v1, ep("1.2.3.4:1"), ep("5.6.7.8:2"));
  std::array<std::uint8_t, 128> out{};
  EXPECT_EQ(pp::encode(h, out), std::string("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n").size());
  h.version = pp::protocol_version::v2;
  EXPECT_EQ(pp::encode(h, out), 28u);
}

// ---- make_tcp_header ----

TEST(ProxyProtocolMakeTcpHeader, PicksTheFamily) {
  using pp::address_family;
  const auto v = pp::protocol_version::v2;
  auto h = pp::make_tcp_header(v, ep("1.2.3.4:1"), ep("5.6.7.8:2"));
  EXPECT_EQ(h.family, address_family::tcp4);
  EXPECT_EQ(h.command, pp::proxy_command::proxy);
  EXPECT_EQ(h.version, v);

  h = pp::make_tcp_header(v, ep("[2001:db8::1]:1"), ep("[2001:db8::2]:2"));
  EXPECT_EQ(h.family, address_family::tcp6);
  EXPECT_EQ(h.source, ep("[2001:db8::1]:1"));

  // A dual-stack listener sees IPv4 clients as IPv4-mapped: sent as TCP4.
  h = pp::make_tcp_header(v, ep("[::ffff:192.0.2.1]:1"), ep("[::ffff:198.51.100.7]:2"));
  EXPECT_EQ(h.family, address_family::tcp4);
  EXPECT_EQ(h.source, ep("192.0.2.1:1"));
  EXPECT_EQ(h.destination, ep("198.51.100.7:2"));
  h = pp::make_tcp_header(v, ep("[::ffff:192.0.2.1]:1"), ep("198.51.100.7:2"));
  EXPECT_EQ(h.family, address_family::tcp4);

  // Mixed IPv4 / real IPv6: neither TCP4 nor TCP6 can say it.
  h = pp::make_tcp_header(pp::protocol_version::v1, ep("192.0.2.1:1"), ep("[2001:db8::2]:2"));
  EXPECT_EQ(h.family, address_family::unspec);
  EXPECT_EQ(v1_line(h), "PROXY UNKNOWN\r\n");
  h = pp::make_tcp_header(v, ep("[::ffff:192.0.2.1]:1"), ep("[2001:db8::2]:2"));
  EXPECT_EQ(h.family, address_family::tcp6);  // both IPv6 on the wire: still expressible
  h = pp::make_tcp_header(v, endpoint{}, ep("1.2.3.4:1"));
  EXPECT_EQ(h.family, address_family::unspec);
}

}  // namespace

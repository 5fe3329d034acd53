// The PROXY protocol header (HAProxy doc/proxy-protocol.txt, versions 1 and 2): the model the
// pure decoder produces and the pure encoder consumes. No I/O anywhere in proxy_protocol/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "net/endpoint.hpp"

namespace staticgate::proxy_protocol {

// The longest v1 line including CRLF ("PROXY UNKNOWN" + two full IPv6 addresses + ports).
inline constexpr std::size_t v1_max_length = 107;
// Signature, version/command, family, length: the part of a v2 header that is always present.
inline constexpr std::size_t v2_fixed_length = 16;
// PP2_TYPE_UNIQUE_ID is "up to 128 bytes" (spec 2.2.5); longer ones are rejected.
inline constexpr std::size_t max_unique_id_length = 128;

enum class protocol_version : std::uint8_t { v1 = 1, v2 = 2 };

// The v2 command nibble. v1 has no LOCAL, so v1 headers always decode as `proxy`.
enum class proxy_command : std::uint8_t { local = 0x0, proxy = 0x1 };

// The v2 family/transport byte; v1 "TCP4" / "TCP6" / "UNKNOWN" map to tcp4 / tcp6 / unspec.
// unspec means "use the real connection's endpoints". AF_UNIX (0x31, 0x32) decodes as unspec:
// net::endpoint cannot hold a UNIX path, and the spec lets a receiver fall back to UNSPEC for
// the combinations it does not implement.
enum class address_family : std::uint8_t {
  unspec = 0x00,
  tcp4 = 0x11,
  udp4 = 0x12,
  tcp6 = 0x21,
  udp6 = 0x22,
};

// Registered v2 TLV types (spec 2.2). Any other byte value is a valid tlv_type too
// (0xE0-0xEF are application specific, e.g. AWS and GCP put their IDs there).
enum class tlv_type : std::uint8_t {
  alpn = 0x01,
  authority = 0x02,
  crc32c = 0x03,
  noop = 0x04,
  unique_id = 0x05,
  ssl = 0x20,
  netns = 0x30,
};

// Inside a PP2_TYPE_SSL value: 1 byte of client flags, 4 bytes of verify result, then sub-TLVs.
namespace ssl_client {
inline constexpr std::uint8_t ssl = 0x01;
inline constexpr std::uint8_t cert_conn = 0x02;
inline constexpr std::uint8_t cert_sess = 0x04;
}  // namespace ssl_client
namespace ssl_subtype {
inline constexpr std::uint8_t version = 0x21;
inline constexpr std::uint8_t cn = 0x22;
inline constexpr std::uint8_t cipher = 0x23;
inline constexpr std::uint8_t sig_alg = 0x24;
inline constexpr std::uint8_t key_alg = 0x25;
}  // namespace ssl_subtype

struct tlv {
  tlv_type type{};
  std::vector<std::uint8_t> value;

  friend bool operator==(const tlv&, const tlv&) = default;
};

struct header {
  protocol_version version = protocol_version::v2;
  proxy_command command = proxy_command::proxy;
  address_family family = address_family::unspec;
  // Set only for tcp4/udp4 (AF_INET) and tcp6/udp6 (AF_INET6); left empty otherwise.
  net::endpoint source;       // the client
  net::endpoint destination;  // the address the client connected to
  // v2 only, in wire order. CRC32C and NOOP are framing, not information: the decoder checks or
  // skips them and never lists them; ask the encoder for a checksum with encode_options::crc32c.
  std::vector<tlv> tlvs;

  // The first TLV of this type, or nullptr.
  const tlv* find(tlv_type type) const;

  friend bool operator==(const header&, const header&) = default;
};

// The header describing a relayed TCP connection. IPv4-mapped IPv6 addresses (what a dual-stack
// listener reports for IPv4 clients) are unmapped, so such a client is sent as TCP4, which is
// what backends expect. A pair that is still mixed (IPv4 and real IPv6) or unset cannot be
// expressed in either version and becomes unspec (v1 "PROXY UNKNOWN").
header make_tcp_header(protocol_version version, const net::endpoint& source,
                       const net::endpoint& destination);

// The constraints the spec (and HAProxy as a receiver) put on known TLV values: CRC32C is exactly
// 4 bytes, UNIQUE_ID at most 128, SSL at least 5 bytes followed by well-formed sub-TLVs. The
// decoder rejects and the encoder refuses a TLV that breaks them, so what we send we accept.
bool tlv_value_is_valid(tlv_type type, std::span<const std::uint8_t> value);

}  // namespace staticgate::proxy_protocol

// Wire-level constants and helpers shared by the PROXY protocol encoder and decoder
// (internal to proxy_protocol/). Spec section numbers refer to HAProxy doc/proxy-protocol.txt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "net/endpoint.hpp"

namespace staticgate::proxy_protocol::wire {

// v1 is recognised by these 5 characters (spec 2.2, "identifying the protocol version").
inline constexpr std::string_view v1_signature = "PROXY";
// v2's signature contains a NUL, so it must never be treated as a C string (spec 2.2).
inline constexpr std::array<std::uint8_t, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
inline constexpr std::uint8_t v2_version_nibble = 0x2;

inline constexpr std::size_t v4_block_length = 2 * 4 + 2 * 2;    // 12
inline constexpr std::size_t v6_block_length = 2 * 16 + 2 * 2;   // 36
inline constexpr std::size_t unix_block_length = 2 * 108;        // 216
inline constexpr std::size_t tlv_header_length = 3;              // type, length (big endian)
inline constexpr std::size_t crc32c_value_length = 4;
inline constexpr std::size_t ssl_fixed_length = 5;               // client flags + verify
inline constexpr std::size_t max_v2_payload = 0xFFFF;            // the 16-bit length field

// What a v2 family/transport byte says about the address block. The spec defines each nibble
// (family 0-3, transport 0-2) and "must be rejected" covers values outside those; among the valid
// pairs it lists seven, and a receiver "falls back to UNSPEC" for the rest. For those (e.g. 0x10,
// AF_INET without a transport) the block's size is not defined, so it is skipped unread.
struct family_info {
  bool valid = false;
  std::optional<std::size_t> block_length;  // set for the seven listed combinations
};

constexpr family_info classify_family(std::uint8_t family_byte) {
  if ((family_byte >> 4) > 0x3 || (family_byte & 0x0F) > 0x2) return {};
  switch (family_byte) {
    case 0x00: return {true, 0};
    case 0x11:
    case 0x12: return {true, v4_block_length};
    case 0x21:
    case 0x22: return {true, v6_block_length};
    case 0x31:
    case 0x32: return {true, unix_block_length};
    default: return {true, std::nullopt};
  }
}

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// Endpoints from / to raw network-order address bytes. The *_bytes functions require the
// endpoint to be of the matching family.
net::endpoint endpoint_from_v4(std::span<const std::uint8_t, 4> address, std::uint16_t port);
net::endpoint endpoint_from_v6(std::span<const std::uint8_t, 16> address, std::uint16_t port);
std::array<std::uint8_t, 4> v4_bytes(const net::endpoint& ep);
std::array<std::uint8_t, 16> v6_bytes(const net::endpoint& ep);

}  // namespace staticgate::proxy_protocol::wire

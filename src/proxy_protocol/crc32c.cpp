#include "proxy_protocol/crc32c.hpp"

#include <array>

namespace staticgate::proxy_protocol {

namespace {

// Byte-at-a-time table: headers are short and the checksum is only computed when the sender
// asked for it, so a hardware or sliced implementation would not pay for its complexity.
constexpr std::array<std::uint32_t, 256> make_table() {
  constexpr std::uint32_t reflected_polynomial = 0x82F63B78u;
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? reflected_polynomial : 0u);
    table[i] = crc;
  }
  return table;
}

constexpr auto table = make_table();

}  // namespace

void crc32c::update(std::span<const std::uint8_t> bytes) {
  std::uint32_t crc = state_;
  for (const std::uint8_t b : bytes) crc = table[(crc ^ b) & 0xFFu] ^ (crc >> 8);
  state_ = crc;
}

}  // namespace staticgate::proxy_protocol

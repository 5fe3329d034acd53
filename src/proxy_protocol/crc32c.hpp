// CRC-32C (Castagnoli), as RFC 4960 appendix B defines it, for the PP2_TYPE_CRC32C TLV.
#pragma once

#include <cstdint>
#include <span>

namespace staticgate::proxy_protocol {

// Incremental, so a receiver can checksum a header "with the CRC field zeroed" without copying
// it: update(before), update(four zero bytes), update(after).
class crc32c {
 public:
  void update(std::span<const std::uint8_t> bytes);
  std::uint32_t value() const { return ~state_; }

 private:
  std::uint32_t state_ = 0xFFFFFFFFu;
};

}  // namespace staticgate::proxy_protocol

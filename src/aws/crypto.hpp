// SHA-256 and HMAC-SHA256 for request signing (libcrypto), and lower-case hex, the only
// encoding SigV4 uses for digests. Pure functions: no state, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace staticgate::aws {

using digest = std::array<std::uint8_t, 32>;

digest sha256(std::string_view data);
digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
inline digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()), data);
}

std::string to_hex(std::span<const std::uint8_t> bytes);
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

}  // namespace staticgate::aws

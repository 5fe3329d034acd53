#include "aws/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace staticgate::aws {

digest sha256(std::string_view data) {
  digest out{};
  unsigned int length = 0;
  // Fails only when libcrypto cannot allocate; there is no sensible digest to return then.
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  digest out{};
  unsigned int length = 0;
  // To parts of OpenSSL's HMAC API a null key means "keep the previous key"; pass a real
  // pointer even for an empty key (valid, if pointless, as a SigV4 secret).
  static const std::uint8_t no_key = 0;
  const std::uint8_t* key_data = key.empty() ? &no_key : key.data();
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length) ==
          nullptr ||
      length != out.size()) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

}  // namespace staticgate::aws

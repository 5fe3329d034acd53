#include "egress/ip_prefix.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace staticgate::egress {

namespace {

constexpr std::array<std::uint8_t, 12> v4_mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Keeps the first `length` bits of `bytes` and zeroes the rest.
std::array<std::uint8_t, 16> masked(std::array<std::uint8_t, 16> bytes, int length) {
  for (int i = 0; i < 16; ++i) {
    const int bits_here = std::clamp(length - i * 8, 0, 8);
    bytes[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(0xff00u >> bits_here);
  }
  return bytes;
}

// "0".."128" with no sign, spaces or leading zeros.
std::optional<int> parse_length(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// An address of the same family as `like` with the given bytes (IPv4 uses the first four).
ip_address same_family(const ip_address& like, const std::array<std::uint8_t, 16>& bytes) {
  if (like.is_v6()) return ip_address::v6(bytes);
  return ip_address::v4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                        (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]});
}

}  // namespace

ip_address ip_address::v4(std::uint32_t host_order) {
  ip_address a;
  a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

ip_address ip_address::v6(const std::array<std::uint8_t, 16>& bytes) {
  ip_address a;
  a.bytes_ = bytes;
  a.is_v6_ = true;
  return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
  // inet_pton needs a terminated string; the longest valid IPv6 text is 45 characters.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN + 1] = {};
  std::memcpy(buffer, text.data(), text.size());
  std::array<std::uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, bytes.data()) != 1) return std::nullopt;
    ip_address a;
    a.bytes_ = bytes;
    return a;
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) != 1) return std::nullopt;
  return v6(bytes);
}

std::uint32_t ip_address::v4_host_order() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) | (std::uint32_t{bytes_[2]} << 8) |
         std::uint32_t{bytes_[3]};
}

ip_address ip_address::unmapped() const {
  if (!is_v6_ || !std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), bytes_.begin())) return *this;
  ip_address a;
  std::copy(bytes_.begin() + 12, bytes_.end(), a.bytes_.begin());
  return a;
}

bool ip_address::bit(int index) const {
  return (bytes_[static_cast<std::size_t>(index / 8)] >> (7 - index % 8)) & 1u;
}

std::string ip_address::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6_ ? AF_INET6 : AF_INET, bytes_.data(), buffer, sizeof buffer);
  return buffer;
}

ip_prefix::ip_prefix(const ip_address& address, int length)
    : address_(same_family(address, masked(address.bytes(), std::clamp(length, 0, address.bit_length())))),
      length_(std::clamp(length, 0, address.bit_length())) {}

ip_prefix::parse_result ip_prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address_text = text.substr(0, slash);
  const auto address = ip_address::parse(address_text);
  if (!address) {
    return {.prefix = std::nullopt, .error = "\"" + std::string(address_text) + "\" is not an IPv4 or IPv6 address"};
  }
  int length = address->bit_length();
  if (slash != std::string_view::npos) {
    const auto parsed = parse_length(text.substr(slash + 1));
    if (!parsed || *parsed > address->bit_length()) {
      return {.prefix = std::nullopt,
              .error = "\"" + std::string(text) + "\" has an invalid prefix length (0 to " +
                       std::to_string(address->bit_length()) + ")"};
    }
    length = *parsed;
  }
  const ip_prefix prefix(*address, length);
  if (prefix.address() != *address) {
    return {.prefix = std::nullopt,
            .error = "\"" + std::string(text) + "\" has host bits set; did you mean " + prefix.to_string() + "?"};
  }
  return {.prefix = prefix, .error = {}};
}

bool ip_prefix::contains(const ip_address& address) const {
  if (address.is_v6() != address_.is_v6()) return false;
  return masked(address.bytes(), length_) == address_.bytes();
}

bool ip_prefix::contains(const ip_prefix& other) const {
  return other.length_ >= length_ && contains(other.address_);
}

std::string ip_prefix::to_string() const { return address_.to_string() + "/" + std::to_string(length_); }

}  // namespace staticgate::egress

// IP addresses and CIDR prefixes as values, for the egress destination policy: parsing
// ("10.0.0.0/8", "2001:db8::/32", a bare address), containment and text. No sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace staticgate::egress {

// An IPv4 or IPv6 address. IPv4 lives in the first 4 bytes; the rest are zero, so the
// defaulted comparisons are well defined. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) stays
// IPv6 here: whether to treat it as IPv4 is the policy's decision (see unmapped()).
class ip_address {
 public:
  ip_address() = default;

  static ip_address v4(std::uint32_t host_order);
  static ip_address v6(const std::array<std::uint8_t, 16>& bytes);

  // Strict forms only (inet_pton): "192.0.2.1", "2001:db8::1". No brackets, no zone
  // ("fe80::1%eth0"), no inet_aton shorthand ("127.1", "0x7f.1", "2130706433").
  static std::optional<ip_address> parse(std::string_view text);

  bool is_v4() const { return !is_v6_; }
  bool is_v6() const { return is_v6_; }
  int bit_length() const { return is_v6_ ? 128 : 32; }
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::uint32_t v4_host_order() const;  // only meaningful for is_v4()

  // ::ffff:a.b.c.d becomes a.b.c.d; any other address is returned unchanged. Connecting to the
  // mapped form from a dual-stack socket reaches the IPv4 host, so policy treats them as one.
  ip_address unmapped() const;

  bool bit(int index) const;  // index 0 is the most significant bit
  std::string to_string() const;

  friend auto operator<=>(const ip_address&, const ip_address&) = default;
  friend bool operator==(const ip_address&, const ip_address&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  bool is_v6_ = false;
};

// A CIDR prefix: an address of one family and a length. Invariant: host bits are zero.
class ip_prefix {
 public:
  struct parse_result;

  ip_prefix() = default;
  // Clears the host bits of `address`; length is clamped to the family's bit length.
  ip_prefix(const ip_address& address, int length);

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (= /32 or /128). Decision: an address with
  // host bits set ("10.0.0.1/8") is rejected, not silently masked, because in an allow-list it
  // is almost always a typo for either the host or the network, and guessing either way
  // widens or narrows what a user may reach without anyone noticing. The error names the
  // masked form. The length is decimal without sign or leading zeros ("/08" is rejected).
  static parse_result parse(std::string_view text);

  const ip_address& address() const { return address_; }
  int length() const { return length_; }
  bool is_v4() const { return address_.is_v4(); }

  // Same family and the first length() bits equal. No IPv4-mapped translation here.
  bool contains(const ip_address& address) const;
  // Every address of `other` is in this prefix.
  bool contains(const ip_prefix& other) const;

  std::string to_string() const;  // "10.0.0.0/8"

  friend auto operator<=>(const ip_prefix&, const ip_prefix&) = default;
  friend bool operator==(const ip_prefix&, const ip_prefix&) = default;

 private:
  ip_address address_;
  int length_ = 0;
};

struct ip_prefix::parse_result {
  std::optional<ip_prefix> prefix;
  std::string error;  // set when prefix is empty
};

}  // namespace staticgate::egress

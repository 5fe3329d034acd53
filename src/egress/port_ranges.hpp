// The destination ports of an allow rule: "443", "80,443", "8000-8999", "80,8000-8999", or
// any port. Pure, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace staticgate::egress {

class port_ranges {
 public:
  struct parse_result;

  port_ranges() = default;  // any port

  // Comma-separated ports and inclusive ranges, spaces around items allowed. "*" or "any"
  // (alone) means any port. Ports are 1..65535, decimal without sign or leading zeros; a range
  // must not run backwards ("9000-8000"). Rejects the empty string (to say "any", say it).
  static parse_result parse(std::string_view text);
  static port_ranges only(std::uint16_t port);

  bool is_any() const { return ranges_.empty(); }
  // Port 0 is never contained: no proxy client may connect to it.
  bool contains(std::uint16_t port) const;
  std::string to_string() const;  // "any" or "80,443,8000-8999"

  friend bool operator==(const port_ranges&, const port_ranges&) = default;

 private:
  std::vector<std::pair<std::uint16_t, std::uint16_t>> ranges_;  // empty: any
};

struct port_ranges::parse_result {
  std::optional<port_ranges> ports;
  std::string error;  // set when ports is empty
};

}  // namespace staticgate::egress

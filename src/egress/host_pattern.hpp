// Host names as the egress policy compares them, and the patterns of an allow-list:
// "api.vendor.com" (that name only) and "*.vendor.com" (any name below vendor.com, at any
// depth, but not vendor.com itself). Pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staticgate::egress {

// The canonical form of a host name a client asked for: ASCII lower case, one trailing dot
// removed. Accepts labels of 1..63 characters from [a-z0-9_-] (underscore because real names
// use it), at most 253 characters in all. Rejects (nullopt) everything else: empty labels,
// spaces, '%', non-ASCII (clients must send IDNs as punycode "xn--"), and any text that
// inet_aton() reads as an IPv4 address ("127.1", "0x7f000001", "2130706433", "1.2.3.4"):
// the resolver would connect to that address, so it must be judged as an address, never
// matched as a name. A name whose last label is all digits is rejected for the same reason.
std::optional<std::string> normalize_host_name(std::string_view text);

class host_pattern {
 public:
  struct parse_result;

  // "name" or "*.name", where name passes normalize_host_name(); case and a trailing dot do
  // not matter. "*" alone, "*vendor.com", "api.*.com" and "api.*" are rejected (the policy's
  // "any destination" is spelled "*" in destination_policy.hpp, not here).
  static parse_result parse(std::string_view text);

  // `host` must already be normalized (normalize_host_name).
  bool matches(std::string_view host) const;

  bool is_wildcard() const { return wildcard_; }
  std::string to_string() const;  // canonical: "*.vendor.com"

  friend bool operator==(const host_pattern&, const host_pattern&) = default;

 private:
  std::string name_;  // without the "*." of a wildcard
  bool wildcard_ = false;
};

struct host_pattern::parse_result {
  std::optional<host_pattern> pattern;
  std::string error;  // set when pattern is empty
};

}  // namespace staticgate::egress

// Who may go where through the egress proxy: per-user allow-lists of destinations (host-name
// patterns, address prefixes, "*"), each with ports, over a default refusal of special-purpose
// addresses (address_ranges.hpp). Pure decision logic: no sockets, no DNS, no config files (a
// later step maps TOML onto destination_rules).
//
// Two checks, because a name can resolve to an address the policy forbids (DNS rebinding, a
// vendor name pointed at 169.254.169.254, ...):
//  1. check_request(user, host, port) as soon as the client has said where it wants to go.
//     An IP literal is judged completely here. A name passes if a host rule or "*" matches it,
//     or if some address rule allows the port (the address is not known yet).
//  2. check_resolved(user, host, address, port) for every address the name resolved to, before
//     connecting to it; the caller connects only to addresses that pass. The address must be
//     allowed by a rule that matches it: a host rule whose pattern matched the requested name,
//     "*", or an address rule that contains the address. And it must pass the special-range
//     refusal below. A literal is judged as in step 1.
//
// Rules:
//  - Any rule that matches the destination and lists the port allows it; order does not matter.
//  - Special ranges are refused even when a rule matches, unless (a) `allow_private` is true and
//    the range is private-use (10/8, 172.16/12, 192.168/16, fc00::/7), or (b) an address rule
//    that matches lies entirely inside the refused range: listing "10.1.0.0/16" allows 10.1.x.x;
//    listing "0.0.0.0/0" does not allow 10.1.x.x, and listing "169.254.0.0/16" does not allow
//    169.254.169.254 (its range, "cloud metadata", is the /32; list that to reach it). Host rules
//    never lift the refusal, because the name is exactly what an attacker controls: to reach
//    "db.internal" at 10.0.0.5, set allow_private or list the address range.
//  - IPv4-mapped IPv6 destinations (::ffff:10.0.0.1) are judged as their IPv4 address.
//
// Inheritance and defaults (decisions):
//  - A user's fields replace the global ones when set, and are inherited when unset. Replacing
//    (not merging) lets a user be narrower than the global policy.
//  - allow unset everywhere means ["*" on any port]: any public address, never special ranges.
//    This is the documented default "a user with no allow-list may reach any public address".
//  - allow = [] (set but empty) allows nothing: a way to disable a user.
//  - A user unknown to the policy (or "" for an unauthenticated server) gets the global rules.
//
// Answers map to the protocols as: every refusal -> SOCKS5 reply 0x02 "connection not allowed
// by ruleset", HTTP 403; invalid_destination may use HTTP 400.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "egress/host_pattern.hpp"
#include "egress/ip_prefix.hpp"
#include "egress/port_ranges.hpp"

namespace staticgate::egress {

// "*" in an allow-list: any destination (still subject to the special-range refusal).
struct any_destination {
  friend bool operator==(const any_destination&, const any_destination&) = default;
};

struct destination_rule {
  struct parse_result;

  std::variant<any_destination, host_pattern, ip_prefix> destination;
  port_ranges ports;  // default: any

  // destination: "*", an address or prefix ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32"), or a
  // host pattern ("api.vendor.com", "*.vendor.com"); ports as port_ranges::parse().
  static parse_result parse(std::string_view destination, std::string_view ports = "any");

  std::string to_string() const;  // "*.vendor.com port 443"

  friend bool operator==(const destination_rule&, const destination_rule&) = default;
};

struct destination_rule::parse_result {
  std::optional<destination_rule> rule;
  std::string error;  // set when rule is empty
};

// The global policy or one user's; unset fields inherit (see above).
struct destination_rules {
  std::optional<std::vector<destination_rule>> allow;
  std::optional<bool> allow_private;
};

enum class decision_category {
  allowed,
  invalid_destination,  // not a port 1-65535, not an IP address or a valid host name
  no_matching_rule,     // no allow rule covers this destination and port
  special_address,      // a rule may match, but the address is in a refused special range
};

std::string_view to_string(decision_category category);

struct decision {
  decision_category category = decision_category::no_matching_rule;
  // For logs and (sanitized: user text escaped, at most ~100 bytes of it) for error pages:
  // "allowed by *.vendor.com port 443", "169.254.169.254 is link-local (cloud metadata), ...".
  std::string reason;

  bool allowed() const { return category == decision_category::allowed; }
};

class destination_policy {
 public:
  destination_policy() = default;  // defaults only: any public destination, for everyone
  destination_policy(const destination_rules& global, const std::map<std::string, destination_rules>& users);

  // host: an IPv4 or IPv6 literal (IPv6 with or without brackets) or a host name as the client
  // sent it (any case, a trailing dot allowed).
  decision check_request(std::string_view user, std::string_view host, std::uint16_t port) const;

  // requested_host as given to check_request(); resolved: one address it resolved to.
  decision check_resolved(std::string_view user, std::string_view requested_host, const ip_address& resolved,
                          std::uint16_t port) const;

 private:
  struct effective_rules {
    std::vector<destination_rule> allow;
    bool allow_private = false;
  };

  const effective_rules& rules_for(std::string_view user) const;

  effective_rules global_{.allow = {destination_rule{}}, .allow_private = false};
  std::map<std::string, effective_rules, std::less<>> users_;
};

}  // namespace staticgate::egress

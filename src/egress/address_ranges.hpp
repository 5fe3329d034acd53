// The special-purpose address ranges that the egress proxy refuses unless a rule allows them
// explicitly: loopback, private-use, link-local (with the cloud metadata addresses named),
// documentation, multicast, reserved, ... Taken from the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (entries whose "Globally Reachable" is False), the IPv4 multicast block,
// and the IPv6 address space outside 2000::/3 that IANA has not allocated. Pure, no I/O.
//
// Decisions:
// - The most specific entry wins, so 169.254.169.254 reports "link-local (cloud metadata)"
//   rather than plain "link-local".
// - Whole blocks are refused even where the registry lists a globally reachable sub-block
//   (192.0.0.9/32 PCP anycast, 2001:3::/32 AMT, ORCHIDv2, ...): nothing a proxy user needs
//   lives there, and a shorter table is easier to audit.
// - Addresses that embed an IPv4 address are judged by it: IPv4-mapped ::ffff:0:0/96,
//   NAT64 64:ff9b::/96 and 6to4 2002::/16. 64:ff9b::a9fe:a9fe (NAT64 for 169.254.169.254) is
//   refused; 64:ff9b::808:808 (8.8.8.8) is not. The match then carries the refused IPv4 range
//   translated into the IPv6 block (169.254.169.254/32 becomes 64:ff9b::a9fe:a9fe/128) so that
//   explicit allow rules can be compared with it in one family.
// - IPv6 outside 2000::/3 (IANA's global unicast space) is refused as "reserved by IETF",
//   except where a more specific entry names it, and NAT64 with a public IPv4 address.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "egress/ip_prefix.hpp"

namespace staticgate::egress {

// Coarse kind of a special range, for switches such as `allow_private` and for metrics.
enum class special_range_kind {
  private_use,     // RFC 1918 and IPv6 unique-local (fc00::/7)
  loopback,        // 127.0.0.0/8, ::1
  link_local,      // 169.254.0.0/16, fe80::/10
  cloud_metadata,  // instance metadata endpoints inside the ranges above
  multicast,       // 224.0.0.0/4, ff00::/8
  other,           // documentation, benchmarking, reserved, broadcast, ...
};

std::string_view to_string(special_range_kind kind);

struct special_range {
  ip_prefix prefix;
  std::string_view name;  // "link-local (cloud metadata)"
  special_range_kind kind;
};

// The built-in table, in no particular order (lookups take the most specific match).
std::span<const special_range> special_ranges();

struct special_range_match {
  // The refused range in the family of the address that was classified; for an embedded IPv4
  // address this is the IPv4 range translated into the embedding block.
  ip_prefix range;
  std::string_view name;
  special_range_kind kind;
  // Set when the address was judged by an embedded IPv4 address.
  std::optional<ip_address> embedded_ipv4;
  std::string_view embedding;  // "IPv4-mapped", "NAT64", "6to4"; empty when not embedded
};

// The most specific special range containing `address`, or nullopt for an ordinary public
// address.
std::optional<special_range_match> find_special_range(const ip_address& address);

// A sentence for logs and refusals: "169.254.169.254 is link-local (cloud metadata), in
// 169.254.169.254/32"; embedded: "64:ff9b::a9fe:a9fe is NAT64 for 169.254.169.254, which is
// link-local (cloud metadata)".
std::string describe(const ip_address& address, const special_range_match& match);

}  // namespace staticgate::egress

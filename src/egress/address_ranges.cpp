#include "egress/address_ranges.hpp"

#include <array>
#include <vector>

namespace staticgate::egress {

namespace {

ip_prefix prefix(std::string_view text) {
  // The table is fixed text. A typo in it would give ip_prefix{} (0.0.0.0/0), which refuses
  // every IPv4 address and fails the unit tests at once rather than opening a hole.
  auto parsed = ip_prefix::parse(text);
  return parsed.prefix.value_or(ip_prefix{});
}

using kind = special_range_kind;

std::vector<special_range> build_table() {
  return {
      // IPv4 Special-Purpose Address Registry, "Globally Reachable" False.
      {prefix("0.0.0.0/8"), "\"this network\"", kind::other},
      {prefix("0.0.0.0/32"), "unspecified", kind::other},
      {prefix("10.0.0.0/8"), "private-use", kind::private_use},
      {prefix("100.64.0.0/10"), "shared address space (carrier-grade NAT)", kind::other},
      {prefix("100.100.100.200/32"), "shared address space (Alibaba Cloud metadata)", kind::cloud_metadata},
      {prefix("127.0.0.0/8"), "loopback", kind::loopback},
      {prefix("169.254.0.0/16"), "link-local", kind::link_local},
      {prefix("169.254.169.254/32"), "link-local (cloud metadata)", kind::cloud_metadata},
      {prefix("169.254.170.2/32"), "link-local (AWS ECS task metadata)", kind::cloud_metadata},
      {prefix("172.16.0.0/12"), "private-use", kind::private_use},
      {prefix("192.0.0.0/24"), "IETF protocol assignments", kind::other},
      {prefix("192.0.0.0/29"), "IPv4 service continuity (DS-Lite)", kind::other},
      {prefix("192.0.0.170/31"), "NAT64/DNS64 discovery", kind::other},
      {prefix("192.0.2.0/24"), "documentation (TEST-NET-1)", kind::other},
      {prefix("192.88.99.0/24"), "deprecated 6to4 relay anycast", kind::other},
      {prefix("192.168.0.0/16"), "private-use", kind::private_use},
      {prefix("198.18.0.0/15"), "benchmarking", kind::other},
      {prefix("198.51.100.0/24"), "documentation (TEST-NET-2)", kind::other},
      {prefix("203.0.113.0/24"), "documentation (TEST-NET-3)", kind::other},
      {prefix("224.0.0.0/4"), "multicast", kind::multicast},
      {prefix("240.0.0.0/4"), "reserved (future use)", kind::other},
      {prefix("255.255.255.255/32"), "limited broadcast", kind::other},

      // IPv6 Special-Purpose Address Registry. ::ffff:0:0/96, 64:ff9b::/96 and 2002::/16 are
      // judged by their embedded IPv4 address in find_special_range(), not here.
      {prefix("::/128"), "unspecified", kind::other},
      {prefix("::1/128"), "loopback", kind::loopback},
      {prefix("64:ff9b:1::/48"), "local-use IPv4/IPv6 translation", kind::other},
      {prefix("100::/64"), "discard-only", kind::other},
      {prefix("2001::/23"), "IETF protocol assignments", kind::other},
      {prefix("2001::/32"), "Teredo", kind::other},
      {prefix("2001:2::/48"), "benchmarking", kind::other},
      {prefix("2001:10::/28"), "deprecated ORCHID", kind::other},
      {prefix("2001:20::/28"), "ORCHIDv2", kind::other},
      {prefix("2001:db8::/32"), "documentation", kind::other},
      {prefix("3fff::/20"), "documentation", kind::other},
      {prefix("5f00::/16"), "segment routing SIDs", kind::other},
      {prefix("fc00::/7"), "unique-local", kind::private_use},
      {prefix("fd00:ec2::254/128"), "unique-local (AWS cloud metadata)", kind::cloud_metadata},
      {prefix("fe80::/10"), "link-local", kind::link_local},
      {prefix("fec0::/10"), "deprecated site-local", kind::other},
      {prefix("ff00::/8"), "multicast", kind::multicast},

      // IPv6 Address Space: everything outside 2000::/3 that is not named above.
      {prefix("::/8"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("100::/8"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("200::/7"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("400::/6"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("800::/5"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("1000::/4"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("4000::/3"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("6000::/3"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("8000::/3"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("a000::/3"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("c000::/3"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("e000::/4"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("f000::/5"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("f800::/6"), "reserved by IETF (not global unicast)", kind::other},
      {prefix("fe00::/9"), "reserved by IETF (not global unicast)", kind::other},
  };
}

const special_range* most_specific(const ip_address& address) {
  const special_range* best = nullptr;
  for (const auto& entry : special_ranges()) {
    if (entry.prefix.contains(address) && (best == nullptr || entry.prefix.length() > best->prefix.length())) {
      best = &entry;
    }
  }
  return best;
}

// An IPv6 block that carries an IPv4 address at a fixed bit offset.
struct embedding_block {
  ip_prefix block;
  int ipv4_offset_bits;
  std::string_view name;
};

const std::array<embedding_block, 3>& embedding_blocks() {
  static const std::array<embedding_block, 3> blocks = {{
      {prefix("::ffff:0:0/96"), 96, "IPv4-mapped"},
      {prefix("64:ff9b::/96"), 96, "NAT64"},
      {prefix("2002::/16"), 16, "6to4"},
  }};
  return blocks;
}

// The IPv4 range `v4_range` placed at `offset_bits` inside `block`.
ip_prefix translate(const embedding_block& embedding, const ip_prefix& v4_range) {
  auto bytes = embedding.block.address().bytes();
  const auto byte_offset = static_cast<std::size_t>(embedding.ipv4_offset_bits / 8);
  for (std::size_t i = 0; i < 4; ++i) bytes[byte_offset + i] = v4_range.address().bytes()[i];
  return ip_prefix(ip_address::v6(bytes), embedding.ipv4_offset_bits + v4_range.length());
}

}  // namespace

std::string_view to_string(special_range_kind k) {
  switch (k) {
    case kind::private_use: return "private_use";
    case kind::loopback: return "loopback";
    case kind::link_local: return "link_local";
    case kind::cloud_metadata: return "cloud_metadata";
    case kind::multicast: return "multicast";
    case kind::other: return "other";
  }
  return "other";
}

std::span<const special_range> special_ranges() {
  static const std::vector<special_range> table = build_table();
  return table;
}

std::optional<special_range_match> find_special_range(const ip_address& address) {
  if (address.is_v6()) {
    for (const auto& embedding : embedding_blocks()) {
      if (!embedding.block.contains(address)) continue;
      const auto byte_offset = static_cast<std::size_t>(embedding.ipv4_offset_bits / 8);
      const auto& b = address.bytes();
      const auto v4 = ip_address::v4((std::uint32_t{b[byte_offset]} << 24) | (std::uint32_t{b[byte_offset + 1]} << 16) |
                                     (std::uint32_t{b[byte_offset + 2]} << 8) | std::uint32_t{b[byte_offset + 3]});
      const auto* inner = most_specific(v4);
      if (inner == nullptr) return std::nullopt;
      return special_range_match{.range = translate(embedding, inner->prefix),
                                 .name = inner->name,
                                 .kind = inner->kind,
                                 .embedded_ipv4 = v4,
                                 .embedding = embedding.name};
    }
  }
  const auto* entry = most_specific(address);
  if (entry == nullptr) return std::nullopt;
  return special_range_match{
      .range = entry->prefix, .name = entry->name, .kind = entry->kind, .embedded_ipv4 = std::nullopt, .embedding = {}};
}

std::string describe(const ip_address& address, const special_range_match& match) {
  if (match.embedded_ipv4) {
    return address.to_string() + " is " + std::string(match.embedding) + " for " + match.embedded_ipv4->to_string() +
           ", which is " + std::string(match.name);
  }
  return address.to_string() + " is " + std::string(match.name) + ", in " + match.range.to_string();
}

}  // namespace staticgate::egress

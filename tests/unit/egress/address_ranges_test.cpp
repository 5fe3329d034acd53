// The special-purpose table: every refused range at its edges, the most specific name winning,
// public neighbours passing, and IPv4 addresses hidden in IPv4-mapped, NAT64 and 6to4 forms.
#include "egress/address_ranges.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

using kind = special_range_kind;

struct classify_case {
  std::string address;
  std::string name;  // empty: public, not special
  std::string range{};
  kind expected_kind = kind::other;
};

void expect_classified(const classify_case& c) {
  const auto address = ip_address::parse(c.address);
  ASSERT_TRUE(address) << c.address;
  const auto match = find_special_range(*address);
  if (c.name.empty()) {
    EXPECT_FALSE(match) << c.address << " classified as " << (match ? std::string(match->name) : "");
    return;
  }
  ASSERT_TRUE(match) << c.address << " should be " << c.name;
  EXPECT_EQ(match->name, c.name) << c.address;
  EXPECT_EQ(match->range.to_string(), c.range) << c.address;
  EXPECT_EQ(match->kind, c.expected_kind) << c.address;
}

TEST(egress_address_ranges, ipv4_special_ranges_and_their_edges) {
  const std::vector<classify_case> table = {
      {"0.0.0.0", "unspecified", "0.0.0.0/32"},
      {"0.255.255.255", "\"this network\"", "0.0.0.0/8"},
      {"1.0.0.0", ""},
      {"9.255.255.255", ""},
      {"10.0.0.0", "private-use", "10.0.0.0/8", kind::private_use},
      {"10.255.255.255", "private-use", "10.0.0.0/8", kind::private_use},
      {"11.0.0.0", ""},
      {"100.63.255.255", ""},
      {"100.64.0.0", "shared address space (carrier-grade NAT)", "100.64.0.0/10"},
      {"100.127.255.255", "shared address space (carrier-grade NAT)", "100.64.0.0/10"},
      {"100.100.100.200", "shared address space (Alibaba Cloud metadata)", "100.100.100.200/32", kind::cloud_metadata},
      {"100.128.0.0", ""},
      {"127.0.0.1", "loopback", "127.0.0.0/8", kind::loopback},
      {"127.255.255.254", "loopback", "127.0.0.0/8", kind::loopback},
      {"128.0.0.0", ""},
      {"169.253.255.255", ""},
      {"169.254.0.1", "link-local", "169.254.0.0/16", kind::link_local},
      {"169.254.169.254", "link-local (cloud metadata)", "169.254.169.254/32", kind::cloud_metadata},
      {"169.254.169.253", "link-local", "169.254.0.0/16", kind::link_local},
      {"169.254.170.2", "link-local (AWS ECS task metadata)", "169.254.170.2/32", kind::cloud_metadata},
      {"169.255.0.0", ""},
      {"172.15.255.255", ""},
      {"172.16.0.0", "private-use", "172.16.0.0/12", kind::private_use},
      {"172.31.255.255", "private-use", "172.16.0.0/12", kind::private_use},
      {"172.32.0.0", ""},
      {"192.0.0.1", "IPv4 service continuity (DS-Lite)", "192.0.0.0/29"},
      {"192.0.0.9", "IETF protocol assignments", "192.0.0.0/24"},
      {"192.0.0.170", "NAT64/DNS64 discovery", "192.0.0.170/31"},
      {"192.0.0.171", "NAT64/DNS64 discovery", "192.0.0.170/31"},
      {"192.0.0.255", "IETF protocol assignments", "192.0.0.0/24"},
      {"192.0.1.0", ""},
      {"192.0.2.0", "documentation (TEST-NET-1)", "192.0.2.0/24"},
      {"192.0.3.0", ""},
      {"192.31.196.1", ""},   // AS112, globally reachable
      {"192.52.193.1", ""},   // AMT, globally reachable
      {"192.175.48.1", ""},   // AS112 direct delegation, globally reachable
      {"192.88.99.1", "deprecated 6to4 relay anycast", "192.88.99.0/24"},
      {"192.167.255.255", ""},
      {"192.168.0.0", "private-use", "192.168.0.0/16", kind::private_use},
      {"192.168.255.255", "private-use", "192.168.0.0/16", kind::private_use},
      {"192.169.0.0", ""},
      {"198.17.255.255", ""},
      {"198.18.0.0", "benchmarking", "198.18.0.0/15"},
      {"198.19.255.255", "benchmarking", "198.18.0.0/15"},
      {"198.20.0.0", ""},
      {"198.51.100.1", "documentation (TEST-NET-2)", "198.51.100.0/24"},
      {"203.0.113.1", "documentation (TEST-NET-3)", "203.0.113.0/24"},
      {"223.255.255.255", ""},
      {"224.0.0.1", "multicast", "224.0.0.0/4", kind::multicast},
      {"239.255.255.255", "multicast", "224.0.0.0/4", kind::multicast},
      {"240.0.0.0", "reserved (future use)", "240.0.0.0/4"},
      {"255.255.255.254", "reserved (future use)", "240.0.0.0/4"},
      {"255.255.255.255", "limited broadcast", "255.255.255.255/32"},
      {"8.8.8.8", ""},
      {"1.1.1.1", ""},
  };
  for (const auto& c : table) expect_classified(c);
}

TEST(egress_address_ranges, ipv6_special_ranges_and_their_edges) {
  const std::vector<classify_case> table = {
      {"::", "unspecified", "::/128"},
      {"::1", "loopback", "::1/128", kind::loopback},
      {"::2", "reserved by IETF (not global unicast)", "::/8"},
      {"::a9fe:a9fe", "reserved by IETF (not global unicast)", "::/8"},  // IPv4-compatible, deprecated
      {"64:ff9b:1::1", "local-use IPv4/IPv6 translation", "64:ff9b:1::/48"},
      {"100::1", "discard-only", "100::/64"},
      {"100:0:0:1::1", "reserved by IETF (not global unicast)", "100::/8"},
      {"1fff:ffff::1", "reserved by IETF (not global unicast)", "1000::/4"},
      {"2000::1", ""},
      {"2001::1", "Teredo", "2001::/32"},
      {"2001:1::1", "IETF protocol assignments", "2001::/23"},
      {"2001:2::1", "benchmarking", "2001:2::/48"},
      {"2001:3::1", "IETF protocol assignments", "2001::/23"},  // AMT: whole /23 refused (decision)
      {"2001:10::1", "deprecated ORCHID", "2001:10::/28"},
      {"2001:20::1", "ORCHIDv2", "2001:20::/28"},
      {"2001:1ff:ffff::1", "IETF protocol assignments", "2001::/23"},
      {"2001:200::1", ""},
      {"2001:db7:ffff::1", ""},
      {"2001:db8::1", "documentation", "2001:db8::/32"},
      {"2001:db9::1", ""},
      {"2001:4860:4860::8888", ""},
      {"2606:4700:4700::1111", ""},
      {"3ffe:ffff::1", ""},
      {"3fff::1", "documentation", "3fff::/20"},
      {"3fff:1000::1", ""},
      {"4000::1", "reserved by IETF (not global unicast)", "4000::/3"},
      {"5f00::1", "segment routing SIDs", "5f00::/16"},
      {"fbff::1", "reserved by IETF (not global unicast)", "f800::/6"},
      {"fc00::1", "unique-local", "fc00::/7", kind::private_use},
      {"fdff:ffff::1", "unique-local", "fc00::/7", kind::private_use},
      {"fd00:ec2::254", "unique-local (AWS cloud metadata)", "fd00:ec2::254/128", kind::cloud_metadata},
      {"fe7f::1", "reserved by IETF (not global unicast)", "fe00::/9"},
      {"fe80::1", "link-local", "fe80::/10", kind::link_local},
      {"febf::1", "link-local", "fe80::/10", kind::link_local},
      {"fec0::1", "deprecated site-local", "fec0::/10"},
      {"ff02::1", "multicast", "ff00::/8", kind::multicast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast", "ff00::/8", kind::multicast},
  };
  for (const auto& c : table) expect_classified(c);
}

TEST(egress_address_ranges, embedded_ipv4_is_judged_by_the_ipv4_address) {
  const std::vector<classify_case> table = {
      // IPv4-mapped
      {"::ffff:169.254.169.254", "link-local (cloud metadata)", "::ffff:169.254.169.254/128", kind::cloud_metadata},
      {"::ffff:127.0.0.1", "loopback", "::ffff:127.0.0.0/104", kind::loopback},
      {"::ffff:10.1.2.3", "private-use", "::ffff:10.0.0.0/104", kind::private_use},
      {"::ffff:0.0.0.0", "unspecified", "::ffff:0.0.0.0/128"},
      {"::ffff:8.8.8.8", ""},
      // NAT64 well-known prefix
      {"64:ff9b::a9fe:a9fe", "link-local (cloud metadata)", "64:ff9b::a9fe:a9fe/128", kind::cloud_metadata},
      {"64:ff9b::7f00:1", "loopback", "64:ff9b::7f00:0/104", kind::loopback},
      {"64:ff9b::c0a8:101", "private-use", "64:ff9b::c0a8:0/112", kind::private_use},
      {"64:ff9b::808:808", ""},
      // 6to4: the IPv4 address is bits 16..47
      {"2002:a9fe:a9fe::1", "link-local (cloud metadata)", "2002:a9fe:a9fe::/48", kind::cloud_metadata},
      {"2002:7f00:1::1", "loopback", "2002:7f00::/24", kind::loopback},
      {"2002:0a00:0001::", "private-use", "2002:a00::/24", kind::private_use},
      {"2002:ac10:1::1", "private-use", "2002:ac10::/28", kind::private_use},
      {"2002:e000:1::1", "multicast", "2002:e000::/20", kind::multicast},
      {"2002:808:808::1", ""},
  };
  for (const auto& c : table) expect_classified(c);
}

TEST(egress_address_ranges, embedded_match_names_the_ipv4_address_and_the_embedding) {
  const auto nat64 = ip_address::parse("64:ff9b::a9fe:a9fe").value();
  const auto match = find_special_range(nat64).value();
  ASSERT_TRUE(match.embedded_ipv4);
  EXPECT_EQ(match.embedded_ipv4->to_string(), "169.254.169.254");
  EXPECT_EQ(match.embedding, "NAT64");
  EXPECT_EQ(describe(nat64, match), "64:ff9b::a9fe:a9fe is NAT64 for 169.254.169.254, which is link-local (cloud metadata)");
  const auto mapped = ip_address::parse("::ffff:127.0.0.1").value();
  EXPECT_EQ(find_special_range(mapped)->embedding, "IPv4-mapped");
  const auto six_to_four = ip_address::parse("2002:a00:1::").value();
  EXPECT_EQ(find_special_range(six_to_four)->embedding, "6to4");
}

TEST(egress_address_ranges, describe_plain_address) {
  const auto metadata = ip_address::parse("169.254.169.254").value();
  EXPECT_EQ(describe(metadata, find_special_range(metadata).value()),
            "169.254.169.254 is link-local (cloud metadata), in 169.254.169.254/32");
}

TEST(egress_address_ranges, table_entries_are_canonical_and_named) {
  ASSERT_GT(special_ranges().size(), 40u);
  for (const auto& entry : special_ranges()) {
    EXPECT_FALSE(entry.name.empty());
    // A typo in the table would turn an entry into 0.0.0.0/0.
    EXPECT_FALSE(entry.prefix.is_v4() && entry.prefix.length() == 0) << entry.name;
    const auto reparsed = ip_prefix::parse(entry.prefix.to_string());
    ASSERT_TRUE(reparsed.prefix) << entry.prefix.to_string();
    EXPECT_EQ(*reparsed.prefix, entry.prefix);
  }
}

TEST(egress_address_ranges, kind_names) {
  EXPECT_EQ(to_string(kind::private_use), "private_use");
  EXPECT_EQ(to_string(kind::cloud_metadata), "cloud_metadata");
}

}  // namespace
}  // namespace staticgate::egress

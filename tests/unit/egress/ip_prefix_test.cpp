// ip_address and ip_prefix: strict parsing, the host-bits decision, containment across families.
#include "egress/ip_prefix.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

ip_address addr(const char* text) { return ip_address::parse(text).value(); }

TEST(egress_ip_address, parses_strict_forms_only) {
  struct entry {
    std::string text;
    bool valid;
    std::string canonical;
  };
  const std::vector<entry> table = {
      {"192.0.2.1", true, "192.0.2.1"},
      {"0.0.0.0", true, "0.0.0.0"},
      {"255.255.255.255", true, "255.255.255.255"},
      {"2001:DB8::1", true, "2001:db8::1"},
      {"::", true, "::"},
      {"::ffff:10.0.0.1", true, "::ffff:10.0.0.1"},
      {"", false, ""},
      {"127.1", false, ""},       // inet_aton shorthand
      {"0x7f.0.0.1", false, ""},  // hex
      {"2130706433", false, ""},  // one number
      {"010.0.0.1", false, ""},   // octal-looking
      {"1.2.3.4.5", false, ""},
      {"256.0.0.1", false, ""},
      {"[::1]", false, ""},
      {"fe80::1%eth0", false, ""},
      {" 1.2.3.4", false, ""},
      {"1:2:3:4:5:6:7:8:9", false, ""},
      {std::string(100, '1'), false, ""},
  };
  for (const auto& e : table) {
    const auto parsed = ip_address::parse(e.text);
    EXPECT_EQ(parsed.has_value(), e.valid) << e.text;
    if (parsed) {
      EXPECT_EQ(parsed->to_string(), e.canonical) << e.text;
    }
  }
}

TEST(egress_ip_address, unmapped_turns_only_v4_mapped_into_v4) {
  EXPECT_EQ(addr("::ffff:169.254.169.254").unmapped(), addr("169.254.169.254"));
  EXPECT_TRUE(addr("::ffff:169.254.169.254").unmapped().is_v4());
  EXPECT_EQ(addr("64:ff9b::a9fe:a9fe").unmapped(), addr("64:ff9b::a9fe:a9fe"));  // NAT64 stays IPv6
  EXPECT_EQ(addr("::a9fe:a9fe").unmapped(), addr("::a9fe:a9fe"));                // IPv4-compatible stays
  EXPECT_EQ(addr("10.0.0.1").unmapped(), addr("10.0.0.1"));
}

TEST(egress_ip_prefix, parse_table) {
  struct entry {
    std::string text;
    std::string canonical;  // empty: rejected
    std::string error_contains{};
  };
  const std::vector<entry> table = {
      {"10.0.0.0/8", "10.0.0.0/8"},
      {"2001:db8::/32", "2001:db8::/32"},
      {"2001:DB8:0::/32", "2001:db8::/32"},
      {"192.0.2.7", "192.0.2.7/32"},  // bare address: a host
      {"2001:db8::7", "2001:db8::7/128"},
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"::/0", "::/0"},
      {"10.0.0.1/32", "10.0.0.1/32"},
      {"10.0.0.1/8", "", "did you mean 10.0.0.0/8?"},  // host bits set
      {"2001:db8::1/32", "", "did you mean 2001:db8::/32?"},
      {"10.0.0.0/33", "", "invalid prefix length"},
      {"::/129", "", "invalid prefix length"},
      {"10.0.0.0/", "", "invalid prefix length"},
      {"10.0.0.0/08", "", "invalid prefix length"},
      {"10.0.0.0/+8", "", "invalid prefix length"},
      {"10.0.0.0/8/8", "", "invalid prefix length"},
      {"10/8", "", "is not an IPv4 or IPv6 address"},
      {"example.com/8", "", "is not an IPv4 or IPv6 address"},
      {"", "", "is not an IPv4 or IPv6 address"},
  };
  for (const auto& e : table) {
    const auto parsed = ip_prefix::parse(e.text);
    if (e.canonical.empty()) {
      EXPECT_FALSE(parsed.prefix) << e.text;
      EXPECT_NE(parsed.error.find(e.error_contains), std::string::npos) << e.text << ": " << parsed.error;
    } else {
      ASSERT_TRUE(parsed.prefix) << e.text << ": " << parsed.error;
      EXPECT_EQ(parsed.prefix->to_string(), e.canonical);
    }
  }
}

TEST(egress_ip_prefix, contains_addresses_of_its_family_only) {
  const auto net = ip_prefix::parse("172.16.0.0/12").prefix.value();
  EXPECT_TRUE(net.contains(addr("172.16.0.0")));
  EXPECT_TRUE(net.contains(addr("172.31.255.255")));
  EXPECT_FALSE(net.contains(addr("172.32.0.0")));
  EXPECT_FALSE(net.contains(addr("172.15.255.255")));
  EXPECT_FALSE(net.contains(addr("::ffff:172.16.0.1")));  // no implicit mapping here
  const auto all_v4 = ip_prefix::parse("0.0.0.0/0").prefix.value();
  EXPECT_TRUE(all_v4.contains(addr("8.8.8.8")));
  EXPECT_FALSE(all_v4.contains(addr("::1")));
  const auto v6 = ip_prefix::parse("2001:db8::/33").prefix.value();
  EXPECT_TRUE(v6.contains(addr("2001:db8:7fff::1")));
  EXPECT_FALSE(v6.contains(addr("2001:db8:8000::1")));
}

TEST(egress_ip_prefix, contains_prefixes) {
  const auto p = [](const char* t) { return ip_prefix::parse(t).prefix.value(); };
  EXPECT_TRUE(p("10.0.0.0/8").contains(p("10.1.0.0/16")));
  EXPECT_TRUE(p("10.0.0.0/8").contains(p("10.0.0.0/8")));
  EXPECT_FALSE(p("10.1.0.0/16").contains(p("10.0.0.0/8")));
  EXPECT_FALSE(p("10.0.0.0/8").contains(p("11.0.0.0/16")));
  EXPECT_FALSE(p("0.0.0.0/0").contains(p("::/0")));
}

TEST(egress_ip_prefix, constructor_masks_and_clamps) {
  EXPECT_EQ(ip_prefix(addr("10.1.2.3"), 8).to_string(), "10.0.0.0/8");
  EXPECT_EQ(ip_prefix(addr("10.1.2.3"), 99).to_string(), "10.1.2.3/32");
  EXPECT_EQ(ip_prefix(addr("2001:db8:ffff::1"), 36).to_string(), "2001:db8:f000::/36");
}

}  // namespace
}  // namespace staticgate::egress

// The two-step destination check as tables: check_request() before resolving and
// check_resolved() for each resolved address, including names that resolve into refused ranges.
#include "egress/destination_policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace staticgate::egress {
namespace {

using cat = decision_category;

std::vector<destination_rule> allow(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<destination_rule> out;
  for (const auto& [destination, ports] : entries) {
    auto parsed = destination_rule::parse(destination, ports);
    EXPECT_TRUE(parsed.rule) << destination << " " << ports << ": " << parsed.error;
    if (parsed.rule) out.push_back(std::move(*parsed.rule));
  }
  return out;
}

// One policy used by most cases below.
//  global: any public destination on 80 and 443.
//  vendor: api.vendor.com:443 and *.cdn.vendor.com on any port.
//  office: 10.1.0.0/16 on 22 (inside a private range: allowed explicitly), 198.51.100.0/24:443.
//  internal: *.corp.example with allow_private.
//  everything: "0.0.0.0/0" and "::/0" (do not lift special refusals).
//  metadata: the metadata /32 explicitly; link: 169.254.0.0/16 (does not include metadata).
//  nobody: allow = [] (disabled).
//  inheritor: sets nothing, so takes the global rules.
destination_policy standard_policy() {
  std::map<std::string, destination_rules> users;
  users["vendor"] = {.allow = allow({{"api.vendor.com", "443"}, {"*.cdn.vendor.com", "any"}}), .allow_private = {}};
  users["office"] = {.allow = allow({{"10.1.0.0/16", "22"}, {"198.51.100.0/24", "443"}}), .allow_private = {}};
  users["internal"] = {.allow = allow({{"*.corp.example", "any"}}), .allow_private = true};
  users["everything"] = {.allow = allow({{"0.0.0.0/0", "any"}, {"::/0", "any"}}), .allow_private = {}};
  users["metadata"] = {.allow = allow({{"169.254.169.254", "80"}}), .allow_private = {}};
  users["link"] = {.allow = allow({{"169.254.0.0/16", "80"}}), .allow_private = {}};
  users["nobody"] = {.allow = std::vector<destination_rule>{}, .allow_private = {}};
  users["inheritor"] = {};
  return destination_policy({.allow = allow({{"*", "80,443"}}), .allow_private = {}}, users);
}

struct request_case {
  std::string name;
  std::string user;
  std::string host;
  std::uint16_t port;
  cat expected;
  std::string reason_contains{};
};

TEST(egress_destination_policy, check_request_table) {
  const auto policy = standard_policy();
  const std::vector<request_case> table = {
      // global rules through an unknown user, the empty user and one that sets nothing
      {"unknown_user_public_ip", "stranger", "8.8.8.8", 443, cat::allowed, "allowed by * port 80,443"},
      {"anonymous_public_name", "", "example.com", 80, cat::allowed, "each resolved address is checked"},
      {"inheritor_public", "inheritor", "example.com", 443, cat::allowed},
      {"global_port_refused", "stranger", "example.com", 25, cat::no_matching_rule, "not on port 25"},
      {"global_metadata_literal", "stranger", "169.254.169.254", 80, cat::special_address, "cloud metadata"},
      {"global_loopback_literal", "stranger", "127.0.0.1", 80, cat::special_address, "loopback"},
      {"global_private_literal", "stranger", "10.0.0.1", 443, cat::special_address, "or allow_private is set"},
      {"global_v6_loopback_bracketed", "stranger", "[::1]", 443, cat::special_address, "::1 is loopback"},
      {"global_mapped_metadata", "stranger", "::ffff:169.254.169.254", 80, cat::special_address, "169.254.169.254 is"},
      {"global_nat64_metadata", "stranger", "64:ff9b::a9fe:a9fe", 80, cat::special_address, "NAT64 for 169.254.169.254"},
      {"global_6to4_loopback", "stranger", "2002:7f00:1::1", 80, cat::special_address, "6to4 for 127.0.0.1"},
      {"global_nat64_public", "stranger", "64:ff9b::808:808", 443, cat::allowed},
      {"global_public_v6", "stranger", "2001:4860:4860::8888", 443, cat::allowed},
      // invalid input
      {"port_zero", "stranger", "example.com", 0, cat::invalid_destination, "port 0"},
      {"garbage_host", "stranger", "exa mple.com", 443, cat::invalid_destination, "\"exa mple.com\" is neither"},
      {"control_bytes_escaped", "stranger", "a\nb", 443, cat::invalid_destination, "\"a\\x0ab\""},
      {"inet_aton_shorthand", "stranger", "127.1", 80, cat::invalid_destination},
      {"decimal_ip", "stranger", "2130706433", 80, cat::invalid_destination},
      {"bracketed_v4", "stranger", "[127.0.0.1]", 80, cat::invalid_destination},
      {"zone_id", "stranger", "fe80::1%eth0", 80, cat::invalid_destination},
      // host rules
      {"vendor_exact", "vendor", "api.vendor.com", 443, cat::allowed, "allowed by api.vendor.com port 443"},
      {"vendor_exact_case_and_dot", "vendor", "API.Vendor.com.", 443, cat::allowed},
      {"vendor_wrong_port", "vendor", "api.vendor.com", 80, cat::no_matching_rule, "api.vendor.com is allowed, but not on port 80"},
      {"vendor_apex_not_allowed", "vendor", "vendor.com", 443, cat::no_matching_rule, "no allow rule for vendor.com port 443"},
      {"vendor_other_sub", "vendor", "www.vendor.com", 443, cat::no_matching_rule},
      {"vendor_wildcard_deep", "vendor", "a.b.cdn.vendor.com", 8443, cat::allowed},
      {"vendor_wildcard_not_apex", "vendor", "cdn.vendor.com", 443, cat::no_matching_rule},
      {"vendor_wildcard_lookalike", "vendor", "evilcdn.vendor.com", 443, cat::no_matching_rule},
      {"vendor_public_literal_not_named", "vendor", "8.8.8.8", 443, cat::no_matching_rule},
      // address rules
      {"office_private_cidr_listed", "office", "10.1.2.3", 22, cat::allowed, "lists part of a special range explicitly"},
      {"office_private_outside_cidr", "office", "10.2.0.1", 22, cat::no_matching_rule},
      {"office_wrong_port", "office", "10.1.2.3", 443, cat::no_matching_rule, "not on port 443"},
      {"office_doc_range_listed", "office", "198.51.100.9", 443, cat::allowed},
      {"office_name_may_match_after_resolving", "office", "git.office.example", 22, cat::allowed, "may be allowed by 10.1.0.0/16"},
      {"office_name_no_rule_for_port", "office", "git.office.example", 80, cat::no_matching_rule},
      {"office_mapped_private_listed", "office", "::ffff:10.1.0.9", 22, cat::allowed},
      {"everything_does_not_lift_private", "everything", "192.168.1.1", 80, cat::special_address, "private-use"},
      {"everything_does_not_lift_loopback", "everything", "::1", 80, cat::special_address},
      {"everything_public", "everything", "1.1.1.1", 5432, cat::allowed},
      {"metadata_listed_exactly", "metadata", "169.254.169.254", 80, cat::allowed},
      {"link_range_excludes_metadata", "link", "169.254.169.254", 80, cat::special_address,
       "refused unless an address rule inside 169.254.169.254/32 allows it"},
      {"link_range_other_link_local", "link", "169.254.1.1", 80, cat::allowed},
      // allow_private
      {"internal_private_literal_not_named", "internal", "10.0.0.5", 443, cat::no_matching_rule},
      {"internal_name", "internal", "db.corp.example", 5432, cat::allowed},
      // disabled user
      {"nobody_anything", "nobody", "example.com", 443, cat::no_matching_rule},
  };
  for (const auto& c : table) {
    const auto d = policy.check_request(c.user, c.host, c.port);
    EXPECT_EQ(d.category, c.expected) << c.name << ": " << d.reason;
    EXPECT_EQ(d.allowed(), c.expected == cat::allowed) << c.name;
    EXPECT_NE(d.reason.find(c.reason_contains), std::string::npos) << c.name << ": " << d.reason;
  }
}

struct resolved_case {
  std::string name;
  std::string user;
  std::string host;
  std::string resolved;
  std::uint16_t port;
  cat expected;
  std::string reason_contains{};
};

TEST(egress_destination_policy, check_resolved_table) {
  const auto policy = standard_policy();
  const std::vector<resolved_case> table = {
      {"name_to_public", "stranger", "example.com", "93.184.216.34", 443, cat::allowed},
      {"name_to_metadata", "stranger", "example.com", "169.254.169.254", 80, cat::special_address,
       "169.254.169.254 is link-local (cloud metadata)"},
      {"name_to_private", "stranger", "example.com", "10.0.0.1", 443, cat::special_address, "private-use"},
      {"name_to_loopback_v6", "stranger", "example.com", "::1", 443, cat::special_address},
      {"name_to_mapped_loopback", "stranger", "example.com", "::ffff:127.0.0.1", 443, cat::special_address,
       "127.0.0.1 is loopback"},
      {"name_to_nat64_metadata", "stranger", "example.com", "64:ff9b::a9fe:a9fe", 80, cat::special_address},
      {"vendor_name_to_public", "vendor", "api.vendor.com", "203.0.114.1", 443, cat::allowed},
      {"vendor_name_to_metadata", "vendor", "api.vendor.com", "169.254.169.254", 443, cat::special_address},
      {"vendor_name_to_private", "vendor", "api.vendor.com", "172.16.5.5", 443, cat::special_address},
      {"vendor_unlisted_name", "vendor", "other.com", "8.8.8.8", 443, cat::no_matching_rule},
      {"vendor_port_mismatch", "vendor", "api.vendor.com", "8.8.8.8", 8443, cat::no_matching_rule},
      // An address rule: the resolved address must be inside it; the name does not matter.
      {"office_name_into_cidr", "office", "git.office.example", "10.1.9.9", 22, cat::allowed, "10.1.0.0/16"},
      {"office_name_outside_cidr", "office", "git.office.example", "10.2.9.9", 22, cat::no_matching_rule},
      {"office_name_to_public_outside", "office", "git.office.example", "8.8.8.8", 22, cat::no_matching_rule},
      // allow_private: names may resolve to private addresses, never to metadata or loopback
      {"internal_name_to_private", "internal", "db.corp.example", "10.0.0.5", 5432, cat::allowed, "allow_private"},
      {"internal_name_to_ula", "internal", "db.corp.example", "fd12:3456::5", 5432, cat::allowed},
      {"internal_name_to_metadata", "internal", "db.corp.example", "169.254.169.254", 80, cat::special_address},
      {"internal_name_to_aws_v6_metadata", "internal", "db.corp.example", "fd00:ec2::254", 80, cat::special_address,
       "AWS cloud metadata"},
      {"internal_name_to_loopback", "internal", "db.corp.example", "127.0.0.1", 80, cat::special_address},
      {"internal_name_to_cgnat", "internal", "db.corp.example", "100.64.0.1", 80, cat::special_address},
      // a literal request is judged as the literal
      {"literal_public", "stranger", "8.8.8.8", "8.8.8.8", 443, cat::allowed},
      {"literal_metadata", "metadata", "169.254.169.254", "169.254.169.254", 80, cat::allowed},
      {"invalid_requested", "stranger", "bad name", "8.8.8.8", 443, cat::invalid_destination},
      {"port_zero", "stranger", "example.com", "8.8.8.8", 0, cat::invalid_destination},
  };
  for (const auto& c : table) {
    const auto resolved = ip_address::parse(c.resolved);
    ASSERT_TRUE(resolved) << c.name;
    const auto d = policy.check_resolved(c.user, c.host, *resolved, c.port);
    EXPECT_EQ(d.category, c.expected) << c.name << ": " << d.reason;
    EXPECT_NE(d.reason.find(c.reason_contains), std::string::npos) << c.name << ": " << d.reason;
  }
}

TEST(egress_destination_policy, default_policy_allows_public_and_refuses_special) {
  const destination_policy policy;
  EXPECT_TRUE(policy.check_request("anyone", "example.com", 25).allowed());
  EXPECT_TRUE(policy.check_request("anyone", "8.8.8.8", 53).allowed());
  EXPECT_EQ(policy.check_request("anyone", "169.254.169.254", 80).category, cat::special_address);
  const auto metadata = ip_address::parse("169.254.169.254").value();
  EXPECT_EQ(policy.check_resolved("anyone", "metadata.example.com", metadata, 80).category, cat::special_address);
}

TEST(egress_destination_policy, user_fields_replace_global_fields_independently) {
  std::map<std::string, destination_rules> users;
  users["inherits_list_refuses_private"] = {.allow = {}, .allow_private = false};
  users["own_list"] = {.allow = allow({{"*.vendor.com", "443"}}), .allow_private = {}};
  const destination_policy policy({.allow = allow({{"*", "443"}}), .allow_private = true}, users);
  const auto private_address = ip_address::parse("10.0.0.1").value();
  // global allow_private applies to users that do not set it
  EXPECT_TRUE(policy.check_resolved("stranger", "x.example", private_address, 443).allowed());
  EXPECT_TRUE(policy.check_resolved("own_list", "api.vendor.com", private_address, 443).allowed());
  // a user can switch it off again while inheriting the allow list
  EXPECT_EQ(policy.check_resolved("inherits_list_refuses_private", "x.example", private_address, 443).category,
            cat::special_address);
  EXPECT_TRUE(policy.check_request("inherits_list_refuses_private", "x.example", 443).allowed());
  // the user's list replaces the global list rather than adding to it
  EXPECT_FALSE(policy.check_request("own_list", "example.com", 443).allowed());
}

TEST(egress_destination_policy, rule_parse_errors_are_reported) {
  EXPECT_NE(destination_rule::parse("10.0.0.1/8").error.find("host bits"), std::string::npos);
  EXPECT_NE(destination_rule::parse("api.*.com").error.find("wildcard"), std::string::npos);
  EXPECT_NE(destination_rule::parse("api.vendor.com", "0").error.find("is not a port"), std::string::npos);
  EXPECT_NE(destination_rule::parse("10.0.0.0/40").error.find("prefix length"), std::string::npos);
  EXPECT_EQ(destination_rule::parse("*", "443").rule->to_string(), "* port 443");
  EXPECT_EQ(destination_rule::parse("2001:db8::/32").rule->to_string(), "2001:db8::/32 port any");
  EXPECT_EQ(destination_rule::parse("192.0.2.1").rule->to_string(), "192.0.2.1/32 port any");
}

TEST(egress_destination_policy, category_names) {
  EXPECT_EQ(to_string(cat::special_address), "special_address");
  EXPECT_EQ(to_string(cat::no_matching_rule), "no_matching_rule");
}

}  // namespace
}  // namespace staticgate::egress

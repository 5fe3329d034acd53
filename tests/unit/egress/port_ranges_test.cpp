// Port lists of allow rules: single ports, lists, ranges, "any", and the malformed forms.
#include "egress/port_ranges.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

TEST(egress_port_ranges, parse_and_contains_table) {
  struct entry {
    std::string text;
    std::string canonical;
    std::vector<std::uint16_t> inside;
    std::vector<std::uint16_t> outside;
  };
  const std::vector<entry> table = {
      {"443", "443", {443}, {442, 444, 0, 80}},
      {"80,443", "80,443", {80, 443}, {81, 442, 8080}},
      {" 80 , 443 ", "80,443", {80, 443}, {81}},
      {"8000-8999", "8000-8999", {8000, 8500, 8999}, {7999, 9000}},
      {"80,8000-8999,443", "80,8000-8999,443", {80, 443, 8000, 8999}, {81, 9000}},
      {"1-65535", "1-65535", {1, 65535}, {0}},
      {"5-5", "5", {5}, {4, 6}},
      {"any", "any", {1, 443, 65535}, {0}},
      {"*", "any", {1, 65535}, {0}},
  };
  for (const auto& e : table) {
    const auto parsed = port_ranges::parse(e.text);
    ASSERT_TRUE(parsed.ports) << e.text << ": " << parsed.error;
    EXPECT_EQ(parsed.ports->to_string(), e.canonical);
    for (const auto port : e.inside) EXPECT_TRUE(parsed.ports->contains(port)) << e.text << " " << port;
    for (const auto port : e.outside) EXPECT_FALSE(parsed.ports->contains(port)) << e.text << " " << port;
  }
}

TEST(egress_port_ranges, malformed_table) {
  struct entry {
    std::string text;
    std::string error_contains;
  };
  const std::vector<entry> table = {
      {"", "is empty"},
      {"   ", "is empty"},
      {"0", "is not a port"},
      {"65536", "is not a port"},
      {"99999999999", "is not a port"},
      {"-1", "is not a port"},
      {"+443", "is not a port"},
      {"0443", "is not a port"},
      {"443,", "is not a port"},
      {",443", "is not a port"},
      {"80,,443", "is not a port"},
      {"8000-", "is not a port"},
      {"-8000", "is not a port"},
      {"1-2-3", "is not a port"},
      {"9000-8000", "runs backwards"},
      {"http", "is not a port"},
      {"any,443", "is not a port"},
  };
  for (const auto& e : table) {
    const auto parsed = port_ranges::parse(e.text);
    EXPECT_FALSE(parsed.ports) << "\"" << e.text << "\"";
    EXPECT_NE(parsed.error.find(e.error_contains), std::string::npos) << e.text << ": " << parsed.error;
  }
}

TEST(egress_port_ranges, default_is_any_but_never_port_zero) {
  const port_ranges any;
  EXPECT_TRUE(any.is_any());
  EXPECT_TRUE(any.contains(1));
  EXPECT_FALSE(any.contains(0));
  EXPECT_TRUE(port_ranges::only(25).contains(25));
  EXPECT_FALSE(port_ranges::only(25).contains(26));
}

}  // namespace
}  // namespace staticgate::egress

// The small predicates behind the config limits.
#include <gtest/gtest.h>

#include <string>

#include "config/diagnostic.hpp"
#include "config/rules.hpp"

namespace staticgate::config {
namespace {

TEST(config_rules, names) {
  EXPECT_TRUE(rules::is_valid_name("web"));
  EXPECT_TRUE(rules::is_valid_name("A-z_0.9"));
  EXPECT_TRUE(rules::is_valid_name(std::string(64, 'n')));
  EXPECT_FALSE(rules::is_valid_name(""));
  EXPECT_FALSE(rules::is_valid_name(std::string(65, 'n')));
  EXPECT_FALSE(rules::is_valid_name("a b"));
  EXPECT_FALSE(rules::is_valid_name("a/b"));
  EXPECT_FALSE(rules::is_valid_name("caf\xc3\xa9"));
}

TEST(config_rules, primes) {
  EXPECT_FALSE(rules::is_prime(0));
  EXPECT_FALSE(rules::is_prime(1));
  EXPECT_TRUE(rules::is_prime(2));
  EXPECT_TRUE(rules::is_prime(3));
  EXPECT_FALSE(rules::is_prime(4));
  EXPECT_FALSE(rules::is_prime(9));
  EXPECT_TRUE(rules::is_prime(251));
  EXPECT_TRUE(rules::is_prime(65537));
  EXPECT_FALSE(rules::is_prime(65536));
  EXPECT_TRUE(rules::is_prime(1000003));
  EXPECT_FALSE(rules::is_prime(1000001));  // 101 * 9901
  EXPECT_EQ(rules::next_prime(65536), 65537u);
  EXPECT_EQ(rules::next_prime(65537), 65539u);
  EXPECT_EQ(rules::next_prime(1), 2u);
  EXPECT_EQ(rules::next_prime(1000000), 1000003u);
}

TEST(config_rules, quote_escapes) {
  EXPECT_EQ(quote("web"), "\"web\"");
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote("a\nb\x7f"), "\"a\\x0ab\\x7f\"");
  EXPECT_EQ(quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // UTF-8 passes through
}

}  // namespace
}  // namespace staticgate::config

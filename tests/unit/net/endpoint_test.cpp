#include "net/endpoint.hpp"

#include <gtest/gtest.h>

namespace staticgate::net {
namespace {

endpoint ep(const char* text) {
  auto e = endpoint::parse(text);
  EXPECT_TRUE(e) << text;
  return e.value_or(endpoint{});
}

TEST(endpoint, equality_compares_family_address_and_port) {
  EXPECT_EQ(ep("127.0.0.1:80"), ep("127.0.0.1:80"));
  EXPECT_NE(ep("127.0.0.1:80"), ep("127.0.0.1:81"));
  EXPECT_NE(ep("127.0.0.1:80"), ep("127.0.0.2:80"));
  EXPECT_EQ(ep("[::1]:80"), ep("[0:0::1]:80"));  // one address, two spellings
  EXPECT_NE(ep("[::1]:80"), ep("[::2]:80"));
  EXPECT_NE(ep("[::ffff:127.0.0.1]:80"), ep("127.0.0.1:80"));  // different families
  EXPECT_EQ(endpoint{}, endpoint{});
}

TEST(endpoint, parse_and_format_round_trip) {
  for (const char* text : {"10.0.0.1:443", "[2001:db8::1]:8443", "0.0.0.0:1", "[::]:65535"})
    EXPECT_EQ(ep(text).to_string(), text);
  EXPECT_FALSE(endpoint::parse("10.0.0.1"));
  EXPECT_FALSE(endpoint::parse("10.0.0.1:65536"));
  EXPECT_FALSE(endpoint::parse("[::1:80"));
}

}  // namespace
}  // namespace staticgate::net

#include "egress/password_cache.hpp"

#include <gtest/gtest.h>

#include "egress/password_hash.hpp"

namespace staticgate::egress {
namespace {

TEST(egress_password_cache, proves_once_and_forgets_when_the_stored_hash_changes) {
  credential_store before;
  ASSERT_FALSE(before.add("bob", hash_password("one", hash_scheme::sha512_crypt)));
  password_cache cache;
  EXPECT_TRUE(cache.verify(before, "bob", "one"));
  EXPECT_TRUE(cache.verify(before, "bob", "one"));   // from the cache
  EXPECT_FALSE(cache.verify(before, "bob", "two"));  // a wrong password is never taken from it
  credential_store after;                            // a reload changed bob's password
  ASSERT_FALSE(after.add("bob", hash_password("two", hash_scheme::sha512_crypt)));
  EXPECT_FALSE(cache.verify(after, "bob", "one"));
  EXPECT_TRUE(cache.verify(after, "bob", "two"));
  credential_store without;  // and then removed him
  EXPECT_FALSE(cache.verify(without, "bob", "two"));
}

}  // namespace
}  // namespace staticgate::egress

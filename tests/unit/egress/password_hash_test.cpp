// crypt(3) hashes: known-answer hashes of each supported scheme, refusal of weak or malformed
// ones with a reason, and hash_password() round trips.
#include "egress/password_hash.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

// "correct horse" hashed outside staticgate: $6$ by `openssl passwd -6 -salt saltsaltsalt`,
// $y$ and $2b$ (cost 4, fast for tests) by Python's crypt module.
constexpr const char* yescrypt_hash = "$y$j9T$abcdefghijklmnopqrstu1$HZ8mcCBaXDWmMfDHc6srTC.EUNg5x04Ly/TYQCr34R.";
constexpr const char* sha512_hash =
    "$6$saltsaltsalt$Cy2drr8kDRji6smvDcT28wkqtq0R0VzVL5CkrjPQCITc5d/31j94knt9rGTcVSyjLXfjsiIsBh5ee8qR/3QDx1";
constexpr const char* bcrypt_hash = "$2b$04$.b6LE14iRBcs7Wf1GgZC7ODlPSSnTafTrnQZyE1rv4IJ2me/rzrV6";

TEST(egress_password_hash, known_hashes_of_each_scheme_verify) {
  struct entry {
    std::string hash;
    hash_scheme scheme;
  };
  const std::vector<entry> table = {
      {yescrypt_hash, hash_scheme::yescrypt},
      {sha512_hash, hash_scheme::sha512_crypt},
      {bcrypt_hash, hash_scheme::bcrypt},
  };
  for (const auto& e : table) {
    const auto check = check_password_hash(e.hash);
    ASSERT_TRUE(check.scheme) << e.hash << ": " << check.error;
    EXPECT_EQ(*check.scheme, e.scheme);
    EXPECT_TRUE(verify_password("correct horse", e.hash)) << e.hash;
    EXPECT_FALSE(verify_password("correct horsE", e.hash)) << e.hash;
    EXPECT_FALSE(verify_password("correct horse ", e.hash)) << e.hash;
    EXPECT_FALSE(verify_password("", e.hash)) << e.hash;
    EXPECT_FALSE(verify_password(std::string("correct horse\0x", 15), e.hash)) << "NUL must not truncate";
  }
}

TEST(egress_password_hash, weak_unsupported_and_malformed_hashes_are_refused) {
  struct entry {
    std::string hash;
    std::string error_contains;
  };
  const std::vector<entry> table = {
      {"", "empty"},
      {"abhfCpXqd4GrI", "traditional DES"},
      {"_J9..CCCCXBrJUJV154M", "BSDi"},
      {"$1$saltsalt$NuzA7WTAelpl95xgBGWN60", "MD5-crypt"},
      {"$2a$04$Uv2ZAOmG7O6BwoWqo3YtAeopvN17Qm4u0O1OJyIT75S9K5VWRdpbe", "$2a$"},
      {"$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/", "unsupported password hash scheme \"$5$\""},
      {"$7$CU..../....abc$xyz", "unsupported password hash scheme \"$7$\""},
      {"$argon2id$v=19$m=65536", "unsupported password hash scheme \"$argon2id$\""},
      {"!$y$j9T$abc", "locked or disabled"},
      {"*", "locked or disabled"},
      {"$y$j9T$abcdefghijklmnopqrstu1$HZ8mcCBaXDWmMfDHc6srTC.EUNg5x04Ly/TYQCr34R", "wrong length"},  // truncated
      {"$6$saltsaltsalt$short", "wrong length"},
      {"$y$", "malformed yescrypt"},
      {"$2b$99$.b6LE14iRBcs7Wf1GgZC7ODlPSSnTafTrnQZyE1rv4IJ2me/rzrV6", "malformed bcrypt"},
  };
  for (const auto& e : table) {
    const auto check = check_password_hash(e.hash);
    EXPECT_FALSE(check.scheme) << e.hash;
    EXPECT_NE(check.error.find(e.error_contains), std::string::npos) << e.hash << ": " << check.error;
  }
}

TEST(egress_password_hash, hash_password_round_trips_for_each_scheme) {
  for (const auto scheme : {hash_scheme::yescrypt, hash_scheme::sha512_crypt, hash_scheme::bcrypt}) {
    const auto hash = hash_password("s3cret-pässword", scheme);
    const auto check = check_password_hash(hash);
    ASSERT_TRUE(check.scheme) << hash << ": " << check.error;
    EXPECT_EQ(*check.scheme, scheme);
    EXPECT_TRUE(verify_password("s3cret-pässword", hash));
    EXPECT_FALSE(verify_password("s3cret-password", hash));
    EXPECT_NE(hash_password("s3cret-pässword", scheme), hash) << "salts must differ";
  }
  EXPECT_TRUE(hash_password("x").starts_with("$y$"));
}

TEST(egress_password_hash, unusable_passwords_are_refused) {
  EXPECT_THROW(hash_password(std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(hash_password(std::string(512, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(hash_password(std::string(511, 'a'), hash_scheme::sha512_crypt));
  EXPECT_FALSE(verify_password(std::string(600, 'a'), sha512_hash));
  EXPECT_FALSE(verify_password("correct horse", "not a hash"));
}

}  // namespace
}  // namespace staticgate::egress

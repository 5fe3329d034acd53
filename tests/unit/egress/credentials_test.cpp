// The credentials file (user:hash per line) with line-numbered errors, the store's
// verification, and users whose secrets come from environment variables.
#include "egress/credentials.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

// "correct horse" (see password_hash_test.cpp for where these come from).
const std::string sha512_hash =
    "$6$saltsaltsalt$Cy2drr8kDRji6smvDcT28wkqtq0R0VzVL5CkrjPQCITc5d/31j94knt9rGTcVSyjLXfjsiIsBh5ee8qR/3QDx1";
const std::string bcrypt_hash = "$2b$04$.b6LE14iRBcs7Wf1GgZC7ODlPSSnTafTrnQZyE1rv4IJ2me/rzrV6";
const std::string yescrypt_hash = "$y$j9T$abcdefghijklmnopqrstu1$HZ8mcCBaXDWmMfDHc6srTC.EUNg5x04Ly/TYQCr34R.";

TEST(egress_credentials, valid_file_with_comments_blanks_and_crlf) {
  const std::string text = "# egress users\n"
                           "\n"
                           "alice:" + sha512_hash + "\n"
                           "   # indented comment\n"
                           "  bob:" + bcrypt_hash + "  \r\n"
                           "carol:" + yescrypt_hash;  // no final newline
  const auto parsed = parse_credentials(text);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front().line << ": " << parsed.errors.front().message;
  EXPECT_EQ(parsed.store.size(), 3u);
  for (const auto* user : {"alice", "bob", "carol"}) {
    EXPECT_TRUE(parsed.store.verify(user, "correct horse")) << user;
    EXPECT_FALSE(parsed.store.verify(user, "wrong")) << user;
  }
  EXPECT_FALSE(parsed.store.verify("mallory", "correct horse"));
  EXPECT_FALSE(parsed.store.verify("ALICE", "correct horse"));  // names are case-sensitive
  EXPECT_FALSE(parsed.store.verify("", "correct horse"));
}

TEST(egress_credentials, errors_carry_line_numbers_and_parsing_goes_on) {
  const std::string text = "alice:" + sha512_hash + "\n"   // 1 ok
                           "# comment\n"                     // 2
                           "no colon here\n"                 // 3
                           ":" + sha512_hash + "\n"          // 4 empty user
                           "alice:" + bcrypt_hash + "\n"     // 5 duplicate of line 1
                           "dave:$1$saltsalt$NuzA7WTAelpl95xgBGWN60\n"  // 6 MD5
                           "erin:abhfCpXqd4GrI\n"            // 7 DES
                           "frank:\n"                        // 8 empty hash
                           "gina:" + sha512_hash + ":0:99999\n"  // 9 shadow fields
                           "hank smith:" + sha512_hash + "\n"    // 10 blank in the name
                           "ivan:" + bcrypt_hash + "\n";     // 11 ok
  const auto parsed = parse_credentials(text);
  struct expected_error {
    std::uint32_t line;
    std::string contains;
  };
  const std::vector<expected_error> expected = {
      {3, "found no ':'"},
      {4, "user name is empty"},
      {5, "\"alice\" is already defined on line 1"},
      {6, "MD5-crypt"},
      {7, "traditional DES"},
      {8, "empty"},
      {9, "more than one ':'"},
      {10, "blank"},
  };
  ASSERT_EQ(parsed.errors.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(parsed.errors[i].line, expected[i].line) << parsed.errors[i].message;
    EXPECT_NE(parsed.errors[i].message.find(expected[i].contains), std::string::npos)
        << "line " << parsed.errors[i].line << ": " << parsed.errors[i].message;
  }
  EXPECT_TRUE(parsed.store.contains("alice"));
  EXPECT_TRUE(parsed.store.contains("ivan"));
  EXPECT_TRUE(parsed.store.verify("alice", "correct horse"));  // line 1 kept, not line 5
}

TEST(egress_credentials, empty_file_is_an_empty_store) {
  const auto parsed = parse_credentials("# nothing yet\n\n");
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.store.size(), 0u);
  EXPECT_FALSE(parsed.store.verify("anyone", ""));
}

TEST(egress_credentials, user_name_rules) {
  EXPECT_FALSE(check_user_name("alice"));
  EXPECT_FALSE(check_user_name("ops@example.com"));
  EXPECT_FALSE(check_user_name("j\xc3\xb6rg"));  // UTF-8 is fine
  EXPECT_FALSE(check_user_name(std::string(255, 'u')));
  EXPECT_TRUE(check_user_name(std::string(256, 'u')));
  EXPECT_TRUE(check_user_name(""));
  EXPECT_TRUE(check_user_name("a:b"));
  EXPECT_TRUE(check_user_name("a b"));
  EXPECT_TRUE(check_user_name("a\tb"));
  EXPECT_TRUE(check_user_name(std::string("a\0b", 3)));
  EXPECT_TRUE(check_user_name("a\x7f"));
}

TEST(egress_credentials, store_add_refuses_duplicates_and_weak_hashes) {
  credential_store store;
  EXPECT_FALSE(store.add("alice", sha512_hash));
  EXPECT_NE(store.add("alice", bcrypt_hash).value_or("").find("already defined"), std::string::npos);
  EXPECT_NE(store.add("bob", "$1$saltsalt$NuzA7WTAelpl95xgBGWN60").value_or("").find("MD5"), std::string::npos);
  EXPECT_FALSE(store.contains("bob"));
  EXPECT_EQ(store.size(), 1u);
}

// A getenv over a fixed map, as add_from_environment() expects.
getenv_function fake_environment(const std::map<std::string, std::string>& variables) {
  return [variables](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

TEST(egress_credentials, environment_plain_text_and_hash) {
  const auto getenv = fake_environment({{"ALICE_PW", "tr0ub4dor"}, {"BOB_HASH", bcrypt_hash}});
  credential_store store;
  EXPECT_FALSE(add_from_environment(store, {.user = "alice", .variable = "ALICE_PW", .form = secret_form::plain_text}, getenv));
  EXPECT_FALSE(
      add_from_environment(store, {.user = "bob", .variable = "BOB_HASH", .form = secret_form::password_hash}, getenv));
  EXPECT_TRUE(store.verify("alice", "tr0ub4dor"));
  EXPECT_FALSE(store.verify("alice", "tr0ub4dor!"));
  EXPECT_TRUE(store.verify("bob", "correct horse"));
}

TEST(egress_credentials, environment_errors_name_the_variable_never_the_value) {
  const auto getenv = fake_environment(
      {{"EMPTY", ""}, {"WEAK", "$1$saltsalt$NuzA7WTAelpl95xgBGWN60"}, {"SECRET", "hunter2"}, {"ALICE_PW", "x"}});
  credential_store store;
  ASSERT_FALSE(add_from_environment(store, {.user = "alice", .variable = "ALICE_PW", .form = secret_form::plain_text}, getenv));
  struct entry {
    environment_credential credential;
    std::string contains;
  };
  const std::vector<entry> table = {
      {{.user = "bob", .variable = "MISSING", .form = secret_form::plain_text}, "environment variable MISSING (user \"bob\") is not set"},
      {{.user = "bob", .variable = "EMPTY", .form = secret_form::plain_text}, "is empty"},
      {{.user = "bob", .variable = "WEAK", .form = secret_form::password_hash}, "MD5-crypt"},
      {{.user = "bob", .variable = "SECRET", .form = secret_form::password_hash}, "traditional DES"},
      {{.user = "alice", .variable = "SECRET", .form = secret_form::plain_text}, "already defined"},
      {{.user = "bad:name", .variable = "SECRET", .form = secret_form::plain_text}, "':'"},
  };
  for (const auto& e : table) {
    const auto error = add_from_environment(store, e.credential, getenv);
    ASSERT_TRUE(error) << e.credential.variable;
    EXPECT_NE(error->find(e.contains), std::string::npos) << *error;
    EXPECT_EQ(error->find("hunter2"), std::string::npos) << *error;
  }
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.verify("alice", "x"));
}

}  // namespace
}  // namespace staticgate::egress

// The shared-file INI dialect (src/aws/ini_file.hpp), case by case against what botocore's
// configloader (configparser.RawConfigParser) makes of the same text.
#include "aws/ini_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticgate::aws {
namespace {

std::string value_of(const ini_document& doc, const std::string& section, const std::string& key) {
  const ini_section* s = doc.find(section);
  if (!s) return "<no section>";
  const auto it = s->values.find(key);
  return it == s->values.end() ? "<no key>" : it->second.text;
}

struct value_case {
  const char* name;
  const char* text;
  const char* section;
  const char* key;
  const char* expected;
};

class ini_values : public testing::TestWithParam<value_case> {};

TEST_P(ini_values, reads_like_botocore) {
  const auto& c = GetParam();
  std::string error;
  const auto doc = parse_ini(c.text, "f", error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(value_of(*doc, c.section, c.key), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    aws, ini_values,
    testing::Values(
        value_case{"plain", "[default]\nregion = eu-west-1\n", "default", "region", "eu-west-1"},
        value_case{"colon_delimiter", "[default]\nregion: eu-west-1\n", "default", "region", "eu-west-1"},
        value_case{"first_delimiter_splits", "[p]\nrole_arn = arn:aws:iam::1:role/x\n", "p", "role_arn",
                   "arn:aws:iam::1:role/x"},
        value_case{"keys_are_case_insensitive", "[default]\nAWS_Access_Key_ID = AKIA\n", "default", "aws_access_key_id",
                   "AKIA"},
        value_case{"no_space_around_delimiter", "[default]\nregion=us-east-1\n", "default", "region", "us-east-1"},
        value_case{"no_inline_comments", "[default]\nregion = eu-west-1 # note\n", "default", "region",
                   "eu-west-1 # note"},
        value_case{"hash_comment_line", "# top\n[default]\n# region = x\nregion = y\n", "default", "region", "y"},
        value_case{"semicolon_indented_comment", "[default]\n   ; region = x\nregion = y\n", "default", "region", "y"},
        value_case{"text_after_section_bracket", "[default] ; note\nregion = y\n", "default", "region", "y"},
        value_case{"crlf_line_ends", "[default]\r\nregion = y\r\n", "default", "region", "y"},
        value_case{"byte_order_mark", "\xEF\xBB\xBF[default]\nregion = y\n", "default", "region", "y"},
        value_case{"empty_value", "[default]\nregion =\n", "default", "region", ""},
        value_case{"continuation_joined", "[p]\nnote = a\n  b\n\n  c\n\n", "p", "note", "a\nb\n\nc"},
        value_case{"key_after_nested_section", "[p]\ns3 =\n  addressing_style = path\nregion = y\n", "p", "region", "y"},
        value_case{"indented_key_after_section", "[p]\n  region = y\n", "p", "region", "y"},
        value_case{"upper_case_DEFAULT_inherited", "[DEFAULT]\nregion = x\n[p]\nother = 1\n", "p", "region", "x"},
        value_case{"own_value_beats_DEFAULT", "[DEFAULT]\nregion = x\n[p]\nregion = y\n", "p", "region", "y"},
        value_case{"lower_case_default_is_ordinary", "[default]\nregion = x\n[p]\nother = 1\n", "p", "region", "<no key>"},
        value_case{"section_names_case_sensitive", "[Default]\nregion = x\n", "default", "region", "<no section>"},
        value_case{"no_final_newline", "[default]\nregion = y", "default", "region", "y"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(ini_file, nested_section) {
  std::string error;
  const auto doc = parse_ini("[profile dev]\ns3 =\n  addressing_style = path\n  Max_Concurrent = 10\n\n  # c\nregion = x\n",
                             "f", error);
  ASSERT_TRUE(doc) << error;
  const auto& s3 = doc->find("profile dev")->values.at("s3");
  EXPECT_TRUE(s3.is_nested);
  EXPECT_EQ(s3.nested.size(), 2u);
  EXPECT_EQ(s3.nested.at("addressing_style"), "path");
  EXPECT_EQ(s3.nested.at("Max_Concurrent"), "10");  // nested keys keep their case, as in botocore
  EXPECT_EQ(s3.line, 2);
}

TEST(ini_file, sections_in_order_with_lines) {
  std::string error;
  const auto doc = parse_ini("\n[a]\nx = 1\n[b]\n", "f", error);
  ASSERT_TRUE(doc) << error;
  ASSERT_EQ(doc->sections.size(), 2u);
  EXPECT_EQ(doc->sections[0].name, "a");
  EXPECT_EQ(doc->sections[0].line, 2);
  EXPECT_EQ(doc->sections[0].values.at("x").line, 3);
  EXPECT_EQ(doc->sections[1].name, "b");
  EXPECT_EQ(doc->path, "f");
}

TEST(ini_file, empty_file_and_comments_only) {
  std::string error;
  EXPECT_TRUE(parse_ini("", "f", error));
  EXPECT_TRUE(parse_ini("# nothing\n\n; here\n", "f", error));
}

struct error_case {
  const char* name;
  const char* text;
  const char* expected;  // the whole message
};

class ini_errors : public testing::TestWithParam<error_case> {};

TEST_P(ini_errors, name_file_and_line) {
  const auto& c = GetParam();
  std::string error;
  EXPECT_FALSE(parse_ini(c.text, "/home/u/.aws/config", error));
  EXPECT_EQ(error, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    aws, ini_errors,
    testing::Values(
        error_case{"key_before_section", "region = x\n", "/home/u/.aws/config:1: a key before the first [section]"},
        error_case{"no_delimiter", "[default]\nregion\n", "/home/u/.aws/config:2: expected [section] or key = value"},
        error_case{"no_key", "[default]\n= x\n", "/home/u/.aws/config:2: a value without a key"},
        error_case{"repeated_section", "[a]\n[b]\n[a]\n", "/home/u/.aws/config:3: section [a] repeated"},
        error_case{"repeated_key_any_case", "[a]\nregion = x\nREGION = y\n",
                   "/home/u/.aws/config:3: key 'region' repeated in section [a]"},
        error_case{"nested_line_without_equals", "[a]\ns3 =\n  addressing_style\n",
                   "/home/u/.aws/config:3: expected key = value inside 's3'"},
        error_case{"empty_brackets", "[]\n", "/home/u/.aws/config:1: a key before the first [section]"}),
    [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace staticgate::aws

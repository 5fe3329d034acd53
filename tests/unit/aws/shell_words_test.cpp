// split_shell_words (src/aws/shell_words.hpp): POSIX quoting without a shell, and the shell
// syntax it refuses instead of passing on as arguments.
#include "aws/shell_words.hpp"

#include <gtest/gtest.h>

namespace staticgate::aws {
namespace {

std::vector<std::string> split(std::string_view line) {
  std::string error;
  auto words = split_shell_words(line, error);
  EXPECT_TRUE(words) << line << ": " << error;
  return words.value_or(std::vector<std::string>{});
}

std::string refusal(std::string_view line) {
  std::string error;
  EXPECT_FALSE(split_shell_words(line, error)) << line;
  return error;
}

using words = std::vector<std::string>;

TEST(shell_words, blanks_separate_words) {
  EXPECT_EQ(split("  /usr/bin/helper  --profile\tprod\n"), (words{"/usr/bin/helper", "--profile", "prod"}));
  EXPECT_EQ(split(""), words{});
  EXPECT_EQ(split("   "), words{});
}

TEST(shell_words, single_quotes_are_literal) {
  EXPECT_EQ(split(R"(echo '{"Version": 1}' 'a\b' '$HOME')"), (words{"echo", R"({"Version": 1})", R"(a\b)", "$HOME"}));
}

TEST(shell_words, double_quotes_escape_only_what_a_shell_escapes) {
  EXPECT_EQ(split(R"(x "a \"b\" \\ \$ \n c")"), (words{"x", R"(a "b" \ $ \n c)"}));
}

TEST(shell_words, quotes_join_parts_of_one_word_and_empty_quotes_are_a_word) {
  EXPECT_EQ(split(R"(--name='my role'"s"x '' "")"), (words{"--name=my roles" "x", "", ""}));
}

TEST(shell_words, backslash_outside_quotes_takes_the_next_character) {
  EXPECT_EQ(split(R"(a\ b c\"d \|)"), (words{"a b", "c\"d", "|"}));
  EXPECT_EQ(split("a\\\nb"), (words{"ab"}));  // line continuation
}

TEST(shell_words, refuses_unterminated_quotes_and_trailing_backslash) {
  EXPECT_EQ(refusal("echo 'abc"), "unterminated single quote");
  EXPECT_EQ(refusal("echo \"abc"), "unterminated double quote");
  EXPECT_EQ(refusal("echo abc\\"), "a backslash ends the command");
}

TEST(shell_words, refuses_shell_syntax_that_would_need_a_shell) {
  for (const char* line : {"helper | jq .", "a; b", "a && b", "a > out", "a < in", "$(cat x)", "`id`", "echo $HOME",
                           "(a)"}) {
    EXPECT_NE(refusal(line).find("run without a shell"), std::string::npos) << line;
  }
  // Quoted, the same characters are plain text.
  EXPECT_EQ(split("echo 'a | b' \"c; d\""), (words{"echo", "a | b", "c; d"}));
}

}  // namespace
}  // namespace staticgate::aws

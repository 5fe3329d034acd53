#include "aws/shell_words.hpp"

namespace staticgate::aws {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

bool is_shell_syntax(char c) {
  return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')' || c == '$' || c == '`';
}

}  // namespace

std::optional<std::vector<std::string>> split_shell_words(std::string_view line, std::string& error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started (an empty '' is a word)
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const auto close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        error = "unterminated single quote";
        return std::nullopt;
      }
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          error = "unterminated double quote";
          return std::nullopt;
        }
        const char d = line[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < line.size()) {
          const char next = line[i + 1];
          if (next == '\\' || next == '"' || next == '$' || next == '`' || next == '\n') {
            if (next != '\n') word.push_back(next);  // backslash-newline is a line continuation
            i += 2;
            continue;
          }
        }
        word.push_back(d);
        ++i;
      }
      in_word = true;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= line.size()) {
        error = "a backslash ends the command";
        return std::nullopt;
      }
      if (line[i + 1] != '\n') {
        word.push_back(line[i + 1]);
        in_word = true;
      }
      i += 2;
    } else if (is_shell_syntax(c)) {
      error = std::string("'") + c + "' is shell syntax, and the command is run without a shell (quote it, or put the "
              "command in a script)";
      return std::nullopt;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace staticgate::aws

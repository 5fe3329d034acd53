#include "aws/ini_file.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace staticgate::aws {
namespace {

constexpr std::string_view whitespace = " \t\r\f\v";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(whitespace) - first + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A value as configparser collects it: the first line, then continuation lines ("" for blank).
struct pending_value {
  std::vector<std::pair<std::string, int>> lines;  // text, line number
};

class parser {
 public:
  parser(std::string_view path, std::string& error) : path_(path), error_(error) {}

  std::optional<ini_document> run(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    int number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto end = std::min(text.find('\n', pos), text.size());
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!take_line(line, number)) return std::nullopt;
    }
    if (!flush()) return std::nullopt;
    return finish();
  }

 private:
  bool fail(int line, std::string_view what) {
    error_ = path_ + ':' + std::to_string(line) + ": " + std::string(what);
    return false;
  }

  bool take_line(std::string_view line, int number) {
    const std::string_view value = trim(line);
    const bool comment = value.starts_with('#') || value.starts_with(';');
    if (value.empty() || comment) {
      // A blank line may be part of a multi-line value; a comment line never is.
      if (!comment && section_ && key_) current_.lines.emplace_back("", number);
      return true;
    }
    const auto indent = static_cast<int>(line.find_first_not_of(whitespace));
    if (section_ && key_ && indent > indent_) {
      current_.lines.emplace_back(std::string(value), number);
      return true;
    }
    if (!flush()) return false;
    indent_ = indent;
    const auto close = value.rfind(']');
    if (value.front() == '[' && close != std::string_view::npos && close > 1) {
      return open_section(std::string(value.substr(1, close - 1)), number);
    }
    if (!section_) return fail(number, "a key before the first [section]");
    const auto delimiter = value.find_first_of("=:");
    if (delimiter == std::string_view::npos) return fail(number, "expected [section] or key = value");
    std::string key = lower(trim(value.substr(0, delimiter)));
    if (key.empty()) return fail(number, "a value without a key");
    if (!seen_.insert(section_name_ + '\n' + key).second)
      return fail(number, "key '" + key + "' repeated in section [" + section_name_ + "]");
    key_ = std::move(key);
    key_line_ = number;
    current_.lines.clear();
    current_.lines.emplace_back(std::string(trim(value.substr(delimiter + 1))), number);
    return true;
  }

  bool open_section(std::string name, int number) {
    if (name != "DEFAULT" && !section_names_.insert(name).second)
      return fail(number, "section [" + name + "] repeated");
    key_.reset();
    section_name_ = name;
    if (name == "DEFAULT") {
      section_ = &defaults_;
    } else {
      doc_.sections.push_back({.name = std::move(name), .line = number, .values = {}});
      section_ = &doc_.sections.back();
    }
    return true;
  }

  // Stores the value being collected, as configparser joins it: lines joined with '\n' and
  // trailing blank lines dropped; a first line that is empty makes it a nested section.
  bool flush() {
    if (!key_) return true;
    auto& lines = current_.lines;
    while (lines.size() > 1 && lines.back().first.empty()) lines.pop_back();
    ini_value value{.text = {}, .nested = {}, .is_nested = false, .line = key_line_};
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) value.text += '\n';
      value.text += lines[i].first;
    }
    if (lines.size() > 1 && lines.front().first.empty()) {
      value.is_nested = true;
      for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].first.empty()) continue;
        const auto eq = lines[i].first.find('=');
        if (eq == std::string::npos)
          return fail(lines[i].second, "expected key = value inside '" + *key_ + "'");
        value.nested[std::string(trim(std::string_view(lines[i].first).substr(0, eq)))] =
            std::string(trim(std::string_view(lines[i].first).substr(eq + 1)));
      }
    }
    section_->values[*key_] = std::move(value);
    key_.reset();
    return true;
  }

  ini_document finish() {
    for (auto& section : doc_.sections)
      for (const auto& [key, value] : defaults_.values) section.values.try_emplace(key, value);
    return std::move(doc_);
  }

  std::string path_;
  std::string& error_;
  ini_document doc_;
  ini_section defaults_;
  // &defaults_ or doc_.sections.back(): re-pointed after every push_back, and earlier sections
  // are never written again, so reallocation cannot leave it dangling.
  ini_section* section_ = nullptr;
  std::string section_name_;
  std::set<std::string> section_names_;
  std::set<std::string> seen_;  // "section\nkey"
  std::optional<std::string> key_;
  int key_line_ = 0;
  int indent_ = 0;
  pending_value current_;
};

}  // namespace

const ini_section* ini_document::find(std::string_view name) const {
  for (const auto& section : sections)
    if (section.name == name) return &section;
  return nullptr;
}

std::optional<ini_document> parse_ini(std::string_view text, std::string_view path, std::string& error) {
  parser p(path, error);
  auto result = p.run(text);
  if (result) result->path = std::string(path);
  return result;
}

}  // namespace staticgate::aws

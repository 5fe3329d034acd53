// One problem found in a configuration, pointing at where it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace staticgate::config {

struct diagnostic {
  std::string source;  // file name, or a label such as "<embedded ...>"
  // 1-based; line 0 means the problem is not at a place in the text (the file
  // could not be read), and to_string() then leaves the position out.
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;

  // "source:line:column: error: message", the form editors and CI logs link to.
  std::string to_string() const;
};

// Puts user text in double quotes for a message, escaping quotes, backslashes
// and control characters so a stray byte in a file cannot garble the terminal.
std::string quote(std::string_view text);

}  // namespace staticgate::config

#include "config/diagnostic.hpp"

namespace staticgate::config {

std::string diagnostic::to_string() const {
  std::string out = source;
  if (line != 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": error: ";
  out += message;
  return out;
}

std::string quote(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace staticgate::config

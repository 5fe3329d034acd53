#include "egress/basic_credentials.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace staticgate::egress {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t not_base64 = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(not_base64);
  for (std::size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return table;
}
constexpr auto decode_table = make_decode_table();

bool has_control_character(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    // '=' only at the end of the last quantum: "xx==" or "xxx=".
    std::size_t padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t quantum = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      std::uint8_t value = 0;
      if (j < 4 - padding) {
        value = decode_table[static_cast<unsigned char>(text[i + j])];
        if (value == not_base64) return std::nullopt;
      }
      quantum = (quantum << 6) | value;
    }
    // Canonical form: the bits that padding leaves over must be zero (RFC 4648 section 3.5), so
    // each byte string has exactly one accepted spelling.
    if ((padding == 1 && (quantum & 0xFF) != 0) || (padding == 2 && (quantum & 0xFFFF) != 0))
      return std::nullopt;
    out.push_back(static_cast<char>(quantum >> 16));
    if (padding < 2) out.push_back(static_cast<char>(quantum >> 8));
    if (padding < 1) out.push_back(static_cast<char>(quantum));
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t quantum = 0;
    for (std::size_t j = 0; j < 3; ++j)
      quantum = (quantum << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j)
      out.push_back(j <= n ? alphabet[(quantum >> (18 - 6 * j)) & 0x3F] : '=');
  }
  return out;
}

std::optional<basic_credentials> decode_basic_credentials(std::string_view field_value) {
  constexpr std::string_view scheme = "basic";
  if (field_value.size() <= scheme.size() || !iequals(field_value.substr(0, scheme.size()), scheme) ||
      field_value[scheme.size()] != ' ')
    return std::nullopt;
  std::string_view token = field_value.substr(scheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  if (token.empty()) return std::nullopt;
  const auto decoded = base64_decode(token);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos || has_control_character(*decoded)) return std::nullopt;
  return basic_credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::string> encode_basic_credentials(const basic_credentials& c) {
  if (c.user.find(':') != std::string::npos || has_control_character(c.user) ||
      has_control_character(c.password))
    return std::nullopt;
  return "Basic " + base64_encode(c.user + ':' + c.password);
}

}  // namespace staticgate::egress

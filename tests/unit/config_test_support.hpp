// Shared helpers for the config loader tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/load.hpp"

namespace staticgate::config::testing {

// Stands in for the host's interfaces: loopback only, so tests give the same
// answer on every machine.
inline bool loopback_only(const net::endpoint& address) {
  std::string ip = address.ip_string();
  return ip.starts_with("127.") || ip == "::1";
}

// Parses text as "t.toml". One leading newline is dropped, so documents can
// start on the line after R"( and line 1 is the first line shown.
inline load_result load(std::string_view text) {
  if (text.starts_with('\n')) text.remove_prefix(1);
  return parse(text, "t.toml", loopback_only);
}

inline std::string all_errors(const load_result& result) {
  std::string out;
  for (const auto& e : result.errors) out += "  " + e.to_string() + "\n";
  return out.empty() ? "  (none)\n" : out;
}

// Some error is at exactly line:column and its message contains needle.
inline ::testing::AssertionResult has_error(const load_result& result, std::uint32_t line,
                                            std::uint32_t column, std::string_view needle) {
  for (const auto& e : result.errors)
    if (e.line == line && e.column == column && e.message.find(needle) != std::string::npos)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no error at " << line << ":" << column << " containing \""
                                       << needle << "\"; errors were:\n"
                                       << all_errors(result);
}

// Exactly one error, at line:column, containing needle.
inline ::testing::AssertionResult has_only_error(const load_result& result, std::uint32_t line,
                                                 std::uint32_t column, std::string_view needle) {
  if (result.ok()) return ::testing::AssertionFailure() << "loaded without errors";
  if (result.errors.size() != 1)
    return ::testing::AssertionFailure() << result.errors.size() << " errors, expected 1:\n"
                                         << all_errors(result);
  return has_error(result, line, column, needle);
}

}  // namespace staticgate::config::testing

#include "config/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace staticgate::config {

namespace {

struct unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

// Largest first: the order in which parts must appear.
constexpr unit units[] = {{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
constexpr std::size_t unit_count = sizeof units / sizeof units[0];

// The largest total whose nanosecond count still fits in an int64 (~292 years).
constexpr std::int64_t max_milliseconds = std::numeric_limits<std::int64_t>::max() / 1'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Index into units of the suffix at the start of text, or unit_count if none.
// "ms" is tried before "m" so that "5ms" is not read as five minutes.
std::size_t match_unit(std::string_view text) {
  if (text.starts_with("ms")) return 3;
  for (std::size_t i = 0; i < 3; ++i)
    if (text.starts_with(units[i].suffix)) return i;
  return unit_count;
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t smallest_allowed = 0;  // units already used, and larger ones, are not allowed again
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && is_digit(text[digits])) ++digits;
    if (digits == 0) return std::nullopt;
    std::int64_t count = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, count);
    if (ec != std::errc{} || end != text.data() + digits) return std::nullopt;
    text.remove_prefix(digits);

    std::size_t u = match_unit(text);
    if (u == unit_count || u < smallest_allowed) return std::nullopt;
    smallest_allowed = u + 1;
    text.remove_prefix(units[u].suffix.size());

    std::int64_t part = 0;
    if (__builtin_mul_overflow(count, units[u].milliseconds, &part)) return std::nullopt;
    if (__builtin_add_overflow(total, part, &total)) return std::nullopt;
  }
  if (total > max_milliseconds) return std::nullopt;
  return duration{total};
}

}  // namespace staticgate::config

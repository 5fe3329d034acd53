#include "aws/iso8601.hpp"

#include <cstdio>

namespace staticgate::aws {
namespace {

// Reads exactly `width` decimal digits at `pos`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (text.size() - pos < width) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char a, char b = '\0') {
  if (pos >= text.size() || (text[pos] != a && (b == '\0' || text[pos] != b))) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const auto y = digits(text, pos, 4);
  if (!y || !expect(text, pos, '-')) return std::nullopt;
  const auto mo = digits(text, pos, 2);
  if (!mo || !expect(text, pos, '-')) return std::nullopt;
  const auto d = digits(text, pos, 2);
  if (!d || !expect(text, pos, 'T', 't')) return std::nullopt;
  const auto h = digits(text, pos, 2);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  const auto mi = digits(text, pos, 2);
  if (!mi || !expect(text, pos, ':')) return std::nullopt;
  const auto s = digits(text, pos, 2);
  if (!s) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t fraction = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++fraction;
    if (fraction == 0 || fraction > 9) return std::nullopt;
  }
  int offset_minutes = 0;
  if (expect(text, pos, 'Z', 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '+' ? 1 : -1;
    const auto oh = digits(text, pos, 2);
    if (!oh || !expect(text, pos, ':')) return std::nullopt;
    const auto om = digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;  // no offset: a local time we cannot place
  }
  if (pos != text.size()) return std::nullopt;

  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  return sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s} - minutes{offset_minutes};
}

std::string format_iso8601(std::chrono::sys_seconds time) {
  using namespace std::chrono;
  const auto day_start = floor<days>(time);
  const year_month_day date{day_start};
  const hh_mm_ss clock{time - day_start};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

}  // namespace staticgate::aws

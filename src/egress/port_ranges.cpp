#include "egress/port_ranges.hpp"

#include <charconv>

namespace staticgate::egress {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

port_ranges::parse_result port_ranges::parse(std::string_view text) {
  const auto whole = trim(text);
  if (whole == "*" || whole == "any") return {.ports = port_ranges{}, .error = {}};
  const auto fail = [&](std::string_view item, std::string_view why) {
    return parse_result{.ports = std::nullopt,
                        .error = "ports \"" + std::string(text) + "\": \"" + std::string(item) + "\" " + std::string(why)};
  };
  if (whole.empty()) return fail(whole, "is empty (write \"any\" for any port)");
  port_ranges result;
  std::string_view rest = whole;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    const auto dash = item.find('-');
    const auto first = parse_port(trim(item.substr(0, dash)));
    const auto last = dash == std::string_view::npos ? first : parse_port(trim(item.substr(dash + 1)));
    if (!first || !last) return fail(item, "is not a port 1-65535 or a range \"low-high\"");
    if (*last < *first) return fail(item, "runs backwards");
    result.ranges_.emplace_back(*first, *last);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return {.ports = std::move(result), .error = {}};
}

port_ranges port_ranges::only(std::uint16_t port) {
  port_ranges result;
  result.ranges_.emplace_back(port, port);
  return result;
}

bool port_ranges::contains(std::uint16_t port) const {
  if (port == 0) return false;
  if (ranges_.empty()) return true;
  for (const auto& [low, high] : ranges_) {
    if (port >= low && port <= high) return true;
  }
  return false;
}

std::string port_ranges::to_string() const {
  if (ranges_.empty()) return "any";
  std::string text;
  for (const auto& [low, high] : ranges_) {
    if (!text.empty()) text += ',';
    text += std::to_string(low);
    if (high != low) text += "-" + std::to_string(high);
  }
  return text;
}

}  // namespace staticgate::egress

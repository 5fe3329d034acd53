#include "egress/host_pattern.hpp"

#include <arpa/inet.h>


namespace staticgate::egress {

namespace {

constexpr std::size_t max_name_length = 253;
constexpr std::size_t max_label_length = 63;

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool inet_aton_accepts(const std::string& name) {
  in_addr ignored{};
  return inet_aton(name.c_str(), &ignored) != 0;
}

}  // namespace

std::optional<std::string> normalize_host_name(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > max_name_length) return std::nullopt;
  std::string name;
  name.reserve(text.size());
  std::size_t label_length = 0;
  bool last_label_all_digits = true;
  for (const char raw : text) {
    const char c = lower(raw);
    if (c == '.') {
      if (label_length == 0) return std::nullopt;
      label_length = 0;
      last_label_all_digits = true;
    } else {
      if (!is_label_char(c) || ++label_length > max_label_length) return std::nullopt;
      last_label_all_digits = last_label_all_digits && c >= '0' && c <= '9';
    }
    name.push_back(c);
  }
  if (label_length == 0 || last_label_all_digits || inet_aton_accepts(name)) return std::nullopt;
  return name;
}

host_pattern::parse_result host_pattern::parse(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  bool wildcard = false;
  if (text.starts_with("*.")) {
    wildcard = true;
    text.remove_prefix(2);
  }
  if (text.find('*') != std::string_view::npos) {
    return {.pattern = std::nullopt,
            .error = quoted + ": a wildcard is only allowed as the whole first label (\"*.example.com\")"};
  }
  auto name = normalize_host_name(text);
  if (!name) return {.pattern = std::nullopt, .error = quoted + " is not a valid host name"};
  host_pattern pattern;
  pattern.name_ = std::move(*name);
  pattern.wildcard_ = wildcard;
  return {.pattern = std::move(pattern), .error = {}};
}

bool host_pattern::matches(std::string_view host) const {
  if (!wildcard_) return host == name_;
  // At least one whole label in front of ".name": "x.vendor.com" but not "xvendor.com".
  return host.size() > name_.size() + 1 && host.ends_with(name_) && host[host.size() - name_.size() - 1] == '.';
}

std::string host_pattern::to_string() const { return wildcard_ ? "*." + name_ : name_; }

}  // namespace staticgate::egress

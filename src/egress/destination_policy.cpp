#include "egress/destination_policy.hpp"

#include <cstdio>

#include "egress/address_ranges.hpp"

namespace staticgate::egress {

namespace {

constexpr std::size_t max_echoed_bytes = 100;

// Client text in a reason: printable ASCII kept, anything else as \xNN, long text cut, so a
// hostile host field cannot forge log lines or bloat them.
std::string escaped(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < max_echoed_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (text.size() > max_echoed_bytes) out += "...";
  return out + "\"";
}

decision make(decision_category category, std::string reason) {
  return {.category = category, .reason = std::move(reason)};
}

// What the client asked for: an address literal or a normalized host name.
struct requested_destination {
  std::optional<ip_address> address;
  std::string name;
};

std::optional<requested_destination> parse_requested(std::string_view host) {
  auto literal = host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
    const auto address = ip_address::parse(literal);
    if (!address || !address->is_v6()) return std::nullopt;
    return requested_destination{.address = address->unmapped(), .name = {}};
  }
  if (const auto address = ip_address::parse(literal)) {
    return requested_destination{.address = address->unmapped(), .name = {}};
  }
  auto name = normalize_host_name(host);
  if (!name) return std::nullopt;
  return requested_destination{.address = std::nullopt, .name = std::move(*name)};
}

bool matches_address(const destination_rule& rule, const ip_address& address, const std::string* name) {
  if (std::holds_alternative<any_destination>(rule.destination)) return true;
  if (const auto* prefix = std::get_if<ip_prefix>(&rule.destination)) return prefix->contains(address);
  const auto& pattern = std::get<host_pattern>(rule.destination);
  return name != nullptr && pattern.matches(*name);
}

std::string where(std::string_view destination, std::uint16_t port) {
  return std::string(destination) + " port " + std::to_string(port);
}

decision no_rule(std::string_view destination, std::uint16_t port, bool destination_matched) {
  if (destination_matched) {
    return make(decision_category::no_matching_rule,
                std::string(destination) + " is allowed, but not on port " + std::to_string(port));
  }
  return make(decision_category::no_matching_rule, "no allow rule for " + where(destination, port));
}

// The full judgement of one address. `name` is the normalized requested name, or null for a
// literal. `address` is already unmapped.
decision judge_address(const std::vector<destination_rule>& rules, bool allow_private, const ip_address& address,
                       const std::string* name, std::uint16_t port) {
  bool destination_matched = false;
  std::vector<const destination_rule*> candidates;
  for (const auto& rule : rules) {
    if (!matches_address(rule, address, name)) continue;
    destination_matched = true;
    if (rule.ports.contains(port)) candidates.push_back(&rule);
  }
  const std::string shown = name != nullptr ? *name + " (" + address.to_string() + ")" : address.to_string();
  if (candidates.empty()) return no_rule(shown, port, destination_matched);
  const auto* matched = candidates.front();

  const auto special = find_special_range(address);
  if (!special) return make(decision_category::allowed, "allowed by " + matched->to_string());
  if (allow_private && special->kind == special_range_kind::private_use) {
    return make(decision_category::allowed, "allowed by " + matched->to_string() + " with allow_private (" +
                                                describe(address, *special) + ")");
  }
  for (const auto* rule : candidates) {
    const auto* prefix = std::get_if<ip_prefix>(&rule->destination);
    if (prefix != nullptr && special->range.contains(*prefix)) {
      return make(decision_category::allowed,
                  "allowed by " + rule->to_string() + ", which lists part of a special range explicitly (" +
                      describe(address, *special) + ")");
    }
  }
  std::string reason = describe(address, *special) + "; refused unless an address rule inside " +
                       special->range.to_string() + " allows it";
  if (special->kind == special_range_kind::private_use) reason += " or allow_private is set";
  return make(decision_category::special_address, std::move(reason));
}

}  // namespace

destination_rule::parse_result destination_rule::parse(std::string_view destination, std::string_view ports) {
  auto parsed_ports = port_ranges::parse(ports);
  if (!parsed_ports.ports) return {.rule = std::nullopt, .error = std::move(parsed_ports.error)};
  if (destination == "*") {
    return {.rule = destination_rule{.destination = any_destination{}, .ports = std::move(*parsed_ports.ports)},
            .error = {}};
  }
  if (destination.find('/') != std::string_view::npos || ip_address::parse(destination)) {
    auto prefix = ip_prefix::parse(destination);
    if (!prefix.prefix) return {.rule = std::nullopt, .error = std::move(prefix.error)};
    return {.rule = destination_rule{.destination = *prefix.prefix, .ports = std::move(*parsed_ports.ports)},
            .error = {}};
  }
  auto pattern = host_pattern::parse(destination);
  if (!pattern.pattern) return {.rule = std::nullopt, .error = std::move(pattern.error)};
  return {.rule = destination_rule{.destination = std::move(*pattern.pattern), .ports = std::move(*parsed_ports.ports)},
          .error = {}};
}

std::string destination_rule::to_string() const {
  std::string text;
  if (std::holds_alternative<any_destination>(destination)) {
    text = "*";
  } else if (const auto* prefix = std::get_if<ip_prefix>(&destination)) {
    text = prefix->to_string();
  } else {
    text = std::get<host_pattern>(destination).to_string();
  }
  return text + " port " + ports.to_string();
}

std::string_view to_string(decision_category category) {
  switch (category) {
    case decision_category::allowed: return "allowed";
    case decision_category::invalid_destination: return "invalid_destination";
    case decision_category::no_matching_rule: return "no_matching_rule";
    case decision_category::special_address: return "special_address";
  }
  return "no_matching_rule";
}

destination_policy::destination_policy(const destination_rules& global,
                                       const std::map<std::string, destination_rules>& users) {
  if (global.allow) global_.allow = *global.allow;
  global_.allow_private = global.allow_private.value_or(false);
  for (const auto& [name, own] : users) {
    users_.emplace(name, effective_rules{.allow = own.allow.value_or(global_.allow),
                                         .allow_private = own.allow_private.value_or(global_.allow_private)});
  }
}

const destination_policy::effective_rules& destination_policy::rules_for(std::string_view user) const {
  const auto it = users_.find(user);
  return it == users_.end() ? global_ : it->second;
}

decision destination_policy::check_request(std::string_view user, std::string_view host, std::uint16_t port) const {
  if (port == 0) return make(decision_category::invalid_destination, "port 0 is not a destination");
  const auto requested = parse_requested(host);
  if (!requested) {
    return make(decision_category::invalid_destination,
                escaped(host) + " is neither an IP address nor a valid host name");
  }
  const auto& rules = rules_for(user);
  if (requested->address) return judge_address(rules.allow, rules.allow_private, *requested->address, nullptr, port);

  // A name: allowed now if a host rule or "*" covers it; possibly allowed (after resolving) if
  // an address rule lists the port. check_resolved() has the final word either way.
  bool destination_matched = false;
  const destination_rule* address_rule = nullptr;
  for (const auto& rule : rules.allow) {
    if (const auto* pattern = std::get_if<host_pattern>(&rule.destination); pattern && !pattern->matches(requested->name)) {
      continue;
    }
    if (std::holds_alternative<ip_prefix>(rule.destination)) {
      if (address_rule == nullptr && rule.ports.contains(port)) address_rule = &rule;
      continue;
    }
    destination_matched = true;
    if (rule.ports.contains(port)) {
      return make(decision_category::allowed,
                  "allowed by " + rule.to_string() + "; each resolved address is checked before connecting");
    }
  }
  if (address_rule != nullptr) {
    return make(decision_category::allowed, "may be allowed by " + address_rule->to_string() +
                                                " once resolved; each resolved address is checked before connecting");
  }
  return no_rule(requested->name, port, destination_matched);
}

decision destination_policy::check_resolved(std::string_view user, std::string_view requested_host,
                                            const ip_address& resolved, std::uint16_t port) const {
  if (port == 0) return make(decision_category::invalid_destination, "port 0 is not a destination");
  const auto requested = parse_requested(requested_host);
  if (!requested) {
    return make(decision_category::invalid_destination,
                escaped(requested_host) + " is neither an IP address nor a valid host name");
  }
  const auto& rules = rules_for(user);
  const std::string* name = requested->address ? nullptr : &requested->name;
  return judge_address(rules.allow, rules.allow_private, resolved.unmapped(), name, port);
}

}  // namespace staticgate::egress

#include "egress/server_settings.hpp"

#include <stdexcept>

namespace staticgate::egress {
namespace {

destination_rules to_rules(const config::egress_access& access) {
  destination_rules out;
  out.allow_private = access.allow_private;
  if (access.allow) {
    out.allow.emplace();
    for (const auto& r : *access.allow) {
      auto parsed = destination_rule::parse(r.destination, r.ports);
      if (!parsed.rule) throw std::invalid_argument("egress rule \"" + r.destination + "\": " + parsed.error);
      out.allow->push_back(*parsed.rule);
    }
  }
  return out;
}

}  // namespace

std::uint32_t server_settings::user_limit(std::string_view user) const {
  std::uint32_t limit = config.max_connections_per_user;
  for (const auto& u : config.users)
    if (u.name == user && u.max_connections != 0) limit = u.max_connections;
  return limit;
}

std::shared_ptr<server_settings> make_server_settings(const config::egress_server& config,
                                                     const server_settings* previous) {
  auto active_of = [previous](const std::string& user) {
    if (previous)
      if (auto it = previous->user_active.find(user); it != previous->user_active.end()) return it->second;
    return std::make_shared<std::atomic<std::uint32_t>>(0);
  };
  auto out = std::make_shared<server_settings>();
  out->config = config;
  std::map<std::string, destination_rules> user_rules;
  std::vector<std::string> user_names;
  std::map<std::string, ip_address, std::less<>> pinned;
  for (const auto& u : config.users) {
    if (config.authentication) {
      if (auto problem = out->credentials.add(u.name, u.password_hash))
        throw std::invalid_argument("egress user \"" + u.name + "\": " + *problem);
    }
    user_rules[u.name] = to_rules(u.access);
    user_names.push_back(u.name);
    out->user_active[u.name] = active_of(u.name);
    if (u.source_address) {
      auto a = ip_address::parse(*u.source_address);
      if (!a) throw std::invalid_argument("egress user \"" + u.name + "\": bad source_address");
      pinned[u.name] = *a;
    }
  }
  out->user_active[""] = active_of("");
  out->policy = destination_policy(to_rules(config.access), user_rules);
  std::vector<ip_address> sources;
  for (const auto& s : config.source_addresses) {
    auto a = ip_address::parse(s);
    if (!a) throw std::invalid_argument("egress source address \"" + s + "\" is not an IP address");
    sources.push_back(*a);
  }
  out->sources = source_picker(sources, config.selection, pinned);
  std::vector<std::string> binds;
  for (const auto& b : config.binds) binds.push_back(b.to_string());
  out->stats = std::make_unique<egress_stats>(config.name, binds, user_names, config.source_addresses,
                                              previous ? previous->stats.get() : nullptr);
  return out;
}

}  // namespace staticgate::egress

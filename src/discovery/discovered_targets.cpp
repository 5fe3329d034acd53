#include "discovery/discovered_targets.hpp"

#include <algorithm>

#include "config/rules.hpp"

namespace staticgate::discovery {

config::config with_discovered_targets(const config::config& base, const discovered_addresses& discovered) {
  config::config out = base;
  for (auto& group : out.target_groups) {
    if (!group.discovery) continue;
    auto it = discovered.find(group.name);
    if (it == discovered.end()) continue;
    for (const auto& ip : it->second) {
      auto address = net::endpoint::parse(ip.find(':') == std::string::npos
                                              ? ip + ":" + std::to_string(group.discovery->port)
                                              : "[" + ip + "]:" + std::to_string(group.discovery->port));
      if (!address) continue;  // not an IP: the codec and the lookup never produce one
      const bool is_static = std::any_of(group.targets.begin(), group.targets.end(),
                                         [&](const config::target& t) { return t.address == *address; });
      if (!is_static) group.targets.push_back({*address, group.discovery->weight});
    }
    if (group.maglev_table_size <= group.targets.size()) {
      const auto wanted = config::rules::next_prime(group.targets.size() * 100);
      group.maglev_table_size = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(wanted, static_cast<std::uint64_t>(config::rules::max_maglev_table_size)));
    }
  }
  return out;
}

}  // namespace staticgate::discovery

// Folding discovered addresses into the configured target groups (pure). The data plane only
// ever sees a config::config; discovery changes it the way a reload does, so removed targets
// drain for the group's deregistration_delay and surviving ones keep health and counters.
#pragma once

#include <map>
#include <set>
#include <string>

#include "config/model.hpp"

namespace staticgate::discovery {

// Target group name -> the canonical IP addresses discovered for it (over all its names).
using discovered_addresses = std::map<std::string, std::set<std::string>>;

// `base` with each discovery group's targets extended by its discovered addresses, at the
// discovery port and weight. A discovered address equal to a static target adds nothing (the
// static entry and its weight win). Groups without [discovery] and map entries naming no such
// group are left alone. A Maglev table too small for the new count grows to the next prime above
// 100 x targets (evenness), within the configured maximum.
config::config with_discovered_targets(const config::config& base, const discovered_addresses& discovered);

}  // namespace staticgate::discovery

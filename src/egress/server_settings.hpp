// What an egress server's sessions consult, built once from its config::egress_server and
// shared read-only by every worker (the atomics excepted).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/egress_model.hpp"
#include "egress/credentials.hpp"
#include "egress/destination_policy.hpp"
#include "egress/egress_stats.hpp"
#include "egress/source_picker.hpp"
#include "net/endpoint.hpp"

namespace staticgate::egress {

struct server_settings {
  config::egress_server config;
  credential_store credentials;
  destination_policy policy;
  source_picker sources;
  std::unique_ptr<egress_stats> stats;
  // Connections open per user, across workers, for max_connections(_per_user).
  // Shared with the previous settings of the same server across a reload.
  std::map<std::string, std::shared_ptr<std::atomic<std::uint32_t>>, std::less<>> user_active;

  std::uint32_t user_limit(std::string_view user) const;
};

// Throws std::invalid_argument naming the problem (config::parse has validated the same
// things, so this happens only for a config built by hand).
// previous: the same server's settings before a reload, whose counters carry on.
std::shared_ptr<server_settings> make_server_settings(const config::egress_server& config,
                                                     const server_settings* previous = nullptr);

}  // namespace staticgate::egress

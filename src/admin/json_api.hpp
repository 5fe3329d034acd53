// The admin API's JSON documents, built from a gateway snapshot. Pure.
//
// GET /api/v1/status is to_json(); /api/v1/listeners and /api/v1/target_groups
// are its "listeners" and "target_groups" members; drain/undrain answer with
// target_to_json() of the changed target.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ingress/snapshot.hpp"

namespace staticgate::admin {

// {"version", "workers", "uptime_seconds", "listeners": [...], "target_groups": [...]}
nlohmann::json to_json(const ingress::gateway_snapshot& snapshot);
nlohmann::json listeners_to_json(const ingress::gateway_snapshot& snapshot);
nlohmann::json target_groups_to_json(const ingress::gateway_snapshot& snapshot);
nlohmann::json discovery_to_json(const ingress::gateway_snapshot& snapshot);
nlohmann::json egress_to_json(const ingress::gateway_snapshot& snapshot);
nlohmann::json target_to_json(const ingress::target_snapshot& target);

// "drained" when drained by hand, else "unhealthy" when the last health
// verdict failed, else "healthy" (also when the group has no health check).
std::string target_state(const ingress::target_snapshot& target);

}  // namespace staticgate::admin

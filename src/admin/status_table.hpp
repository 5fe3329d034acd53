// `staticgate status`: the /api/v1/status document as fixed-width tables.
// Pure; tolerates missing members (an older or newer server).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace staticgate::admin {

std::string render_status_table(const nlohmann::json& status);

// Exposed for the tests.
std::string human_bytes(std::uint64_t bytes);  // "512 B", "1.5 KiB", "3.0 GiB"
std::string human_duration(double seconds);    // "42s", "5m 03s", "2h 05m", "3d 04h"

}  // namespace staticgate::admin

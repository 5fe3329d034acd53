// /metrics: the gateway snapshot in the Prometheus text exposition format
// 0.0.4. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "admin/process_stats.hpp"
#include "ingress/snapshot.hpp"

namespace staticgate::admin {

// Every family is named staticgate_*, carries HELP and TYPE once, and is left
// out when it has no samples (no listeners, no targets). Histograms are
// exported in seconds with cumulative buckets ending at le="+Inf".
std::string render_metrics(const ingress::gateway_snapshot& snapshot, const process_stats& process);

// Exposed for the tests.
std::string escape_label_value(std::string_view value);  // \ " and newline
std::string format_micros_as_seconds(std::uint64_t us);   // 2500 -> "0.0025", 1000000 -> "1"

}  // namespace staticgate::admin

// What `staticgate sync --once` prints: a run_report as a table for people or as JSON for
// scripts, and the process exit status it means. Pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "discovery/controller.hpp"

namespace staticgate::discovery {

// Exit statuses of `sync --once`, most serious first when several apply.
enum sync_exit : int {
  sync_ok = 0,
  sync_lookup_or_state_failed = 1,  // some name changed nothing (lookup failed) or state I/O failed
  sync_usage_error = 2,             // bad config or no discovery group
  sync_breaker_tripped = 3,         // deregistration deferred by the circuit breaker: needs an operator
};

int exit_status(const run_report& report);
nlohmann::json report_to_json(const run_report& report, bool dry_run);
std::string report_to_table(const run_report& report, bool dry_run);

}  // namespace staticgate::discovery

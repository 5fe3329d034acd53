// `staticgate sync --once`: one discovery run of every discovery group, on a loop of its own,
// printed as a table or JSON; the state is saved unless dry_run. The shape of the AWS recipe's
// scheduled function, for cron. Returns the process exit status (sync_report_format.hpp).
#pragma once

#include <ostream>

#include "config/model.hpp"
#include "discovery/backends.hpp"

namespace staticgate::discovery {

// `with` may bring a shared state store, external target groups and an observer (AWS mode).
int run_sync_once(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err,
                  backends with = {});

// Creates `state_dir` (and parents) if missing, mode 0700. "" on success, else the reason.
std::string prepare_state_dir(const std::string& state_dir);

bool has_discovery(const config::config& cfg);

}  // namespace staticgate::discovery

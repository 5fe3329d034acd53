// One run of a discovery group whose decisions go to an external target group (an AWS NLB
// target group), after its names were looked up. Blocking: it runs on a worker thread.
//
//  1. Read what the target group holds (failure: known = false, see sync_decision rule 7).
//  2. Per name: the previous state (from the store when it is shared, i.e. versioned, so a
//     second controller's writes are seen; else the caller's copy), then decide().
//  3. One RegisterTargets for the union of the names' registrations; one DeregisterTargets for
//     the union of their deregistrations less any address another name of the group still
//     holds (two names may answer the same address).
//  4. A deregistration that failed is put back in the state as pending with its count, so the
//     next run tries again; a registration that failed is redone by rule 4 (drift) next run.
//  5. Per name, a conditional save on the version read. On a conflict another controller has
//     written meanwhile: read its state, decide again from it with the same lookup and the
//     target group as it is now, apply the difference, save again (at most 3 rounds).
// A name whose state cannot be read runs degraded as in the controller: it registers what DNS
// answers, deregisters nothing and never overwrites the stored state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "discovery/external_target_group.hpp"
#include "discovery/name_lookup.hpp"
#include "discovery/state_store.hpp"
#include "discovery/sync_decision.hpp"

namespace staticgate::discovery {

struct external_name_input {
  std::string name;
  lookup_report lookup;
  sync_state cached;       // the controller's copy; used when the store is not versioned
  std::string load_error;  // of the cached copy ("" = fine)
};

struct external_name_output {
  std::string name;
  sync_result decision;     // the final decision (after conflict rounds), with warnings added
  sync_state next;          // what the caller keeps in memory
  std::string load_error;   // "" when the state read back fine
  std::string state_error;  // reading or saving failed
  std::string target_error; // reading or changing the target group failed
};

struct external_group_output {
  std::vector<external_name_output> names;
  std::string registered_error;  // reading the target group failed
};

external_group_output sync_external_group(external_target_group& target, state_store& store,
                                          const config::target_group& group,
                                          const std::vector<external_name_input>& names, bool dry_run,
                                          std::int64_t now_unix_ms);

}  // namespace staticgate::discovery

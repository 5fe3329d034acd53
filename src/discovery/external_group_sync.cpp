#include "discovery/external_group_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "discovery/controller.hpp"
#include "discovery/state_codec.hpp"

namespace staticgate::discovery {

namespace {

constexpr int max_save_rounds = 3;

struct loaded_state {
  sync_state state;
  std::string version;
  std::string error;  // non-empty: degraded
};

// The previous state of a name: from a shared store each run, else the caller's copy.
loaded_state load_previous(state_store& store, const std::string& group, const external_name_input& in) {
  if (!store.versioned()) return {.state = in.cached, .version = "", .error = in.load_error};
  const auto key = state_key(group, in.name);
  loaded_state out;
  std::string error;
  auto read = store.load_versioned(key, error);
  if (!read) {
    if (!error.empty()) out.error = "cannot read state " + key + ": " + error;
    return out;  // nothing saved yet: a first run
  }
  out.version = read->version;
  if (auto stored = decode_state(read->bytes, error)) {
    if (stored->target_group != group || stored->name != in.name)
      out.error = "state " + key + " belongs to target group \"" + stored->target_group + "\", name \"" +
                  stored->name + "\"";
    else
      out.state = std::move(stored->state);
  } else {
    out.error = "state " + key + " is corrupt: " + error;
  }
  return out;
}

sync_options options_of(const config::dns_discovery& d) {
  return {.misses_before_deregistration = d.misses_before_deregistration,
          .max_deregistration_fraction = d.max_deregistration_fraction};
}

lookup_outcome outcome_for(const external_name_input& in, const loaded_state& previous) {
  lookup_outcome outcome = in.lookup.outcome;
  if (!previous.error.empty()) {  // degraded: register only (rule 2b)
    outcome.complete = false;
    outcome.error = previous.error;
  }
  return outcome;
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Step 4: the deregistrations that did not happen go back into the state, pending with the
// count they had, so the next run tries them again.
void restore_failed_deregistrations(const sync_state& previous, const std::set<std::string>& failed,
                                    const std::string& why, external_name_output& out) {
  std::set<std::string> restored;
  for (const auto& address : out.decision.to_deregister) {
    if (!failed.contains(address)) continue;
    out.next.active.insert(address);
    auto it = previous.pending.find(address);
    out.next.pending[address] = it != previous.pending.end() ? it->second : pending_entry{.misses = 1, .first_missed_unix_ms = 0};
    restored.insert(address);
  }
  if (restored.empty()) return;
  out.decision.warnings.push_back("deregistering " + join(restored) + " failed (" + why +
                                  "); kept pending, tried again next run");
  out.target_error = "deregistration failed: " + why;
}

void note_failed_registrations(const std::set<std::string>& failed, const std::string& why, external_name_output& out) {
  std::set<std::string> mine;
  for (const auto& address : out.decision.to_register)
    if (failed.contains(address)) mine.insert(address);
  if (mine.empty()) return;
  out.decision.warnings.push_back("registering " + join(mine) + " failed (" + why + "); tried again next run");
  out.target_error = "registration failed: " + why;
}

std::set<std::string> difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// Applies one name's (or the group's) registrations and deregistrations, except deregistering
// an address that `keep` (another name's active set) still holds; records the failures in each
// of `outs` and updates `registered` to what the target group holds afterwards.
void apply_and_record(external_target_group& target, const std::set<std::string>& to_register,
                      std::set<std::string> to_deregister, const std::set<std::string>& keep,
                      const std::vector<std::pair<const sync_state*, external_name_output*>>& outs,
                      registered_view& registered) {
  to_deregister = difference(to_deregister, keep);
  if (to_register.empty() && to_deregister.empty()) return;
  const auto result = target.apply(to_register, to_deregister);
  const auto failed_register = difference(to_register, result.registered);
  const auto failed_deregister = difference(to_deregister, result.deregistered);
  for (const auto& [previous, out] : outs) {
    if (!failed_deregister.empty())
      restore_failed_deregistrations(*previous, failed_deregister,
                                     result.deregister_error.empty() ? "not accepted" : result.deregister_error, *out);
    if (!failed_register.empty())
      note_failed_registrations(failed_register, result.register_error.empty() ? "not accepted" : result.register_error,
                                *out);
  }
  registered.addresses.insert(result.registered.begin(), result.registered.end());
  for (const auto& a : result.deregistered) registered.addresses.erase(a);
}

}  // namespace

external_group_output sync_external_group(external_target_group& target, state_store& store,
                                          const config::target_group& group,
                                          const std::vector<external_name_input>& names, bool dry_run,
                                          std::int64_t now_unix_ms) {
  external_group_output result;
  const auto& d = *group.discovery;
  const auto options = options_of(d);

  // 1. What the target group holds.
  std::string error;
  registered_view registered = target.registered(error);
  if (!registered.known) result.registered_error = "cannot read " + target.where() + ": " + error;

  // 2. Decide per name.
  std::vector<loaded_state> previous;
  for (const auto& in : names) {
    previous.push_back(load_previous(store, group.name, in));
    external_name_output out;
    out.name = in.name;
    out.load_error = previous.back().error;
    out.state_error = previous.back().error;
    out.target_error = result.registered_error;
    out.decision = decide(previous.back().state, outcome_for(in, previous.back()), registered, options, now_unix_ms);
    out.next = out.decision.next;
    result.names.push_back(std::move(out));
  }
  if (dry_run) return result;

  // 3-4. One call each for the whole group.
  std::set<std::string> to_register, to_deregister, still_active;
  std::vector<std::pair<const sync_state*, external_name_output*>> outs;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& out = result.names[i];
    to_register.insert(out.decision.to_register.begin(), out.decision.to_register.end());
    to_deregister.insert(out.decision.to_deregister.begin(), out.decision.to_deregister.end());
    still_active.insert(out.next.active.begin(), out.next.active.end());
    outs.emplace_back(&previous[i].state, &out);
  }
  apply_and_record(target, to_register, to_deregister, still_active, outs, registered);

  // 5. Conditional saves, redoing a name that lost a race.
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto& out = result.names[i];
    if (!out.load_error.empty()) continue;  // degraded: never overwrite what could not be read
    const auto key = state_key(group.name, names[i].name);
    std::string version = previous[i].version;
    for (int round = 1;; ++round) {
      std::string new_version;
      error.clear();
      const auto saved = store.save_if(key, encode_state({.target_group = group.name, .name = names[i].name, .state = out.next}),
                                       version, new_version, error);
      if (saved == save_outcome::saved) break;
      if (saved == save_outcome::failed || round == max_save_rounds) {
        out.state_error = "cannot save state " + key + ": " +
                          (saved == save_outcome::failed ? error : "still conflicting after " + std::to_string(round) + " rounds");
        spdlog::error("discovery {}", out.state_error);
        break;
      }
      // Another controller wrote this key since we read it: start again from its state.
      spdlog::info("discovery {}: state changed by another writer; deciding again from it", key);
      auto theirs = load_previous(store, group.name, names[i]);
      if (!theirs.error.empty()) {
        out.state_error = theirs.error;
        break;
      }
      out.decision = decide(theirs.state, outcome_for(names[i], theirs), registered, options, now_unix_ms);
      out.next = out.decision.next;
      std::set<std::string> others_active;
      for (std::size_t j = 0; j < names.size(); ++j)
        if (j != i) others_active.insert(result.names[j].next.active.begin(), result.names[j].next.active.end());
      apply_and_record(target, out.decision.to_register, out.decision.to_deregister, others_active,
                       {{&theirs.state, &out}}, registered);
      version = theirs.version;
    }
  }
  return result;
}

}  // namespace staticgate::discovery

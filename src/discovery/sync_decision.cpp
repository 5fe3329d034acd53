#include "discovery/sync_decision.hpp"

#include <cmath>
#include <string>

namespace staticgate::discovery {
namespace {

// How many deregistrations one run may make out of `base` active addresses.
std::size_t deregistration_allowance(double fraction, std::size_t base) {
  if (std::isnan(fraction) || fraction <= 0.0) return 0;
  if (fraction >= 1.0) return base;
  return static_cast<std::size_t>(std::floor(fraction * static_cast<double>(base) + 1e-9));
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

sync_result decide(const sync_state& previous, const lookup_outcome& lookup,
                   const registered_view& registered, const sync_options& options,
                   std::int64_t now_unix_ms) {
  sync_result result;
  result.next = previous;
  result.next.runs = previous.runs + 1;

  // Rule 2: a failed or empty lookup changes nothing else.
  if (!lookup.ok || lookup.addresses.empty()) {
    result.changed_nothing_because_of_failure = true;
    result.warnings.push_back(
        !lookup.ok ? "lookup failed (" + (lookup.error.empty() ? std::string("no detail") : lookup.error) +
                         "): no change, miss counters not advanced"
                   : std::string("lookup answered no address: no change, miss counters not advanced"));
    return result;
  }

  const auto& seen = lookup.addresses;
  sync_state& next = result.next;
  if (lookup.complete) next.last_success_unix_ms = now_unix_ms;

  // Active before this run; pending keys count even if a hand-edited state forgot them in active.
  std::set<std::string> active_before = previous.active;
  for (const auto& [address, entry] : previous.pending) active_before.insert(address);

  // Rules 3 and 4.
  for (const auto& address : seen) {
    const bool is_new = !active_before.contains(address);
    if (registered.known ? !registered.addresses.contains(address) : is_new) {
      result.to_register.insert(address);
    }
    next.pending.erase(address);
  }
  next.active = active_before;
  next.active.insert(seen.begin(), seen.end());

  // Rule 2b.
  if (!lookup.complete) {
    result.warnings.push_back("some queries failed (" + (lookup.error.empty() ? std::string("no detail") : lookup.error) +
                              "): registered what was seen; miss counters not advanced");
    return result;
  }

  // Rule 5.
  for (const auto& address : active_before) {
    if (seen.contains(address)) continue;
    auto it = next.pending.try_emplace(address, pending_entry{.misses = 0, .first_missed_unix_ms = now_unix_ms}).first;
    if (it->second.misses < UINT32_MAX) ++it->second.misses;
  }

  // Rule 6.
  const std::uint32_t threshold = options.misses_before_deregistration == 0 ? 1 : options.misses_before_deregistration;
  std::set<std::string> candidates;
  for (const auto& [address, entry] : next.pending) {
    if (entry.misses >= threshold) candidates.insert(address);
  }
  if (candidates.empty()) return result;

  // Rule 7.
  if (!registered.known) {
    result.warnings.push_back("registered targets unknown: deferring deregistration of " +
                              std::to_string(candidates.size()) + " address(es) (" + join(candidates) + ")");
    return result;
  }

  // Rule 8.
  const std::size_t allowance = deregistration_allowance(options.max_deregistration_fraction, active_before.size());
  if (candidates.size() > allowance) {
    result.breaker_tripped = true;
    result.warnings.push_back("circuit breaker: " + std::to_string(candidates.size()) + " of " +
                              std::to_string(active_before.size()) + " active address(es) due for deregistration, " +
                              "more than the " + std::to_string(allowance) +
                              " allowed per run; deferring all, miss counters keep counting (" + join(candidates) +
                              ")");
    return result;
  }

  // Rule 9.
  for (const auto& address : candidates) {
    next.pending.erase(address);
    next.active.erase(address);
    if (registered.addresses.contains(address)) result.to_deregister.insert(address);
  }
  return result;
}

}  // namespace staticgate::discovery

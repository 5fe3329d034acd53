// DNS target sync as a pure decision (no I/O, no clock): given the state kept from the previous
// run, this run's lookup of the name, what is registered in the target group, the options and the
// current time, say what the next state is and which addresses to register and deregister. A
// separate component applies the result (data plane or ELBv2) and then persists `next`.
//
// Vocabulary. `active` is every address this sync has taken on and not yet deregistered; it
// includes the addresses in `pending`. `pending` holds the active addresses that were missing
// from recent successful lookups, with the number of consecutive successful runs they were
// missing in. Addresses are canonical IP strings (state_codec.hpp: canonical_ip()).
//
// Rules, in the order decide() applies them:
//  1. Every call counts: next.runs = previous.runs + 1.
//  2. Failure changes nothing. If the lookup failed (ok=false) or answered no address at all,
//     `next` equals `previous` except for runs; last_success_unix_ms is not updated, no miss
//     counter advances, nothing is registered or deregistered, a warning says why, and
//     changed_nothing_because_of_failure = true. (An empty answer for an ALB name is far more
//     likely a resolver or DNS outage than a real empty pool; acting on it would drain
//     everything, which is the failure the AWS recipe's "bail out" guards against.)
//  2b. Partial. If the lookup answered addresses but some of its queries failed (complete=false),
//     the seen addresses are taken on and registered (rules 3-4: new capacity is safe to add), but
//     no miss counter advances and nothing is deregistered: an address missing from a run with
//     failed queries may simply have been in an unanswered one. last_success_unix_ms is not
//     updated and a warning says why.
//  3. Otherwise last_success_unix_ms = now and every address in the answer becomes active and
//     leaves pending (seen again resets its counter to nothing).
//  4. Registration. With the registered targets known: register every seen address that is not
//     registered. That covers the newly seen ones and "drift" (an active address somebody
//     deregistered behind our back, or state lost). A newly seen address that is already
//     registered needs no call. With the registered targets unknown (reading them failed):
//     register the newly seen addresses (not in previous.active); registering is idempotent, so
//     this is safe, and new capacity is not held back by a failed read.
//  5. Misses. Every address active before this run and missing from the answer is pending with
//     misses + 1; on its first miss first_missed_unix_ms = now.
//  6. Candidates are pending addresses with misses >= misses_before_deregistration (a value of 0
//     is treated as 1: deregister at the first miss).
//  7. Registered targets unknown: no deregistration this run (we cannot tell what exists), all
//     candidates stay pending and keep counting; warning.
//  8. Circuit breaker. Base = the number of addresses active before this run
//     (previous.active, plus any pending key missing from it). At most
//     floor(max_deregistration_fraction * base) addresses may be deregistered in one run
//     (with a 1e-9 tolerance: 0.29 * 100 is 28.999... in binary but allows 29). If the candidates exceed
//     that, ALL deregistrations are deferred this run, the candidates stay pending and keep
//     counting, breaker_tripped = true and a warning gives the numbers. Removing exactly the
//     fraction is allowed (shrink by half with 0.5). A fraction >= 1 disables the breaker; a
//     negative or NaN one is treated as 0 (every deregistration needs an operator).
//  9. Deregistration. The candidates leave active and pending. Those in the (known) registered
//     set go to to_deregister; a candidate the registered set does not contain is already gone
//     and is only dropped from the state. Both kinds count towards the breaker in rule 8.
// 10. Targets registered by someone else (in `registered` but never active here) are left
//     alone: never deregistered, never adopted unless DNS answers them (then rule 4 applies:
//     already registered, so no call, but they become active and are managed from then on).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace staticgate::discovery {

struct sync_options {
  std::uint32_t misses_before_deregistration = 3;
  double max_deregistration_fraction = 0.5;
};

struct pending_entry {
  std::uint32_t misses = 0;
  std::int64_t first_missed_unix_ms = 0;

  friend bool operator==(const pending_entry&, const pending_entry&) = default;
};

struct sync_state {
  std::set<std::string> active;                  // includes the pending addresses
  std::map<std::string, pending_entry> pending;  // subset of active
  std::int64_t last_success_unix_ms = 0;
  std::uint64_t runs = 0;

  friend bool operator==(const sync_state&, const sync_state&) = default;
};

// ok=false: the lookup failed (any typed failure: timeout, SERVFAIL, NXDOMAIN, ...).
struct lookup_outcome {
  bool ok = false;
  std::set<std::string> addresses;  // union over this run's repeated queries
  std::string error;
  bool complete = true;  // false: some of the run's queries failed (rule 2b); `error` says which
};

// known=false: reading the registered targets failed; never treated as an empty set.
struct registered_view {
  bool known = false;
  std::set<std::string> addresses;
};

struct sync_result {
  sync_state next;
  std::set<std::string> to_register;
  std::set<std::string> to_deregister;
  std::vector<std::string> warnings;
  bool breaker_tripped = false;
  bool changed_nothing_because_of_failure = false;
};

// Pure and deterministic; does not throw except std::bad_alloc.
sync_result decide(const sync_state& previous, const lookup_outcome& lookup,
                   const registered_view& registered, const sync_options& options,
                   std::int64_t now_unix_ms);

}  // namespace staticgate::discovery

// sync_state (sync_decision.hpp) as schema-versioned JSON, for a state_store:
//   {"schema":1, "target_group":"...", "name":"...",
//    "active":["10.0.0.1", ...],
//    "pending":{"10.0.0.2":{"misses":2,"first_missed_unix_ms":1700000000000}},
//    "last_success_unix_ms":1700000000000, "runs":42}
// decode_state() validates everything and never throws: schema must be the integer 1; strings
// are strings; addresses are canonical IPv4/IPv6 text (canonical_ip() returns them unchanged)
// and unique; pending keys are in active; misses is an integer in 1..2^32-1; runs and the
// timestamps are non-negative integers (runs up to 2^64-1, timestamps up to 2^63-1). Unknown
// members are ignored (a later schema that only adds members stays readable).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "discovery/sync_decision.hpp"

namespace staticgate::discovery {

inline constexpr int state_schema_version = 1;

struct stored_state {
  std::string target_group;  // which target group and DNS name the state belongs to,
  std::string name;          // so a state file copied to the wrong key is detected
  sync_state state;
};

// inet_pton then inet_ntop: the canonical text of an IPv4 or IPv6 address, or nullopt.
std::optional<std::string> canonical_ip(std::string_view text);

// Never throws except std::bad_alloc; invalid UTF-8 in the strings is replaced by U+FFFD.
std::string encode_state(const stored_state& stored);

// nullopt with `error` saying what is wrong and where ("pending[\"10.0.0.2\"].misses: ...").
std::optional<stored_state> decode_state(std::string_view bytes, std::string& error);

}  // namespace staticgate::discovery

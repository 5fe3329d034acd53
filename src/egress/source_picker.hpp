// Which local address an outbound connection leaves from (pure). The configured
// source_addresses are tried in an order that depends on the selection mode; the caller tries
// them in turn, skipping one the host no longer has.
//   round_robin:      each connection starts one further along the list.
//   per_user:         the user's pinned address first, then round robin over the rest.
//   destination_hash: sticky per destination host (FNV-1a of the name), so a vendor that pins
//                     sessions to the caller's address always sees the same one.
// Only addresses of the destination's family are returned; none configured at all means "let
// the kernel choose" (has_sources() is false).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/egress_model.hpp"
#include "egress/ip_prefix.hpp"

namespace staticgate::egress {

class source_picker {
 public:
  source_picker() = default;
  source_picker(std::vector<ip_address> addresses, config::source_selection mode,
                std::map<std::string, ip_address, std::less<>> pinned);

  bool has_sources() const { return !addresses_.empty(); }
  bool has_family(bool v6) const;
  // Whether order() for this user consults the round-robin turn (a pinned user or a
  // destination hash does not), so callers advance their counter only when it does: otherwise
  // pinned users' connections would skew the rotation of everyone else's.
  bool uses_turn(std::string_view user) const;

  // The addresses of the family to try, best first. `turn` is the caller's round-robin counter.
  std::vector<ip_address> order(std::string_view user, std::string_view destination_host, bool v6,
                                std::uint64_t turn) const;

 private:
  std::vector<ip_address> addresses_;
  config::source_selection mode_ = config::source_selection::round_robin;
  std::map<std::string, ip_address, std::less<>> pinned_;
};

}  // namespace staticgate::egress

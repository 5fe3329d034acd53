// A target group outside this process that a discovery group keeps in sync: an AWS NLB target
// group (aws/elbv2_target_group.hpp), or a fake in tests. Calls block; they run on the
// discovery's worker thread (external_group_sync.hpp), never on an event loop.
#pragma once

#include <set>
#include <string>

#include "discovery/sync_decision.hpp"

namespace staticgate::discovery {

struct external_apply_result {
  std::set<std::string> registered;    // addresses the register call accepted
  std::set<std::string> deregistered;  // addresses the deregister call accepted
  std::string register_error;          // the register call failed: none of its addresses is in `registered`
  std::string deregister_error;
};

class external_target_group {
 public:
  virtual ~external_target_group() = default;

  // For logs and reports: the target group ARN.
  virtual std::string where() const = 0;

  // The addresses registered at the discovery port now. A failed read is known = false with
  // `error` set: "unknown, change nothing", never "empty".
  virtual registered_view registered(std::string& error) = 0;

  // At most one call registering every address of `to_register` and one deregistering every
  // address of `to_deregister` (either may be empty: no call).
  virtual external_apply_result apply(const std::set<std::string>& to_register,
                                      const std::set<std::string>& to_deregister) = 0;
};

}  // namespace staticgate::discovery

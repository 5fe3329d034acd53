// What the admin API may ask of the running gateway. ingress::server
// implements it; the admin module depends only on this.
#pragma once

#include <string>

#include "ingress/snapshot.hpp"

namespace staticgate::ingress {

class control {
 public:
  virtual ~control() = default;
  // Thread-safe.
  virtual gateway_snapshot snapshot() const = 0;
  // Takes a target out of (drained = true) or back into rotation by hand: no
  // new connections while drained; established ones continue. Thread-safe.
  // False when the group or target does not exist.
  virtual bool set_drained(const std::string& group, const std::string& target_address, bool drained) = 0;
  // Re-reads the config file and applies it (as SIGHUP does). Returns "" when
  // applied, else the errors (the running config is then unchanged). Thread-safe.
  virtual std::string reload() { return "reload is not available"; }
};

}  // namespace staticgate::ingress

// What a discovery controller talks to besides DNS, chosen by the caller (apps/staticgate wires
// AWS mode in through aws/discovery_backends.hpp, so discovery itself knows nothing of AWS).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "discovery/controller.hpp"
#include "discovery/state_store.hpp"

namespace staticgate::discovery {

struct backends {
  std::unique_ptr<state_store> store;         // nullptr: files in [global] state_dir
  external_target_factory external_targets;   // empty: only the built-in ingress
  std::function<void(const run_report&)> observer;  // empty: none (called on a worker thread)
  std::string store_description;              // "s3://bucket/prefix", for logs; "" for files
};

}  // namespace staticgate::discovery

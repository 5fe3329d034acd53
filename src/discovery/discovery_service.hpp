// DNS discovery inside `staticgate run`: the controller on a thread and loop of its own (lookups
// and state-file fsyncs never delay health checks or the data plane), its file state store, and
// the hand-over of results through two thread-safe callbacks (the ingress server's).
#pragma once

#include <memory>
#include <thread>

#include "config/model.hpp"
#include "discovery/backends.hpp"
#include "discovery/controller.hpp"
#include "discovery/file_state_store.hpp"
#include "net/event_loop.hpp"

namespace staticgate::discovery {

class discovery_service {
 public:
  // Creates state_dir and loads every (group, name) state. Throws std::runtime_error when
  // state_dir cannot be created; an unreadable state is reported and degrades only its pair.
  // `with`: a shared state store, external target groups, an observer (AWS mode); by default
  // the files of state_dir and the built-in ingress only.
  discovery_service(const config::config& cfg, controller::apply_fn apply, controller::status_fn status,
                    backends with = {});
  ~discovery_service();  // stop()s
  discovery_service(const discovery_service&) = delete;
  discovery_service& operator=(const discovery_service&) = delete;

  // The targets the saved state holds, for the data plane's first generation. Before start().
  discovered_addresses restored() const { return controller_->discovered(); }
  void start();
  // A reloaded config: new pairs load their state, removed ones are forgotten. Thread-safe.
  void reconfigure(const config::config& cfg);
  void stop();

 private:
  net::event_loop loop_;
  std::unique_ptr<state_store> store_;
  std::unique_ptr<controller> controller_;
  std::thread thread_;
};

}  // namespace staticgate::discovery

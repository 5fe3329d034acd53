#include "discovery/discovery_service.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "discovery/cares_resolvers.hpp"
#include "discovery/sync_command.hpp"

namespace staticgate::discovery {

namespace {

std::unique_ptr<state_store> store_for(const config::config& cfg, backends& with) {
  if (with.store) {
    spdlog::info("discovery state in {}", with.store_description);
    return std::move(with.store);
  }
  if (auto problem = prepare_state_dir(cfg.global.state_dir); !problem.empty()) throw std::runtime_error(problem);
  return std::make_unique<file_state_store>(cfg.global.state_dir);
}

}  // namespace

discovery_service::discovery_service(const config::config& cfg, controller::apply_fn apply,
                                     controller::status_fn status, backends with)
    : store_(store_for(cfg, with)),
      controller_(std::make_unique<controller>(loop_, *store_, cares_resolver_factory(loop_), std::move(apply),
                                               std::move(status), controller::options{})) {
  if (with.external_targets) controller_->set_external_targets(std::move(with.external_targets));
  if (with.observer) controller_->set_run_observer(std::move(with.observer));
  controller_->configure(cfg);
}

discovery_service::~discovery_service() { stop(); }

void discovery_service::start() {
  thread_ = std::thread([this] {
    controller_->start();
    try {
      loop_.run();
    } catch (const std::exception& e) {
      spdlog::critical("discovery loop failed: {}", e.what());
      std::terminate();
    }
  });
}

void discovery_service::reconfigure(const config::config& cfg) {
  loop_.post([this, cfg] { controller_->configure(cfg); });
}

void discovery_service::stop() {
  if (!controller_) return;
  loop_.stop();
  if (thread_.joinable()) thread_.join();
  controller_.reset();  // the loop is idle: safe from this thread
  loop_.destroy_retired();
}

}  // namespace staticgate::discovery

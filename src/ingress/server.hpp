// The ingress data plane as a whole: builds the shared snapshots, opens one
// SO_REUSEPORT socket per (worker, bind address), and runs the workers.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/model.hpp"
#include "ingress/health/group_checker.hpp"
#include "ingress/control.hpp"
#include "ingress/listener.hpp"
#include "ingress/target_group.hpp"
#include "ingress/worker.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

class server final : public control {
 public:
  // Opens every listening socket; throws std::runtime_error naming the listener
  // and address when one cannot be bound, before any worker starts.
  server(const config::config& cfg, unsigned workers);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server();

  void start();
  // Graceful shutdown, first step: every listening socket closes; established
  // connections go on. Thread-safe.
  void stop_accepting();
  std::uint64_t active_connections() const;
  void stop();  // stops accepting and closes every connection; returns when the workers are gone

  std::size_t worker_count() const { return workers_.size(); }

  gateway_snapshot snapshot() const override;
  bool set_drained(const std::string& group, const std::string& target_address, bool drained) override;

 private:
  std::vector<std::shared_ptr<const target_group_snapshot>> groups_;
  std::vector<std::unique_ptr<listener_shared>> listeners_;
  std::vector<config::listener> listener_configs_;
  std::vector<health::group_checker*> checker_of_group_;  // null: not health checked
  mutable std::mutex drained_mutex_;
  std::vector<std::vector<bool>> drained_;  // [group][target], admin thread
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  net::unique_fd connection_log_;  // declared before workers_: they borrow it
  // The control thread: health checking (later: discovery, admin API).
  net::event_loop control_;
  std::thread control_thread_;
  std::vector<std::unique_ptr<health::group_checker>> checkers_;
  std::vector<std::unique_ptr<worker>> workers_;  // destroyed first: they post to control_
};

}  // namespace staticgate::ingress

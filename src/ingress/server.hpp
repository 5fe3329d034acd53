// The ingress data plane as a whole: builds the shared snapshots, opens one
// SO_REUSEPORT socket per (worker, bind address), and runs the workers.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/model.hpp"
#include "discovery/discovered_targets.hpp"
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
  // `discovered`: targets DNS discovery restored from its state, in place from the start.
  server(const config::config& cfg, unsigned workers, discovery::discovered_addresses discovered = {});
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

  // Applies a validated config to the running gateway without dropping any
  // established connection: new listeners open, removed ones stop accepting,
  // target groups are rebuilt, and connections to targets that left a group
  // drain for its deregistration_delay. Throws std::runtime_error (and changes
  // nothing) when a new address cannot be bound. Main thread.
  void reload(const config::config& next);
  // DNS discovery's result: each discovery group's targets become its static ones plus these
  // addresses (discovered_targets.hpp). Applied like a reload: new targets get connections at
  // once, removed ones drain for deregistration_delay. No-op when nothing changed. Thread-safe.
  void set_discovered(const discovery::discovered_addresses& discovered);
  // Adds what other parts of the process (the egress proxy) contribute to snapshot(). Set
  // before the admin endpoint starts.
  void set_snapshot_extension(std::function<void(gateway_snapshot&)> extend) { extend_snapshot_ = std::move(extend); }
  // What /metrics and the API show of discovery. Thread-safe.
  void set_discovery_status(std::vector<discovery_name_snapshot> status);
  // What control::reload() runs: reads the config and calls reload(next).
  using reload_handler = std::function<std::string()>;
  void set_reload_handler(reload_handler handler) { reload_handler_ = std::move(handler); }
  std::string reload() override { return reload_handler_ ? reload_handler_() : "reload is not available"; }

 private:
  // Builds and applies a generation; initial: before the workers run.
  void apply(const config::config& cfg, bool initial, bool announce = true);
  void install_health_checks(const config::config& cfg, std::uint64_t generation);

  reload_handler reload_handler_;
  std::function<void(gateway_snapshot&)> extend_snapshot_;
  config::config base_config_;  // the last config applied, before discovered targets are added
  discovery::discovered_addresses discovered_;
  std::vector<discovery_name_snapshot> discovery_status_;  // guarded by state_mutex_
  unsigned worker_count_;
  config::forwarding_mode forwarding_;
  std::uint64_t generation_ = 0;
  std::mutex reload_mutex_;
  // What the admin thread reads, guarded by state_mutex_.
  mutable std::mutex state_mutex_;
  std::vector<std::shared_ptr<const target_group_snapshot>> groups_;
  std::vector<std::shared_ptr<listener_shared>> listeners_;
  // Listeners a reload removed, while connections they accepted are still open (those hold
  // the shared_ptr): active_connections() must count them, or a shutdown would not wait.
  std::vector<std::weak_ptr<listener_shared>> removed_listeners_;
  std::vector<config::listener> listener_configs_;
  std::vector<std::shared_ptr<health::group_checker>> checker_of_group_;  // null: not health checked
  std::vector<std::vector<bool>> drained_;  // [group][target], set by hand
  // Per worker, main thread only: each target's counters by "group/ip:port", so
  // they survive reloads.
  std::vector<std::map<std::string, std::shared_ptr<target_stats>>> stats_registry_;
  // Per worker: counters of targets a reload removed, while connections to them
  // drain ("group/ip:port"); guarded by state_mutex_.
  std::vector<std::map<std::string, std::weak_ptr<target_stats>>> draining_stats_;
  std::map<std::string, std::size_t> open_binds_;  // address -> listener index (current)
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  net::unique_fd connection_log_;  // declared before workers_: they borrow it
  // The control thread: health checking (later: discovery, admin API).
  net::event_loop control_;
  std::thread control_thread_;
  std::vector<std::shared_ptr<health::group_checker>> checkers_;
  std::vector<std::unique_ptr<worker>> workers_;  // destroyed first: they post to control_
};

}  // namespace staticgate::ingress

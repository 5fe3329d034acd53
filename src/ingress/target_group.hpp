// A target group as the data plane sees it: an immutable snapshot shared by all
// workers (Envoy's shape: the main thread builds it, workers only read it), and
// a per-worker picker that owns the worker's balancer state.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "ingress/lb/balancer.hpp"
#include "ingress/stats.hpp"
#include "net/endpoint.hpp"

namespace staticgate::ingress {

struct target_group_snapshot {
  std::string name;
  std::vector<net::endpoint> targets;
  std::vector<std::uint32_t> weights;
  std::vector<std::string> keys;  // "ip:port", stable identity for consistent hashing
  std::chrono::milliseconds connect_timeout{};
  std::uint32_t connect_retries = 0;
  std::chrono::milliseconds deregistration_delay{};
  lb::balancer_options balancing;
  config::proxy_protocol_mode proxy_protocol = config::proxy_protocol_mode::off;

  static std::shared_ptr<const target_group_snapshot> from_config(const config::target_group& group);
};

// One per (worker, group). Not thread-safe: used only by its worker.
class target_picker {
 public:
  // stats[i]: target i's counters, shared with the previous generation's picker
  // when the target survives a reload; empty: fresh counters.
  explicit target_picker(std::shared_ptr<const target_group_snapshot> group,
                         std::vector<std::shared_ptr<target_stats>> stats = {});

  const target_group_snapshot& group() const { return *group_; }
  // A target not in `tried`, or nullopt when every target has been tried.
  std::optional<std::size_t> pick(std::uint64_t client_key, std::span<const std::uint16_t> tried);
  void on_open(std::size_t target) { balancer_->on_connection_open(target); }
  // The last health verdict published for target i (true when not health checked).
  bool healthy(std::size_t target) const { return target < healthy_set_.size() && healthy_set_[target]; }
  void on_close(std::size_t target) { balancer_->on_connection_close(target); }

  // Health checking's verdict: which targets may get new connections.
  void set_healthy_set(const std::vector<bool>& eligible);
  // Taken out by hand (admin API).
  void set_drained(std::size_t target, bool drained);
  bool eligible(std::size_t target) const { return eligible_[target]; }

  // This worker's statistics for target i (single writer: this worker).
  target_stats& stats(std::size_t target) { return *stats_[target]; }
  const target_stats& stats(std::size_t target) const { return *stats_[target]; }
  const std::shared_ptr<target_stats>& stats_ptr(std::size_t target) const { return stats_[target]; }

  // Passive health: real traffic's connect outcomes go to the health checker
  // (on another thread) through `reporter`. To keep the hot path free of
  // cross-thread traffic, successes are reported only after a failure.
  using connect_reporter = std::function<void(std::size_t target, bool success)>;
  void set_connect_reporter(connect_reporter reporter) { reporter_ = std::move(reporter); }
  void report_connect(std::size_t target, bool success) {
    if (!reporter_) return;
    if (success && !failing_[target]) return;
    failing_[target] = !success;
    reporter_(target, success);
  }

 private:
  std::shared_ptr<const target_group_snapshot> group_;
  std::unique_ptr<lb::balancer> balancer_;
  void recompute_eligible();

  std::vector<bool> healthy_set_;  // from health checking; all true without it
  std::vector<bool> drained_;
  std::vector<bool> eligible_;     // healthy_set_ and not drained_
  std::vector<bool> available_;  // eligible_ minus the targets tried (scratch)
  std::vector<bool> failing_;    // per target: a connect failed since the last success
  connect_reporter reporter_;
  std::vector<std::shared_ptr<target_stats>> stats_;
};

}  // namespace staticgate::ingress

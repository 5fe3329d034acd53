// Health checking for one target group, on the control thread: one probe and
// one health_state per target, probes spread over the interval with jitter, and
// passive reports from the workers. Whenever the set of eligible targets
// changes it is published (to the workers' pickers, by the server).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "ingress/health/check_schedule.hpp"
#include "ingress/health/health_state.hpp"
#include "ingress/health/http_probe_codec.hpp"
#include "ingress/health/probe.hpp"
#include "ingress/target_group.hpp"
#include "net/event_loop.hpp"

namespace staticgate::health {

class group_checker {
 public:
  using publish_fn = std::function<void(std::vector<bool> eligible)>;

  // Throws std::invalid_argument for settings the config loader should have refused.
  group_checker(net::event_loop& loop, std::shared_ptr<const ingress::target_group_snapshot> group,
                const config::health_check& settings, publish_fn publish);
  group_checker(const group_checker&) = delete;
  group_checker& operator=(const group_checker&) = delete;

  // Takes over the health of targets that `previous` (the same group before a
  // reload) also checked, so a reload neither forgets an unhealthy target nor
  // makes a healthy one prove itself again. Before start(); loop thread.
  void adopt(const group_checker& previous);
  const std::string& group_name() const { return group_->name; }

  // Schedules the first probes and publishes the initial eligible set. Loop thread.
  void start();
  // Real traffic's connect outcome for a target (from a worker, via post). Loop thread.
  void report_connect(std::size_t target, bool success);

  std::vector<health_status> statuses() const;  // loop thread
  // Thread-safe views of the last published state (for the admin API).
  bool healthy(std::size_t target) const { return healthy_flags_[target].load(std::memory_order_relaxed); }
  bool eligible(std::size_t target) const { return eligible_flags_[target].load(std::memory_order_relaxed); }

 private:
  struct target_check final : net::timer {
    target_check(group_checker& o, std::size_t i, const health_options& options)
        : owner(o), index(i), state(options), prober(o.loop_) {}
    void on_timer() override { owner.run_probe(*this); }
    group_checker& owner;
    std::size_t index;
    health_state state;
    probe prober;
  };

  void run_probe(target_check& check);
  void on_result(target_check& check, std::optional<probe_failure> failure);
  void apply(target_check& check, const std::optional<health_transition>& change);
  void publish_if_changed();

  net::event_loop& loop_;
  std::shared_ptr<const ingress::target_group_snapshot> group_;
  const config::health_check settings_;
  status_ranges accepted_;
  check_schedule schedule_;
  std::vector<std::unique_ptr<target_check>> checks_;
  std::vector<std::string> probe_bytes_;  // per target: PROXY header + HTTP request
  publish_fn publish_;
  std::vector<bool> published_;
  std::unique_ptr<std::atomic<bool>[]> healthy_flags_;
  std::unique_ptr<std::atomic<bool>[]> eligible_flags_;
  bool failed_open_ = false;
};

}  // namespace staticgate::health

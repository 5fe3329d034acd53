// DNS discovery for every target group with a [target_group.discovery.dns]: on a schedule (or
// once, for `staticgate sync --once`), look each name up (lookups of the same name with the same
// settings are shared between groups), decide (sync_decision.hpp), persist the state per
// (group, name) in a state_store, and hand the groups' discovered addresses to `apply`.
//
// Runs on one event loop (the gateway's control thread, or a loop of its own for sync --once):
// every member is loop-thread only, except configure() and discovered() before the loop runs.
//
// State. Each (group, name) state is loaded once, when the pair first appears, and kept in
// memory; every run saves it (unless dry_run). A state that cannot be read (corrupt file, I/O
// error) is reported on every run and the pair runs degraded until a load succeeds: it registers
// what DNS answers, never deregisters, and never overwrites the file, so nothing is lost and the
// operator can inspect it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "discovery/blocking_worker.hpp"
#include "discovery/discovered_targets.hpp"
#include "discovery/external_target_group.hpp"
#include "discovery/name_lookup.hpp"
#include "discovery/state_store.hpp"
#include "discovery/sync_decision.hpp"
#include "dns/authoritative_servers.hpp"
#include "dns/resolver.hpp"
#include "ingress/snapshot.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"

namespace staticgate::discovery {

// One (group, name) of one run.
struct name_run {
  std::string target_group;
  std::string name;
  lookup_report lookup;
  sync_result decision;
  std::string state_error;  // loading or saving the state failed
  std::string target_error;  // reading or changing the external target group failed
};

struct run_report {
  std::vector<name_run> names;
  // A lookup failed, state could not be read or written, or the external target group could
  // not be read or changed.
  bool any_failure() const;
};

// The external target group a discovery group also feeds (its [target_group.discovery.aws]),
// or nullptr. Called at configure().
using external_target_factory = std::function<std::shared_ptr<external_target_group>(const config::target_group&)>;

// Makes the resolver for a set of servers ("ip:port"; empty: the system's). Tests pass fakes.
using resolver_factory = std::function<std::unique_ptr<dns::resolver>(const config::dns_discovery&)>;

class controller {
 public:
  using apply_fn = std::function<void(const discovered_addresses&)>;
  using status_fn = std::function<void(std::vector<ingress::discovery_name_snapshot>)>;

  struct options {
    bool dry_run = false;  // decide and report, but neither save state nor apply
  };

  controller(net::event_loop& loop, state_store& store, resolver_factory resolvers, apply_fn apply,
             status_fn status, options opts);

  // Groups with an external target group run their AWS calls on a worker thread of the
  // controller's. Set before configure().
  void set_external_targets(external_target_factory factory) { make_external_ = std::move(factory); }
  // Called on that worker thread after every run (CloudWatch figures); may block.
  void set_run_observer(std::function<void(const run_report&)> observer) { observer_ = std::move(observer); }
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  // The discovery groups of `cfg`; state of pairs not seen before is loaded now. Pairs that left
  // the config are forgotten (their files stay). Call before the loop runs, or on the loop.
  void configure(const config::config& cfg);
  // Each discovery group's active addresses, from the state (restored or current).
  discovered_addresses discovered() const;

  // Periodic runs, the first at once; each schedule class (same interval and jitter) runs
  // together so groups watching one name share its lookups.
  void start();
  void stop();
  // One run of every discovery group now; `done` on the loop thread.
  void run_once(std::function<void(const run_report&)> done);

 private:
  struct pair_state;
  struct schedule_class;
  struct run_in_progress;

  void run_groups(const std::vector<std::string>& groups, std::function<void(const run_report&)> done);
  void finish(run_in_progress& run);
  void complete(run_in_progress& run, run_report report);
  // The figures and log lines of one (group, name) run.
  void record(pair_state& pair, name_run& result);
  void load_state(pair_state& pair);
  void publish_status();
  dns::resolver& resolver_for(const config::dns_discovery& settings);
  // authoritative = true: the zone's own servers (cached for their TTL), then the lookup.
  void start_lookup(const std::string& name, const config::dns_discovery& d, name_lookup::callback done);
  void with_authoritative_servers(const std::string& name, const config::dns_discovery& d,
                                  std::function<void(std::error_code, std::vector<std::string>)> done);
  void arm(schedule_class& cls, bool first);

  net::event_loop& loop_;
  state_store& store_;
  resolver_factory make_resolver_;
  apply_fn apply_;
  status_fn status_;
  const options options_;
  std::vector<config::target_group> groups_;  // discovery groups only
  std::map<std::string, std::unique_ptr<pair_state>> pairs_;  // by state key
  std::map<std::string, std::unique_ptr<dns::resolver>> resolvers_;  // by server set and timeouts
  struct authoritative_cache {
    std::vector<std::string> servers;
    net::clock::time_point expires;
  };
  std::map<std::string, authoritative_cache> authoritative_;  // by name and bootstrap settings
  std::map<std::string, std::unique_ptr<dns::authoritative_finder>> finders_;  // by bootstrap resolver key
  std::vector<std::shared_ptr<schedule_class>> classes_;
  std::vector<std::shared_ptr<run_in_progress>> runs_;
  bool running_ = false;
  external_target_factory make_external_;
  std::map<std::string, std::shared_ptr<external_target_group>> externals_;  // by group
  std::function<void(const run_report&)> observer_;
  // Posted results check this first: the controller may be gone by the time they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<blocking_worker> worker_;  // made when first needed; destroyed first
};

// The state_store key of a (group, name): "group/name".
std::string state_key(const std::string& group, const std::string& name);

}  // namespace staticgate::discovery

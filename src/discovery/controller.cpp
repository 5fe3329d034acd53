#include "discovery/controller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "discovery/external_group_sync.hpp"
#include "discovery/state_codec.hpp"

namespace staticgate::discovery {

struct controller::pair_state {
  std::string group;
  std::string name;
  sync_state state;
  bool loaded = false;
  std::string load_error;  // non-empty: degraded (see the header)
  ingress::discovery_name_snapshot status;
};

struct controller::schedule_class {
  config::duration interval;
  double jitter;
  std::vector<std::string> groups;
  std::function<void()> on_fire;
  net::callback_timer<std::function<void()>> timer;
  bool busy = false;
  schedule_class(config::duration i, double j) : interval(i), jitter(j), timer([this] { on_fire(); }) {}
};

struct controller::run_in_progress {
  std::vector<std::string> groups;
  std::map<std::string, lookup_report> lookups;  // by lookup key
  std::size_t outstanding = 0;
  std::function<void(const run_report&)> done;
};

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string resolver_key(const config::dns_discovery& d) {
  std::string key;
  for (const auto& s : d.name_servers) key += s + ",";
  return key + "|" + std::to_string(d.query_timeout.count()) + "|" + std::to_string(d.query_tries);
}

// Groups asking the same name the same way share one lookup per run.
std::string lookup_key(const std::string& name, const config::dns_discovery& d) {
  return name + "|" + (d.ipv4 ? "4" : "") + (d.ipv6 ? "6" : "") + "|" + resolver_key(d) + "|" +
         (d.authoritative ? "authoritative:" + std::to_string(d.authoritative_port) + "|" : std::string()) +
         std::to_string(d.max_lookups) + "|" + std::to_string(d.parallel_lookups) + "|" + std::to_string(d.answer_size);
}

name_lookup_options lookup_options(const config::dns_discovery& d) {
  name_lookup_options o;
  o.ipv4 = d.ipv4;
  o.ipv6 = d.ipv6;
  o.stopping.answer_size = d.answer_size;
  o.stopping.max_lookups = d.max_lookups;
  o.stopping.batch_size = d.parallel_lookups;
  return o;
}

std::string join(const std::set<std::string>& items, std::size_t limit = 8) {
  std::string out;
  std::size_t n = 0;
  for (const auto& item : items) {
    if (n++ == limit) return out + ", ... (" + std::to_string(items.size()) + " in all)";
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

}  // namespace

std::string state_key(const std::string& group, const std::string& name) { return group + "/" + name; }

bool run_report::any_failure() const {
  return std::any_of(names.begin(), names.end(), [](const name_run& n) {
    return n.decision.changed_nothing_because_of_failure || !n.lookup.outcome.complete || !n.state_error.empty() ||
           !n.target_error.empty();
  });
}

controller::controller(net::event_loop& loop, state_store& store, resolver_factory resolvers, apply_fn apply,
                       status_fn status, options opts)
    : loop_(loop),
      store_(store),
      make_resolver_(std::move(resolvers)),
      apply_(std::move(apply)),
      status_(std::move(status)),
      options_(opts) {}

controller::~controller() {
  worker_.reset();  // waits for a running AWS job; its posted result finds alive_ gone
  alive_.reset();
  classes_.clear();
  runs_.clear();
  finders_.clear();
  resolvers_.clear();  // pending callbacks are dropped, not called
}

void controller::configure(const config::config& cfg) {
  groups_.clear();
  std::map<std::string, std::unique_ptr<pair_state>> pairs;
  for (const auto& g : cfg.target_groups) {
    if (!g.discovery) continue;
    groups_.push_back(g);
    for (const auto& name : g.discovery->names) {
      const auto key = state_key(g.name, name);
      if (auto it = pairs_.find(key); it != pairs_.end()) {
        pairs[key] = std::move(it->second);
        continue;
      }
      auto pair = std::make_unique<pair_state>();
      pair->group = g.name;
      pair->name = name;
      pair->status.target_group = g.name;
      pair->status.name = name;
      load_state(*pair);
      pairs[key] = std::move(pair);
    }
  }
  pairs_ = std::move(pairs);
  externals_.clear();
  for (const auto& g : groups_) {
    if (!g.aws || !make_external_) continue;
    if (auto target = make_external_(g)) {
      externals_[g.name] = std::move(target);
      for (auto& [key, pair] : pairs_)
        if (pair->group == g.name) pair->status.external_target = g.aws->target_group_arn;
    }
  }
  if (!externals_.empty() && !worker_) worker_ = std::make_unique<blocking_worker>();
  if (running_) {
    stop();
    start();
  }
  publish_status();
}

void controller::load_state(pair_state& pair) {
  std::string error;
  const auto key = state_key(pair.group, pair.name);
  auto bytes = store_.load(key, error);
  if (!bytes) {
    if (error.empty()) {  // first run: nothing saved yet
      pair.loaded = true;
      pair.load_error.clear();
    } else {
      pair.load_error = "cannot read state " + key + ": " + error;
    }
  } else if (auto stored = decode_state(*bytes, error)) {
    if (stored->target_group != pair.group || stored->name != pair.name) {
      pair.load_error = "state " + key + " belongs to target group \"" + stored->target_group + "\", name \"" +
                        stored->name + "\"";
    } else {
      pair.state = stored->state;
      pair.loaded = true;
      pair.load_error.clear();
      spdlog::info("discovery {}: resumed from saved state ({} active, {} pending, {} runs)", key,
                   pair.state.active.size(), pair.state.pending.size(), pair.state.runs);
    }
  } else {
    pair.load_error = "state " + key + " is corrupt: " + error;
  }
  if (!pair.load_error.empty()) {
    spdlog::error("discovery {}; registering what DNS answers, deregistering nothing and leaving the file alone "
                  "until it reads back (fix or remove it)",
                  pair.load_error);
  }
  pair.status.state_error = pair.load_error;
  pair.status.addresses = pair.state.active.size();
  pair.status.pending = pair.state.pending.size();
  pair.status.last_success_unix_ms = pair.state.last_success_unix_ms;
}

discovered_addresses controller::discovered() const {
  discovered_addresses out;
  for (const auto& g : groups_) out[g.name];
  for (const auto& [key, pair] : pairs_) out[pair->group].insert(pair->state.active.begin(), pair->state.active.end());
  return out;
}

dns::resolver& controller::resolver_for(const config::dns_discovery& settings) {
  auto& slot = resolvers_[resolver_key(settings)];
  if (!slot) slot = make_resolver_(settings);
  return *slot;
}

void controller::start_lookup(const std::string& name, const config::dns_discovery& d, name_lookup::callback done) {
  if (!d.authoritative) {
    name_lookup::start(loop_, resolver_for(d), name, lookup_options(d), std::move(done));
    return;
  }
  const auto started = net::clock::now();
  with_authoritative_servers(name, d, [this, name, d, started, done = std::move(done)](
                                          std::error_code ec, std::vector<std::string> servers) {
    if (ec) {
      lookup_report failed;
      failed.outcome.ok = false;
      failed.outcome.complete = false;
      failed.outcome.error = "finding the authoritative servers failed: " + ec.message();
      failed.failures["authoritative_" + failure_kind(ec)] = 1;
      failed.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(net::clock::now() - started);
      done(failed);
      return;
    }
    config::dns_discovery direct = d;
    direct.authoritative = false;
    direct.name_servers = std::move(servers);
    name_lookup::start(loop_, resolver_for(direct), name, lookup_options(direct), done);
  });
}

// The recipe's first step: the NS of the name's parent zone, through the bootstrap resolver
// (name_servers, or the system's); kept for the answers' TTL, at least 30 s and at most 1 h.
void controller::with_authoritative_servers(const std::string& name, const config::dns_discovery& d,
                                            std::function<void(std::error_code, std::vector<std::string>)> done) {
  const auto bootstrap_key = resolver_key(d);
  const auto cache_key = name + "|" + bootstrap_key + "|" + std::to_string(d.authoritative_port) +
                         (d.ipv4 ? "4" : "") + (d.ipv6 ? "6" : "");
  if (auto it = authoritative_.find(cache_key); it != authoritative_.end() && it->second.expires > net::clock::now())
    return done({}, it->second.servers);
  config::dns_discovery bootstrap = d;
  bootstrap.authoritative = false;
  auto& finder = finders_[bootstrap_key];
  if (!finder) finder = std::make_unique<dns::authoritative_finder>(resolver_for(bootstrap));
  const dns::authoritative_options asked{.ipv4 = d.ipv4, .ipv6 = d.ipv6, .port = d.authoritative_port};
  finder->find(name, asked, [this, cache_key, name, done = std::move(done)](std::error_code ec,
                                                                              dns::authoritative_servers found) {
    if (ec) {
      spdlog::warn("discovery {}: cannot find the authoritative servers: {}", name, ec.message());
      return done(ec, {});
    }
    const auto ttl = std::clamp<std::uint32_t>(found.ttl_seconds, 30, 3600);
    authoritative_[cache_key] = {found.servers, net::clock::now() + std::chrono::seconds(ttl)};
    spdlog::info("discovery {}: zone {} answered by {} ({} s)", name, found.zone,
                 [&] {
                   std::string out;
                   for (const auto& s : found.servers) out += (out.empty() ? "" : ", ") + s;
                   return out;
                 }(),
                 ttl);
    if (!found.unresolved_hosts.empty())
      spdlog::warn("discovery {}: name server(s) without an address: {}", name, found.unresolved_hosts.size());
    done({}, found.servers);
  });
}

void controller::start() {
  running_ = true;
  classes_.clear();
  for (const auto& g : groups_) {
    schedule_class* cls = nullptr;
    for (auto& c : classes_)
      if (c->interval == g.discovery->interval && c->jitter == g.discovery->jitter) cls = c.get();
    if (!cls) {
      classes_.push_back(std::make_shared<schedule_class>(g.discovery->interval, g.discovery->jitter));
      cls = classes_.back().get();
      std::weak_ptr<schedule_class> weak = classes_.back();
      cls->on_fire = [this, cls, weak] {
        if (cls->busy) return arm(*cls, false);  // a slow run still going: skip a beat
        cls->busy = true;
        run_groups(cls->groups, [this, weak](const run_report&) {
          auto alive = weak.lock();  // a reload may have replaced the schedule meanwhile
          if (!alive) return;
          alive->busy = false;
          if (running_) arm(*alive, false);
        });
      };
    }
    cls->groups.push_back(g.name);
  }
  for (auto& c : classes_) arm(*c, true);
  publish_status();
}

void controller::arm(schedule_class& cls, bool first) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  auto delay = std::chrono::milliseconds(0);
  if (!first) {
    std::uniform_real_distribution<double> factor(1.0 - cls.jitter, 1.0 + cls.jitter);
    delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(cls.interval.count()) * factor(random)));
  }
  loop_.timers().schedule(cls.timer, loop_.now() + delay);
}

void controller::stop() {
  running_ = false;
  for (auto& c : classes_) loop_.timers().cancel(c->timer);
}

void controller::run_once(std::function<void(const run_report&)> done) {
  std::vector<std::string> names;
  for (const auto& g : groups_) names.push_back(g.name);
  run_groups(names, std::move(done));
}

void controller::run_groups(const std::vector<std::string>& groups, std::function<void(const run_report&)> done) {
  auto run = std::make_shared<run_in_progress>();
  run->groups = groups;
  run->done = std::move(done);
  runs_.push_back(run);
  std::vector<std::pair<std::string, const config::target_group*>> to_start;
  for (const auto& g : groups_) {
    if (std::find(groups.begin(), groups.end(), g.name) == groups.end()) continue;
    for (const auto& name : g.discovery->names) {
      const auto key = lookup_key(name, *g.discovery);
      if (run->lookups.try_emplace(key).second) to_start.emplace_back(key, &g);
    }
  }
  run->outstanding = to_start.size() + 1;  // +1: released below, so a lookup finishing at once cannot end the run early
  std::weak_ptr<run_in_progress> weak = run;
  for (const auto& [key, group] : to_start) {
    const auto& d = *group->discovery;
    const std::string name = key.substr(0, key.find('|'));
    start_lookup(name, d, [this, weak, key = key](const lookup_report& report) {
      auto r = weak.lock();
      if (!r) return;
      r->lookups[key] = report;
      if (--r->outstanding == 0) finish(*r);
    });
  }
  if (--run->outstanding == 0) finish(*run);
}

void controller::finish(run_in_progress& run) {
  const auto now = unix_ms_now();
  run_report report;
  struct external_job {
    config::target_group group;
    std::shared_ptr<external_target_group> target;
    std::vector<external_name_input> names;
  };
  std::vector<external_job> jobs;
  for (const auto& g : groups_) {
    if (std::find(run.groups.begin(), run.groups.end(), g.name) == run.groups.end()) continue;
    const auto& d = *g.discovery;
    if (auto ext = externals_.find(g.name); ext != externals_.end()) {
      // An AWS target group: decided and applied on the worker thread (external_group_sync.hpp).
      external_job job{.group = g, .target = ext->second, .names = {}};
      for (const auto& name : d.names) {
        auto it = pairs_.find(state_key(g.name, name));
        if (it == pairs_.end()) continue;
        auto& pair = *it->second;
        if (!pair.load_error.empty() && !store_.versioned()) load_state(pair);  // fixed or removed since?
        job.names.push_back({.name = name, .lookup = run.lookups[lookup_key(name, d)], .cached = pair.state,
                             .load_error = pair.load_error});
      }
      jobs.push_back(std::move(job));
      continue;
    }
    // What the group holds now: every name's active addresses and the static targets at the
    // discovery port. Known exactly, since we are the data plane.
    registered_view registered{.known = true, .addresses = {}};
    for (const auto& [key, pair] : pairs_)
      if (pair->group == g.name) registered.addresses.insert(pair->state.active.begin(), pair->state.active.end());
    for (const auto& t : g.targets)
      if (t.address.port() == d.port)
        if (auto ip = canonical_ip(t.address.ip_string())) registered.addresses.insert(*ip);

    for (const auto& name : d.names) {
      auto it = pairs_.find(state_key(g.name, name));
      if (it == pairs_.end()) continue;
      auto& pair = *it->second;
      if (!pair.load_error.empty()) load_state(pair);  // fixed or removed since?
      name_run result;
      result.target_group = g.name;
      result.name = name;
      result.lookup = run.lookups[lookup_key(name, d)];
      lookup_outcome outcome = result.lookup.outcome;
      const bool degraded = !pair.load_error.empty();
      if (degraded) {
        outcome.complete = false;
        outcome.error = pair.load_error;
        result.state_error = pair.load_error;
      }
      const sync_options opts{.misses_before_deregistration = d.misses_before_deregistration,
                              .max_deregistration_fraction = d.max_deregistration_fraction};
      result.decision = decide(pair.state, outcome, registered, opts, now);
      pair.state = result.decision.next;
      if (!options_.dry_run && !degraded) {
        std::string error;
        const auto bytes = encode_state({.target_group = g.name, .name = name, .state = pair.state});
        if (!store_.save(state_key(g.name, name), bytes, error)) {
          result.state_error = "cannot save state " + state_key(g.name, name) + ": " + error;
          spdlog::error("discovery {}", result.state_error);
        }
      }
      record(pair, result);
      report.names.push_back(std::move(result));
    }
  }
  if (jobs.empty()) return complete(run, std::move(report));

  auto self = std::find_if(runs_.begin(), runs_.end(), [&run](const auto& r) { return r.get() == &run; });
  std::weak_ptr<run_in_progress> weak_run = *self;
  std::weak_ptr<bool> alive = alive_;
  worker_->submit([this, alive, weak_run, jobs = std::move(jobs), report = std::move(report), now,
                   dry_run = options_.dry_run, &store = store_]() mutable {
    std::vector<external_group_output> outputs;
    for (auto& job : jobs) outputs.push_back(sync_external_group(*job.target, store, job.group, job.names, dry_run, now));
    loop_.post([this, alive, weak_run, jobs = std::move(jobs), outputs = std::move(outputs),
                report = std::move(report)]() mutable {
      if (!alive.lock()) return;
      auto finished = weak_run.lock();
      if (!finished) return;
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        for (std::size_t i = 0; i < jobs[j].names.size(); ++i) {
          auto& in = jobs[j].names[i];
          auto& out = outputs[j].names[i];
          name_run result;
          result.target_group = jobs[j].group.name;
          result.name = in.name;
          result.lookup = std::move(in.lookup);
          result.decision = std::move(out.decision);
          result.state_error = out.state_error;
          result.target_error = out.target_error;
          if (auto it = pairs_.find(state_key(result.target_group, result.name)); it != pairs_.end()) {
            auto& pair = *it->second;
            pair.state = out.next;
            pair.load_error = out.load_error;
            pair.loaded = out.load_error.empty();
            record(pair, result);
          }
          report.names.push_back(std::move(result));
        }
      }
      complete(*finished, std::move(report));
    });
  });
}

void controller::record(pair_state& pair, name_run& result) {
  const auto& g = pair.group;
  const auto& name = pair.name;
  // Figures for /metrics and the API.
  auto& s = pair.status;
  ++s.runs;
  if (result.decision.changed_nothing_because_of_failure) ++s.failed_runs;
  s.last_lookups = result.lookup.lookups;
  s.last_run_seconds = static_cast<double>(result.lookup.elapsed.count()) / 1000.0;
  for (const auto& [kind, count] : result.lookup.failures) s.lookup_failures[kind] += count;
  s.registrations += result.decision.to_register.size();
  s.deregistrations += result.decision.to_deregister.size();
  if (result.decision.breaker_tripped) ++s.breaker_trips;
  s.addresses = pair.state.active.size();
  s.pending = pair.state.pending.size();
  s.last_success_unix_ms = pair.state.last_success_unix_ms;
  s.state_error = result.state_error;
  s.target_error = result.target_error;
  if (!result.target_error.empty()) ++s.target_failures;

  // The one-line summary of the run, then what needs an operator's eye.
  std::string failures;
  for (const auto& [kind, count] : result.lookup.failures)
    failures += (failures.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  spdlog::info("discovery {}/{}: {} seen, {} active, {} pending, +{} -{}, {} lookups in {} ms{}{}{}", g, name,
               result.lookup.outcome.addresses.size(), s.addresses, s.pending, result.decision.to_register.size(),
               result.decision.to_deregister.size(), result.lookup.lookups, result.lookup.elapsed.count(),
               failures.empty() ? "" : ", failures: " + failures,
               s.external_target.empty() ? "" : " (target group " + s.external_target + ")",
               options_.dry_run ? " (dry run)" : "");
  if (!result.decision.to_register.empty())
    spdlog::info("discovery {}/{}: registering {}", g, name, join(result.decision.to_register));
  if (!result.decision.to_deregister.empty())
    spdlog::info("discovery {}/{}: deregistering {}", g, name, join(result.decision.to_deregister));
  for (const auto& w : result.decision.warnings) spdlog::warn("discovery {}/{}: {}", g, name, w);
  if (!result.target_error.empty()) spdlog::error("discovery {}/{}: {}", g, name, result.target_error);
}

void controller::complete(run_in_progress& run, run_report report) {
  if (!options_.dry_run && apply_) apply_(discovered());
  publish_status();
  auto done = std::move(run.done);
  // Drop the finished run (the report is a copy).
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [&run](const auto& r) { return r.get() == &run; }),
              runs_.end());
  if (observer_) {
    // The observer (CloudWatch) blocks on the network: it runs on the worker, never on the
    // loop, and `done` follows it, so `sync --once` exits only after the figures were sent.
    if (!worker_) worker_ = std::make_unique<blocking_worker>();
    std::weak_ptr<bool> alive = alive_;
    worker_->submit([&loop = loop_, alive, observer = observer_, report, done = std::move(done)]() mutable {
      observer(report);
      if (!done) return;
      // The loop outlives the controller, and the controller's destructor joins this worker.
      loop.post([alive, report = std::move(report), done = std::move(done)] {
        if (alive.lock()) done(report);
      });
    });
    return;
  }
  if (done) done(report);
}

void controller::publish_status() {
  if (!status_) return;
  std::vector<ingress::discovery_name_snapshot> out;
  for (const auto& [key, pair] : pairs_) out.push_back(pair->status);
  status_(std::move(out));
}

}  // namespace staticgate::discovery

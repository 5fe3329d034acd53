#include "ingress/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include "ingress/data_plane_setup.hpp"
#include "net/socket.hpp"

namespace staticgate::ingress {

namespace {

// Health checkers are destroyed on the control thread after the current batch,
// since a probe's socket event may still be queued in it.
struct retired_checkers final : net::retirable {
  std::vector<std::shared_ptr<health::group_checker>> checkers;
};

}  // namespace

server::server(const config::config& cfg, unsigned workers, discovery::discovered_addresses discovered)
    : discovered_(std::move(discovered)),
      worker_count_(workers == 0 ? 1 : workers),
      forwarding_(cfg.global.forwarding),
      connection_log_(open_connection_log(cfg.global.connection_log)) {
  for (unsigned w = 0; w < worker_count_; ++w) {
    workers_.push_back(std::make_unique<worker>(w, to_forward_mode(cfg.global.forwarding),
                                                connection_log_ ? connection_log_.get() : -1));
  }
  stats_registry_.resize(worker_count_);
  draining_stats_.resize(worker_count_);
  base_config_ = cfg;
  apply(discovery::with_discovered_targets(cfg, discovered_), true);
}

server::~server() { stop(); }

void server::reload(const config::config& next) {
  std::lock_guard lock(reload_mutex_);
  if (next.global.forwarding != forwarding_)
    spdlog::warn("reload: [global] forwarding changes only at restart; keeping the old value");
  if (next.global.workers != 0 && next.global.workers != worker_count_)
    spdlog::warn("reload: [global] workers changes only at restart; keeping {}", worker_count_);
  base_config_ = next;
  apply(discovery::with_discovered_targets(next, discovered_), false);
  spdlog::info("reload: applied ({} listener(s), {} target group(s))", next.listeners.size(),
               next.target_groups.size());
}

void server::set_discovered(const discovery::discovered_addresses& discovered) {
  std::lock_guard lock(reload_mutex_);
  if (discovered == discovered_) return;
  discovered_ = discovered;
  apply(discovery::with_discovered_targets(base_config_, discovered_), false, false);
  for (const auto& g : base_config_.target_groups) {
    if (!g.discovery) continue;
    auto it = discovered_.find(g.name);
    spdlog::info("target group \"{}\": {} discovered target(s) applied", g.name,
                 it == discovered_.end() ? 0 : it->second.size());
  }
}

void server::set_discovery_status(std::vector<discovery_name_snapshot> status) {
  std::lock_guard lock(state_mutex_);
  discovery_status_ = std::move(status);
}

void server::apply(const config::config& cfg, bool initial, bool announce) {
  const auto id = ++generation_;
  // 1. Snapshots, and listener state (reused by name, so counters and the
  //    max_connections accounting of open connections carry on).
  std::vector<std::shared_ptr<const target_group_snapshot>> groups;
  std::map<std::string, std::size_t> group_index;
  for (const auto& g : cfg.target_groups) {
    group_index[g.name] = groups.size();
    groups.push_back(target_group_snapshot::from_config(g));
  }
  std::vector<std::shared_ptr<listener_shared>> listeners;
  for (const auto& l : cfg.listeners) {
    std::shared_ptr<listener_shared> shared;
    for (const auto& old : listeners_)
      if (old->name == l.name) shared = old;
    if (shared)
      shared->update(l);
    else
      shared = std::make_shared<listener_shared>(l);
    listeners.push_back(std::move(shared));
  }

  // 2. Sockets for addresses not open yet, one per worker; any failure leaves
  //    everything as it was.
  std::map<std::string, std::size_t> binds;  // address -> listener index
  std::map<std::string, std::vector<net::unique_fd>> new_sockets;
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const auto& l = cfg.listeners[i];
    net::listen_options options;
    options.backlog = static_cast<int>(l.backlog);
    for (const auto& address : l.binds) {
      auto key = address.to_string();
      binds[key] = i;
      if (open_binds_.count(key)) continue;
      if (auto ec = net::probe_bind(address))
        throw std::runtime_error("listener \"" + l.name + "\": cannot bind " + key + ": " + ec.message());
      auto& fds = new_sockets[key];
      for (unsigned w = 0; w < worker_count_; ++w) {
        std::error_code ec;
        auto fd = net::open_listener(address, options, ec);
        if (!fd) throw std::runtime_error("listener \"" + l.name + "\": cannot listen on " + key + ": " + ec.message());
        fds.push_back(std::move(fd));
      }
    }
  }

  // 3. One generation per worker; counters of surviving targets carry over.
  std::map<std::string, std::set<std::string>> targets_by_group;
  std::map<std::string, std::chrono::milliseconds> delay_by_group;
  for (const auto& g : groups) {
    targets_by_group[g->name] = std::set<std::string>(g->keys.begin(), g->keys.end());
    delay_by_group[g->name] = g->deregistration_delay;
  }
  for (unsigned w = 0; w < worker_count_; ++w) {
    auto generation = std::make_shared<worker_generation>();
    generation->id = id;
    std::map<std::string, std::shared_ptr<target_stats>> registry;
    for (const auto& g : groups) {
      std::vector<std::shared_ptr<target_stats>> stats;
      for (const auto& key : g->keys) {
        auto& entry = registry[g->name + "/" + key];
        if (auto old = stats_registry_[w].find(g->name + "/" + key); old != stats_registry_[w].end())
          entry = old->second;
        else
          entry = std::make_shared<target_stats>();
        stats.push_back(entry);
      }
      generation->pickers.push_back(std::make_shared<target_picker>(g, std::move(stats)));
    }
    {
      std::lock_guard lock(state_mutex_);
      auto& draining = draining_stats_[w];
      for (const auto& [key, stats] : stats_registry_[w])
        if (!registry.count(key)) draining[key] = stats;
      for (auto it = draining.begin(); it != draining.end();)
        it = (registry.count(it->first) || it->second.expired()) ? draining.erase(it) : std::next(it);
    }
    stats_registry_[w] = std::move(registry);
    for (const auto& [address, listener] : binds) {
      worker_generation::bound_socket bound;
      bound.address = address;
      bound.listener = listeners[listener];
      bound.group = group_index.at(cfg.listeners[listener].target_group);
      if (auto it = new_sockets.find(address); it != new_sockets.end()) bound.fd = std::move(it->second[w]);
      generation->sockets.push_back(std::move(bound));
    }
    generation->targets_by_group = targets_by_group;
    generation->deregistration_delay_by_group = delay_by_group;
    if (initial)
      workers_[w]->apply(*generation);
    else
      workers_[w]->loop().post([wk = workers_[w].get(), generation] { wk->apply(*generation); });
  }

  // 4. The state the admin API reads; manual drains carry over by address.
  {
    std::lock_guard lock(state_mutex_);
    std::vector<std::vector<bool>> drained;
    for (const auto& g : groups) {
      std::vector<bool> flags(g->keys.size(), false);
      for (std::size_t old = 0; old < groups_.size(); ++old) {
        if (groups_[old]->name != g->name) continue;
        for (std::size_t t = 0; t < g->keys.size(); ++t)
          for (std::size_t o = 0; o < groups_[old]->keys.size(); ++o)
            if (groups_[old]->keys[o] == g->keys[t] && drained_[old][o]) flags[t] = true;
      }
      drained.push_back(std::move(flags));
    }
    groups_ = std::move(groups);
    for (const auto& old : listeners_)
      if (std::find(listeners.begin(), listeners.end(), old) == listeners.end()) removed_listeners_.push_back(old);
    std::erase_if(removed_listeners_, [](const auto& weak) { return weak.expired(); });
    listeners_ = std::move(listeners);
    listener_configs_ = cfg.listeners;
    drained_ = std::move(drained);
  }
  {
    std::lock_guard lock(state_mutex_);
    for (std::size_t g = 0; g < drained_.size(); ++g)
      for (std::size_t t = 0; t < drained_[g].size(); ++t)
        if (drained_[g][t])
          for (auto& w : workers_)
            w->loop().post([wk = w.get(), g, t, id] {
              if (wk->generation() == id) wk->picker(g).set_drained(t, true);
            });
  }
  std::map<std::string, std::size_t> open;
  for (const auto& [address, listener] : binds) open[address] = listener;
  for (const auto& entry : open_binds_)
    if (!open.count(entry.first)) spdlog::info("stopped listening on {}", entry.first);
  open_binds_ = std::move(open);

  install_health_checks(cfg, id);
  if (!announce) return;
  for (const auto& l : cfg.listeners) {
    const auto* g = cfg.find_group(l.target_group);
    for (const auto& address : l.binds)
      spdlog::info("listener \"{}\" on {} -> target group \"{}\" ({} target(s))", l.name, address.to_string(),
                   l.target_group, g ? g->targets.size() : 0);
  }
}

void server::install_health_checks(const config::config& cfg, std::uint64_t generation) {
  std::vector<std::shared_ptr<health::group_checker>> checkers;
  std::vector<std::shared_ptr<health::group_checker>> by_group(cfg.target_groups.size());
  for (std::size_t g = 0; g < cfg.target_groups.size(); ++g) {
    const auto& settings = cfg.target_groups[g].health;
    if (!settings) continue;
    // Published to every worker's picker on that worker's thread, and only to
    // the generation it was computed for.
    const bool close_unhealthy = settings->on_unhealthy == config::unhealthy_action::close;
    auto publish = [this, g, generation, close_unhealthy](std::vector<bool> eligible) {
      for (auto& w : workers_)
        w->loop().post([wk = w.get(), g, generation, eligible, close_unhealthy] {
          if (wk->generation() != generation) return;
          wk->picker(g).set_healthy_set(eligible);
          if (close_unhealthy) wk->close_sessions_to_unhealthy_targets(g);
        });
    };
    auto checker = std::make_shared<health::group_checker>(control_, groups_[g], *settings, publish);
    by_group[g] = checker;
    checkers.push_back(checker);
  }
  // Passive reports reach the checker through a weak handle: a picker of an
  // old generation may outlive its checker.
  for (auto& w : workers_) {
    auto post_reporters = [this, wk = w.get(), by_group, generation] {
      if (wk->generation() != generation) return;
      for (std::size_t g = 0; g < by_group.size(); ++g) {
        if (!by_group[g]) continue;
        std::weak_ptr<health::group_checker> weak = by_group[g];
        wk->picker(g).set_connect_reporter([this, weak](std::size_t target, bool success) {
          control_.post([weak, target, success] {
            if (auto c = weak.lock()) c->report_connect(target, success);
          });
        });
      }
    };
    if (control_thread_.joinable())
      w->loop().post(post_reporters);
    else
      post_reporters();
  }
  auto old = std::move(checkers_);
  checkers_ = checkers;
  {
    std::lock_guard lock(state_mutex_);
    checker_of_group_ = by_group;
  }
  if (control_thread_.joinable()) {
    control_.post([this, checkers, old = std::move(old)]() mutable {
      for (auto& c : checkers)
        for (const auto& o : old)
          if (o->group_name() == c->group_name()) c->adopt(*o);
      auto* retired = new retired_checkers;
      retired->checkers = std::move(old);
      control_.retire(retired);
      for (auto& c : checkers) c->start();
    });
  }
}

void server::start() {
  for (auto& w : workers_) w->start();
  for (auto& c : checkers_) control_.post([checker = c] { checker->start(); });
  control_thread_ = std::thread([this] {
    try {
      control_.run();
    } catch (const std::exception& e) {
      spdlog::critical("control loop failed: {}", e.what());
      std::terminate();
    }
  });
  spdlog::info("staticgate running with {} worker(s)", workers_.size());
}

void server::stop_accepting() {
  for (auto& w : workers_) w->stop_accepting();
}

std::uint64_t server::active_connections() const {
  std::lock_guard lock(state_mutex_);
  std::uint64_t total = 0;
  for (const auto& l : listeners_) total += l->active.load(std::memory_order_relaxed);
  for (const auto& weak : removed_listeners_)
    if (auto l = weak.lock()) total += l->active.load(std::memory_order_relaxed);
  return total;
}

void server::stop() {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  control_.stop();
  if (control_thread_.joinable()) control_thread_.join();
  workers_.clear();
  checkers_.clear();
  std::lock_guard lock(state_mutex_);
  checker_of_group_.clear();
}

namespace {

const char* algorithm_name(lb::algorithm_kind kind) {
  switch (kind) {
    case lb::algorithm_kind::round_robin: return "round_robin";
    case lb::algorithm_kind::least_connections: return "least_connections";
    case lb::algorithm_kind::maglev: return "maglev";
  }
  return "round_robin";
}

template <std::size_t N>
void add_histogram(histogram_snapshot& out, const histogram<N>& h) {
  if (out.upper_bounds_us.empty()) {
    out.upper_bounds_us.assign(h.bounds().begin(), h.bounds().end());
    out.cumulative.assign(N + 1, 0);
  }
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= N; ++i) {
    running += h.bucket(i);
    out.cumulative[i] += running;
  }
  out.count += running;
  out.sum_us += h.sum_us();
}

void add_stats(target_snapshot& ts, const target_stats& st) {
  ts.active += st.active.get();
  ts.connections += st.connections.get();
  ts.connect_failures += st.connect_failures.get();
  ts.bytes_from_client += st.bytes_from_client.get();
  ts.bytes_from_target += st.bytes_from_target.get();
  add_histogram(ts.connect_time, st.connect_time);
  add_histogram(ts.duration, st.duration);
}

}  // namespace

gateway_snapshot server::snapshot() const {
  gateway_snapshot out;
  out.version = STATICGATE_VERSION;
  out.workers = worker_count_;
  out.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::lock_guard lock(state_mutex_);
  out.discovery = discovery_status_;
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    const auto& shared = *listeners_[i];
    listener_snapshot l;
    l.name = shared.name;
    l.target_group = listener_configs_[i].target_group;
    for (const auto& b : listener_configs_[i].binds) l.binds.push_back(b.to_string());
    l.max_connections = shared.max_connections.load(std::memory_order_relaxed);
    l.active = shared.active.load(std::memory_order_relaxed);
    l.accepted = shared.accepted.load(std::memory_order_relaxed);
    l.rejected = shared.rejected.load(std::memory_order_relaxed);
    out.listeners.push_back(std::move(l));
  }
  // Each worker's current pickers, matched by group name and target address
  // (a worker may still be applying a reload).
  std::vector<std::vector<std::shared_ptr<target_picker>>> pickers;
  for (const auto& w : workers_) pickers.push_back(w->pickers());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const auto& group = *groups_[g];
    group_snapshot gs;
    gs.name = group.name;
    gs.algorithm = algorithm_name(group.balancing.kind);
    const auto* checker = checker_of_group_.size() > g ? checker_of_group_[g].get() : nullptr;
    for (std::size_t t = 0; t < group.targets.size(); ++t) {
      target_snapshot ts;
      ts.address = group.keys[t];
      ts.health_checked = checker != nullptr;
      ts.healthy = checker ? checker->healthy(t) : true;
      ts.drained = drained_[g][t];
      ts.eligible = (checker ? checker->eligible(t) : true) && !ts.drained;
      for (const auto& worker_pickers : pickers)
        for (const auto& p : worker_pickers) {
          if (p->group().name != group.name) continue;
          const auto& keys = p->group().keys;
          for (std::size_t k = 0; k < keys.size(); ++k)
            if (keys[k] == ts.address) add_stats(ts, p->stats(k));
        }
      gs.targets.push_back(std::move(ts));
    }
    out.groups.push_back(std::move(gs));
  }
  // Targets removed by a reload whose connections are still finishing.
  std::map<std::string, target_snapshot> draining;
  for (const auto& per_worker : draining_stats_)
    for (const auto& [key, weak] : per_worker)
      if (auto stats = weak.lock()) add_stats(draining[key], *stats);
  for (auto& [key, ts] : draining) {
    if (ts.active <= 0) continue;
    auto slash = key.find('/');
    auto group = key.substr(0, slash);
    ts.address = key.substr(slash + 1);
    ts.draining = true;
    ts.eligible = false;
    auto it = std::find_if(out.groups.begin(), out.groups.end(), [&](const auto& g) { return g.name == group; });
    if (it == out.groups.end()) {
      out.groups.push_back(group_snapshot{});
      out.groups.back().name = group;
      out.groups.back().algorithm = "removed";
      it = std::prev(out.groups.end());
    }
    it->targets.push_back(std::move(ts));
  }
  if (extend_snapshot_) extend_snapshot_(out);
  return out;
}

bool server::set_drained(const std::string& group, const std::string& target_address, bool drained) {
  std::lock_guard lock(state_mutex_);
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g]->name != group) continue;
    const auto& keys = groups_[g]->keys;
    for (std::size_t t = 0; t < keys.size(); ++t) {
      if (keys[t] != target_address) continue;
      drained_[g][t] = drained;
      spdlog::info("target group {}: target {} {} by hand", group, target_address,
                   drained ? "drained" : "back in rotation");
      for (auto& w : workers_) {
        w->loop().post([wk = w.get(), name = group, key = target_address, drained] {
          for (const auto& p : wk->pickers()) {
            if (p->group().name != name) continue;
            for (std::size_t k = 0; k < p->group().keys.size(); ++k)
              if (p->group().keys[k] == key) p->set_drained(k, drained);
          }
        });
      }
      return true;
    }
  }
  return false;
}

}  // namespace staticgate::ingress

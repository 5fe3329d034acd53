#include "ingress/server.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include "net/socket.hpp"

namespace staticgate::ingress {

namespace {

net::forward_mode to_forward_mode(config::forwarding_mode m) {
  switch (m) {
    case config::forwarding_mode::automatic: return net::forward_mode::automatic;
    case config::forwarding_mode::splice: return net::forward_mode::splice;
    case config::forwarding_mode::copy: return net::forward_mode::copy;
  }
  return net::forward_mode::automatic;
}

net::unique_fd open_connection_log(const std::string& where) {
  if (where == "off") return {};
  if (where == "stdout") return net::unique_fd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  if (where == "stderr") return net::unique_fd(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  net::unique_fd fd(::open(where.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd) throw std::runtime_error("connection_log: cannot open " + where + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

server::server(const config::config& cfg, unsigned workers)
    : connection_log_(open_connection_log(cfg.global.connection_log)) {
  if (workers == 0) workers = 1;
  std::map<std::string, std::size_t> group_index;
  for (const auto& g : cfg.target_groups) {
    group_index[g.name] = groups_.size();
    groups_.push_back(target_group_snapshot::from_config(g));
  }
  for (const auto& l : cfg.listeners) {
    for (const auto& address : l.binds) {
      if (auto ec = net::probe_bind(address))
        throw std::runtime_error("listener \"" + l.name + "\": cannot bind " + address.to_string() + ": " +
                                 ec.message());
    }
    listeners_.push_back(std::make_unique<listener_shared>(l));
    listener_configs_.push_back(l);
  }
  checker_of_group_.assign(groups_.size(), nullptr);
  for (const auto& g : groups_) drained_.emplace_back(g->targets.size(), false);
  net::listen_options options;
  for (unsigned w = 0; w < workers; ++w) {
    auto wk = std::make_unique<worker>(w, to_forward_mode(cfg.global.forwarding),
                                       connection_log_ ? connection_log_.get() : -1);
    std::vector<target_picker*> pickers;
    for (const auto& g : groups_) pickers.push_back(&wk->add_group(g));
    for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
      const auto& l = cfg.listeners[i];
      options.backlog = static_cast<int>(l.backlog);
      for (const auto& address : l.binds) {
        std::error_code ec;
        auto fd = net::open_listener(address, options, ec);
        if (!fd)
          throw std::runtime_error("listener \"" + l.name + "\": cannot listen on " + address.to_string() + ": " +
                                   ec.message());
        wk->add_listener(*listeners_[i], *pickers[group_index.at(l.target_group)], std::move(fd));
      }
    }
    workers_.push_back(std::move(wk));
  }
  for (std::size_t g = 0; g < cfg.target_groups.size(); ++g) {
    const auto& settings = cfg.target_groups[g].health;
    if (!settings) continue;
    // The checker publishes to every worker's picker on that worker's thread.
    auto publish = [this, g](std::vector<bool> eligible) {
      for (auto& w : workers_) {
        auto* picker = &w->picker(g);
        w->loop().post([picker, eligible] { picker->set_healthy_set(eligible); });
      }
    };
    checkers_.push_back(std::make_unique<health::group_checker>(control_, groups_[g], *settings, publish));
    auto* checker = checkers_.back().get();
    checker_of_group_[g] = checker;
    for (auto& w : workers_) {
      w->picker(g).set_connect_reporter([this, checker](std::size_t target, bool success) {
        control_.post([checker, target, success] { checker->report_connect(target, success); });
      });
    }
  }
  for (const auto& l : cfg.listeners) {
    const auto* g = cfg.find_group(l.target_group);
    for (const auto& address : l.binds)
      spdlog::info("listener \"{}\" on {} -> target group \"{}\" ({} target(s))", l.name, address.to_string(),
                   l.target_group, g ? g->targets.size() : 0);
  }
}

server::~server() { stop(); }

void server::start() {
  for (auto& w : workers_) w->start();
  for (auto& c : checkers_) control_.post([checker = c.get()] { checker->start(); });
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
  std::uint64_t total = 0;
  for (const auto& l : listeners_) total += l->active.load(std::memory_order_relaxed);
  return total;
}

void server::stop() {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  control_.stop();
  if (control_thread_.joinable()) control_thread_.join();
  workers_.clear();
  checkers_.clear();
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

}  // namespace

gateway_snapshot server::snapshot() const {
  gateway_snapshot out;
  out.version = STATICGATE_VERSION;
  out.workers = static_cast<unsigned>(workers_.size());
  out.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    const auto& shared = *listeners_[i];
    listener_snapshot l;
    l.name = shared.name;
    l.target_group = listener_configs_[i].target_group;
    for (const auto& b : listener_configs_[i].binds) l.binds.push_back(b.to_string());
    l.max_connections = shared.max_connections;
    l.active = shared.active.load(std::memory_order_relaxed);
    l.accepted = shared.accepted.load(std::memory_order_relaxed);
    l.rejected = shared.rejected.load(std::memory_order_relaxed);
    out.listeners.push_back(std::move(l));
  }
  std::lock_guard lock(drained_mutex_);
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const auto& group = *groups_[g];
    group_snapshot gs;
    gs.name = group.name;
    gs.algorithm = algorithm_name(group.balancing.kind);
    const auto* checker = checker_of_group_[g];
    for (std::size_t t = 0; t < group.targets.size(); ++t) {
      target_snapshot ts;
      ts.address = group.keys[t];
      ts.health_checked = checker != nullptr;
      ts.healthy = checker ? checker->healthy(t) : true;
      ts.drained = drained_[g][t];
      ts.eligible = (checker ? checker->eligible(t) : true) && !ts.drained;
      for (const auto& w : workers_) {
        const auto& st = w->picker(g).stats(t);
        ts.active += st.active.get();
        ts.connections += st.connections.get();
        ts.connect_failures += st.connect_failures.get();
        ts.bytes_from_client += st.bytes_from_client.get();
        ts.bytes_from_target += st.bytes_from_target.get();
        add_histogram(ts.connect_time, st.connect_time);
        add_histogram(ts.duration, st.duration);
      }
      gs.targets.push_back(std::move(ts));
    }
    out.groups.push_back(std::move(gs));
  }
  return out;
}

bool server::set_drained(const std::string& group, const std::string& target_address, bool drained) {
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g]->name != group) continue;
    const auto& keys = groups_[g]->keys;
    for (std::size_t t = 0; t < keys.size(); ++t) {
      if (keys[t] != target_address) continue;
      {
        std::lock_guard lock(drained_mutex_);
        drained_[g][t] = drained;
      }
      spdlog::info("target group {}: target {} {} by hand", group, target_address,
                   drained ? "drained" : "back in rotation");
      for (auto& w : workers_) {
        auto* picker = &w->picker(g);
        w->loop().post([picker, t, drained] { picker->set_drained(t, drained); });
      }
      return true;
    }
  }
  return false;
}

}  // namespace staticgate::ingress

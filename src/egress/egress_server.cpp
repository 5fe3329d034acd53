#include "egress/egress_server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "net/socket.hpp"

namespace staticgate::egress {
namespace {

net::forward_mode to_forward_mode(config::forwarding_mode m) {
  switch (m) {
    case config::forwarding_mode::automatic: return net::forward_mode::automatic;
    case config::forwarding_mode::splice: return net::forward_mode::splice;
    case config::forwarding_mode::copy: return net::forward_mode::copy;
  }
  return net::forward_mode::automatic;
}

// The connection log goes where the ingress one goes ([global] connection_log).
net::unique_fd open_log(const std::string& where) {
  if (where == "off") return {};
  if (where == "stdout") return net::unique_fd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  if (where == "stderr") return net::unique_fd(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  net::unique_fd fd(::open(where.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd) throw std::runtime_error("connection_log: cannot open " + where + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

egress_server::egress_server(const config::config& cfg, unsigned workers) : log_fd_(open_log(cfg.global.connection_log)) {
  if (workers == 0) workers = 1;
  for (unsigned w = 0; w < workers; ++w)
    workers_.push_back(std::make_unique<egress_worker>(w, to_forward_mode(cfg.global.forwarding),
                                                       log_fd_ ? log_fd_.get() : -1));
  for (const auto& e : cfg.egress) {
    auto settings = make_server_settings(e);
    for (const auto& address : e.binds) {
      const auto key = address.to_string();
      if (auto ec = net::probe_bind(address))
        throw std::runtime_error("egress \"" + e.name + "\": cannot bind " + key + ": " + ec.message());
      net::listen_options options;
      for (auto& w : workers_) {
        std::error_code ec;
        auto fd = net::open_listener(address, options, ec);
        if (!fd) throw std::runtime_error("egress \"" + e.name + "\": cannot listen on " + key + ": " + ec.message());
        w->add_listener(settings, std::move(fd), key);
      }
      spdlog::info("egress \"{}\" on {} ({}{}{}, {}, {} source address(es))", e.name, key, e.socks5 ? "socks5" : "",
                   e.socks5 && e.http ? "+" : "", e.http ? "http" : "",
                   e.authentication ? "password" : "no authentication", e.source_addresses.size());
    }
    servers_.push_back(std::move(settings));
  }
}

egress_server::~egress_server() { stop(); }

void egress_server::start() {
  for (auto& w : workers_) w->start();
}

void egress_server::stop_accepting() {
  for (auto& w : workers_) w->stop_accepting();
}

std::uint64_t egress_server::active_connections() const {
  std::int64_t total = 0;
  for (const auto& s : servers_) total += s->stats->active.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<std::uint64_t>(total) : 0;
}

void egress_server::stop() {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  workers_.clear();
}

std::vector<ingress::egress_server_snapshot> egress_server::snapshot() const {
  std::vector<ingress::egress_server_snapshot> out;
  for (const auto& s : servers_) out.push_back(s->stats->snapshot());
  return out;
}

}  // namespace staticgate::egress

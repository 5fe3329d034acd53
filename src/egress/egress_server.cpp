#include "egress/egress_server.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <tuple>

#include "ingress/data_plane_setup.hpp"
#include "net/socket.hpp"

namespace staticgate::egress {

egress_server::egress_server(const config::config& cfg, unsigned workers)
    : log_fd_(ingress::open_connection_log(cfg.global.connection_log)) {
  if (workers == 0) workers = 1;
  for (unsigned w = 0; w < workers; ++w)
    workers_.push_back(std::make_unique<egress_worker>(w, ingress::to_forward_mode(cfg.global.forwarding),
                                                       log_fd_ ? log_fd_.get() : -1));
  for (const auto& e : cfg.egress) {
    auto settings = make_server_settings(e);
    for (const auto& address : e.binds) {
      const auto key = address.to_string();
      auto fds = open_sockets(e.name, address);
      for (std::size_t w = 0; w < workers_.size(); ++w) workers_[w]->add_listener(settings, std::move(fds[w]), key);
      open_[key] = settings;
      spdlog::info("egress \"{}\" on {} ({}{}{}, {}, {} source address(es))", e.name, key, e.socks5 ? "socks5" : "",
                   e.socks5 && e.http ? "+" : "", e.http ? "http" : "",
                   e.authentication ? "password" : "no authentication", e.source_addresses.size());
    }
    servers_.push_back(std::move(settings));
  }
}

std::vector<net::unique_fd> egress_server::open_sockets(const std::string& server, const net::endpoint& address) const {
  const auto key = address.to_string();
  if (auto ec = net::probe_bind(address))
    throw std::runtime_error("egress \"" + server + "\": cannot bind " + key + ": " + ec.message());
  std::vector<net::unique_fd> fds;
  net::listen_options options;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    std::error_code ec;
    auto fd = net::open_listener(address, options, ec);
    if (!fd) throw std::runtime_error("egress \"" + server + "\": cannot listen on " + key + ": " + ec.message());
    fds.push_back(std::move(fd));
  }
  return fds;
}

void egress_server::reload(const config::config& next) {
  std::lock_guard lock(mutex_);
  // 1. New settings, sharing counters with the server of the same name; new sockets. Any
  //    failure leaves everything as it was.
  std::vector<std::shared_ptr<server_settings>> servers;
  std::map<std::string, std::shared_ptr<server_settings>> open;
  std::map<std::string, std::pair<std::shared_ptr<server_settings>, std::vector<net::unique_fd>>> added;
  for (const auto& e : next.egress) {
    const server_settings* previous = nullptr;
    for (const auto& old : servers_)
      if (old->config.name == e.name) previous = old.get();
    auto settings = make_server_settings(e, previous);
    for (const auto& address : e.binds) {
      const auto key = address.to_string();
      open[key] = settings;
      if (!open_.count(key)) added[key] = {settings, open_sockets(e.name, address)};
    }
    servers.push_back(std::move(settings));
  }
  // 2. Each worker switches on its own thread.
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    auto fresh = std::make_shared<std::vector<std::tuple<std::shared_ptr<server_settings>, net::unique_fd, std::string>>>();
    for (auto& [key, entry] : added) fresh->emplace_back(entry.first, std::move(entry.second[w]), key);
    std::map<std::string, std::shared_ptr<server_settings>> keep;
    for (const auto& [key, settings] : open)
      if (open_.count(key)) keep[key] = settings;
    auto* worker = workers_[w].get();
    worker->loop().post([worker, keep, fresh] {
      worker->retarget(keep);
      for (auto& [settings, fd, key] : *fresh) {
        try {
          worker->add_listener(settings, std::move(fd), key);
        } catch (const std::exception& e) {
          spdlog::error("egress reload: {}", e.what());
        }
      }
    });
  }
  for (const auto& [key, settings] : open_)
    if (!open.count(key)) spdlog::info("egress \"{}\": stopped listening on {}", settings->config.name, key);
  for (const auto& [key, entry] : added) spdlog::info("egress \"{}\": listening on {}", entry.first->config.name, key);
  servers_ = std::move(servers);
  open_ = std::move(open);
}

egress_server::~egress_server() { stop(); }

void egress_server::start() {
  for (auto& w : workers_) w->start();
}

void egress_server::stop_accepting() {
  for (auto& w : workers_) w->stop_accepting();
}

std::uint64_t egress_server::active_connections() const {
  std::lock_guard lock(mutex_);
  std::int64_t total = 0;
  for (const auto& s : servers_) total += s->stats->server().active.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<std::uint64_t>(total) : 0;
}

void egress_server::stop() {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  workers_.clear();
}

std::vector<ingress::egress_server_snapshot> egress_server::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<ingress::egress_server_snapshot> out;
  for (const auto& s : servers_) out.push_back(s->stats->snapshot());
  return out;
}

}  // namespace staticgate::egress

// The egress proxies of a config as a whole: one settings object per [[egress]] server, one
// SO_REUSEPORT socket per (worker, bind address), the workers, and the figures for /metrics.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "egress/egress_worker.hpp"
#include "egress/server_settings.hpp"
#include "ingress/snapshot.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::egress {

class egress_server {
 public:
  // Opens every listening socket; throws std::runtime_error naming the server and address
  // when one cannot be bound, before any worker starts.
  egress_server(const config::config& cfg, unsigned workers);
  ~egress_server();
  egress_server(const egress_server&) = delete;
  egress_server& operator=(const egress_server&) = delete;

  void start();
  void stop_accepting();
  std::uint64_t active_connections() const;
  void stop();

  // Applies the [[egress]] part of a validated config without dropping a tunnel: new bind
  // addresses open, removed ones close, and every server's settings (users, passwords, rules,
  // sources, limits) are replaced; connections in progress finish under the settings they
  // started with. Counters carry over by server name. Throws std::runtime_error (and changes
  // nothing) when a new address cannot be bound. Thread-safe.
  void reload(const config::config& next);

  std::vector<ingress::egress_server_snapshot> snapshot() const;

 private:
  // One SO_REUSEPORT socket per worker for `address`; throws naming the server.
  std::vector<net::unique_fd> open_sockets(const std::string& server, const net::endpoint& address) const;

  mutable std::mutex mutex_;  // servers_ and open_: reload() against snapshot()
  std::vector<std::shared_ptr<server_settings>> servers_;
  std::map<std::string, std::shared_ptr<server_settings>> open_;  // bind address -> its server
  net::unique_fd log_fd_;
  std::vector<std::unique_ptr<egress_worker>> workers_;
};

}  // namespace staticgate::egress

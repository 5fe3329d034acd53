// The egress proxies of a config as a whole: one settings object per [[egress]] server, one
// SO_REUSEPORT socket per (worker, bind address), the workers, and the figures for /metrics.
#pragma once

#include <memory>
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

  std::vector<ingress::egress_server_snapshot> snapshot() const;

 private:
  std::vector<std::shared_ptr<server_settings>> servers_;
  net::unique_fd log_fd_;
  std::vector<std::unique_ptr<egress_worker>> workers_;
};

}  // namespace staticgate::egress

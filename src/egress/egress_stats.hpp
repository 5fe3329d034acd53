// Counters of one egress server, shared by its sessions on every worker: plain relaxed atomics,
// updated as bytes move and when a connection ends. The per-user and per-source entries are
// created up front (users and source addresses are known from the config), so the hot path
// never takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ingress/snapshot.hpp"

namespace staticgate::egress {

// How a connection through the proxy ended; the connection log's "result" and a metrics label.
enum class egress_result : std::uint8_t {
  closed,             // a tunnel ran and ended normally
  reset,              // a tunnel ended by a reset on either side
  idle_timeout,
  handshake_timeout,  // slow or silent client
  bad_request,        // malformed SOCKS5 or HTTP bytes
  unsupported,        // a SOCKS command or HTTP feature we do not serve
  auth_failed,        // missing or wrong credentials
  denied,             // the destination policy refused it
  resolve_failed,
  connect_failed,
  connect_timeout,
  limit,              // max_connections or max_connections_per_user
  shutdown,
  error,
  count_,
};

const char* to_string(egress_result result);

struct traffic_counters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::int64_t> active{0};
  std::atomic<std::uint64_t> bytes_from_client{0};
  std::atomic<std::uint64_t> bytes_from_target{0};
};

// The server-wide counters, shared by every generation of a server's settings.
struct server_counters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::int64_t> active{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(egress_result::count_)> results{};
};

class egress_stats {
 public:
  // previous: the same server's stats before a reload. Counters of the server and of users and
  // source addresses that remain are shared with it (sessions still running on the old
  // settings keep counting into them), so a reload never resets what /metrics shows.
  egress_stats(std::string name, std::vector<std::string> binds, const std::vector<std::string>& users,
               const std::vector<std::string>& sources, const egress_stats* previous = nullptr);

  server_counters& server() { return *server_; }
  const server_counters& server() const { return *server_; }

  void count_result(egress_result r) {
    server_->results[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  // nullptr for a key not known at start (cannot happen for configured users and sources).
  traffic_counters* user(const std::string& name);
  traffic_counters* source(const std::string& address);

  ingress::egress_server_snapshot snapshot() const;

 private:
  std::shared_ptr<server_counters> server_;
  std::string name_;
  std::vector<std::string> binds_;
  std::map<std::string, std::shared_ptr<traffic_counters>> users_;
  std::map<std::string, std::shared_ptr<traffic_counters>> sources_;
};

}  // namespace staticgate::egress

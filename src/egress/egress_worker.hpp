// An egress worker thread: its event loop, forwarding buffer and pipe pool (what net::tunnel
// needs), one SO_REUSEPORT socket per egress bind address, a DNS resolver per server, the
// password cache, and its live sessions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dns/resolver.hpp"
#include "egress/password_cache.hpp"
#include "net/event_loop.hpp"
#include "net/pipe_pool.hpp"
#include "net/pump.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::egress {

class egress_session;
struct server_settings;

class egress_worker {
 public:
  // log_fd: where connection lines go (borrowed), or -1.
  egress_worker(unsigned id, net::forward_mode mode, int log_fd);
  egress_worker(const egress_worker&) = delete;
  egress_worker& operator=(const egress_worker&) = delete;
  ~egress_worker();

  // Before start(), or on the worker's thread (reload).
  void add_listener(std::shared_ptr<server_settings> settings, net::unique_fd fd, std::string address);
  // Reload, on the worker's thread: `keep` maps each address that stays open to its (new)
  // settings; listeners on other addresses close. Sessions in progress keep their settings.
  void retarget(const std::map<std::string, std::shared_ptr<server_settings>>& keep);
  void start();
  void stop_accepting();  // thread-safe
  void stop();            // thread-safe
  void join();

  net::event_loop& loop() { return loop_; }
  net::forward_context& forwarding() { return forwarding_; }
  dns::resolver& resolver_for(const server_settings& settings);
  password_cache& passwords() { return passwords_; }
  std::uint64_t next_turn() { return turn_++; }
  void write_log(std::string line);
  // At most one warning per source address and worker every 10 s: a vanished address would
  // otherwise log once per connection.
  bool should_warn_about_source(const std::string& address);

  void link(egress_session* s);
  void unlink(egress_session* s);

 private:
  class listener;
  static constexpr std::size_t buffer_size = 64 * 1024;

  unsigned id_;
  net::event_loop loop_;
  net::pipe_pool pipes_;
  std::unique_ptr<char[]> buffer_;
  net::forward_context forwarding_;
  int log_fd_;
  password_cache passwords_;
  std::map<std::string, std::unique_ptr<dns::resolver>> resolvers_;  // by server name
  std::vector<listener*> listeners_;  // owned
  egress_session* sessions_ = nullptr;
  std::uint64_t turn_ = 0;
  std::map<std::string, net::clock::time_point> source_warned_;
  std::thread thread_;
};

}  // namespace staticgate::egress

// resolver on c-ares, driven by staticgate's own event loop: no thread of its
// own. c-ares tells us (ARES_OPT_SOCK_STATE_CB) which sockets it opens and
// whether it wants to read or write them; each is registered level-triggered
// with the loop, so a readiness event hands the socket back to ares_process_fd,
// which reads what it wants and leaves the rest to the next wait. One loop
// timer follows ares_timeout() to drive retries and timeouts.
//
// Loop thread only: construct, resolve(), cancel() and destroy on the thread
// that runs `loop`; the loop must outlive the resolver, and whoever owns the
// loop calls destroy_retired() after the resolver is gone (closed sockets'
// watchers are retired to the loop).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/resolver.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"

struct ares_channeldata;

namespace staticgate::dns {

struct cares_resolver_options {
  // "ip:port" or "[ipv6]:port" (port optional, default 53). Empty: the
  // servers of /etc/resolv.conf.
  std::vector<std::string> servers;
  // Timeout of the first try; c-ares doubles it for each later round over all servers.
  std::chrono::milliseconds timeout{2000};
  // How many times each server is asked before giving up with errc::timeout.
  int tries = 3;
  // Advertise a 1232-byte UDP buffer (EDNS0). Off: plain 512-byte UDP, and
  // larger answers come back truncated and are asked again over TCP.
  bool edns = false;
};

class cares_resolver final : public resolver {
 public:
  // Throws std::system_error when c-ares cannot start or a server does not
  // parse (configuration time).
  cares_resolver(net::event_loop& loop, cares_resolver_options options);
  cares_resolver(const cares_resolver&) = delete;
  cares_resolver& operator=(const cares_resolver&) = delete;
  // Pending callbacks are dropped without being called: the owner is being
  // torn down and its callbacks may point into it. Call cancel() first to
  // have them called.
  ~cares_resolver() override;

  // `done` runs from the loop, or before resolve() returns when the query
  // cannot even be sent (a malformed name). Must not destroy the resolver.
  void resolve(const std::string& name, int family, callback done) override;
  // Same contract as resolve().
  void resolve_ns(const std::string& name, ns_callback done) override;

  // Completes every pending query with errc::cancelled.
  void cancel();

  std::size_t pending() const { return pending_; }
  std::size_t open_sockets() const { return sockets_.size(); }

 private:
  class socket_watch;
  struct query;

  static void on_sock_state(void* data, int fd, int readable, int writable);
  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void process(int read_fd, int write_fd);
  void send(const std::string& name, query* q);  // takes q
  void rearm_timer();

  net::event_loop& loop_;
  const cares_resolver_options options_;
  ares_channeldata* channel_ = nullptr;
  std::unordered_map<int, socket_watch*> sockets_;  // owned; retired to the loop on close
  net::callback_timer<std::function<void()>> timer_;
  std::size_t pending_ = 0;
  bool destroying_ = false;
};

}  // namespace staticgate::dns

// A worker thread: its own event loop, listener sockets, balancers, pipe pool
// and forwarding buffer. Workers share nothing mutable but listener counters.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ingress/connection_log.hpp"
#include "ingress/generation.hpp"
#include "ingress/listener.hpp"
#include "ingress/target_group.hpp"
#include "net/event_loop.hpp"
#include "net/pipe_pool.hpp"
#include "net/pump.hpp"

namespace staticgate::ingress {

class session;

class worker {
 public:
  // connection_log_fd: where connection lines go (borrowed), or -1 for none.
  worker(unsigned id, net::forward_mode mode, int connection_log_fd = -1);
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker();

  // Switches to a new generation: new pickers, sockets opened/kept/closed, and
  // connections to targets that left their group drained. On the worker's
  // thread once running (see server), directly before start().
  void apply(worker_generation& generation);
  std::uint64_t generation() const { return generation_; }
  // The current pickers, copied under a lock: for the admin thread.
  std::vector<std::shared_ptr<target_picker>> pickers() const;
  // The picker of group i in the current generation. Worker thread only.
  target_picker& picker(std::size_t group_index) { return *groups_[group_index]; }

  // on_unhealthy = "close": ends this worker's connections to targets of group `group_index`
  // that the last health verdict says are unhealthy.
  void close_sessions_to_unhealthy_targets(std::size_t group_index);

  void start();
  void stop_accepting();  // thread-safe: closes this worker's listening sockets
  void stop();  // thread-safe
  void join();

  unsigned id() const { return id_; }
  net::event_loop& loop() { return loop_; }
  net::forward_context& forwarding() { return forwarding_; }
  connection_log& log() { return log_; }

  // Out of descriptors or memory: every listener of this worker stops accepting
  // for a moment, so waiting clients stay in the backlog instead of being
  // accepted only to be dropped.
  void pause_accepting(const char* why);
  // Sessions accepted but waiting for a descriptor to connect out with. While
  // there are any, listeners stay paused: accepting more clients would take
  // the very descriptors those sessions need, and none would ever be served.
  void descriptor_wait_begins() { ++descriptor_waiters_; }
  void descriptor_wait_ends() { --descriptor_waiters_; }
  bool has_descriptor_waiters() const { return descriptor_waiters_ != 0; }

  // Live sessions, so that shutdown and draining can reach them.
  void link(session* s);
  void unlink(session* s);
  std::size_t session_count() const { return session_count_; }

 private:
  static constexpr std::size_t buffer_size = 64 * 1024;

  unsigned id_;
  net::event_loop loop_;
  net::pipe_pool pipes_;
  std::unique_ptr<char[]> buffer_;
  net::forward_context forwarding_;
  connection_log log_;
  // Shared with the sessions using them, so a picker replaced by a reload lives
  // on until its last connection ends.
  std::vector<std::shared_ptr<target_picker>> groups_;
  mutable std::mutex groups_mutex_;  // groups_ is swapped by apply() and read by the admin thread
  std::uint64_t generation_ = 0;
  void close_drained_sessions();
  net::callback_timer<std::function<void()>> drain_timer_{[this] { close_drained_sessions(); }};
  std::vector<listener_socket*> listeners_;  // owned; retired through the loop when closed
  session* sessions_ = nullptr;  // intrusive list head
  std::size_t session_count_ = 0;
  std::size_t descriptor_waiters_ = 0;
  std::thread thread_;
};

}  // namespace staticgate::ingress

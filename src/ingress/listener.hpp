// A listener: the state all workers share (limits, counters), and the accept
// handler each worker runs on its own SO_REUSEPORT socket.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "config/model.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

class worker;
class target_picker;

struct listener_shared {
  explicit listener_shared(const config::listener& cfg)
      : name(cfg.name),
        max_connections(cfg.max_connections),
        idle_timeout(cfg.idle_timeout),
        accept_proxy_protocol(cfg.accept_proxy_protocol) {}

  const std::string name;
  const std::uint32_t max_connections;  // 0: unlimited
  const std::chrono::milliseconds idle_timeout;
  const bool accept_proxy_protocol;

  std::atomic<std::uint32_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};  // closed at once: over max_connections

  // Claims a connection slot; false when the listener is full.
  bool try_admit() {
    auto now = active.fetch_add(1, std::memory_order_relaxed) + 1;
    if (max_connections != 0 && now > max_connections) {
      active.fetch_sub(1, std::memory_order_relaxed);
      rejected.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    accepted.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  void release() { active.fetch_sub(1, std::memory_order_relaxed); }
};

class listener_socket final : public net::io_handler {
 public:
  listener_socket(worker& owner, listener_shared& shared, target_picker& targets, net::unique_fd fd);
  listener_socket(const listener_socket&) = delete;
  listener_socket& operator=(const listener_socket&) = delete;

  void on_io(std::uint32_t events) override;
  int fd() const { return fd_.get(); }
  // Stops accepting for accept_backoff; new clients wait in the kernel backlog.
  void pause(const char* why);
  // Stops accepting for good (shutdown): the socket is closed.
  void close();

 private:
  void accept_all();

  // Out of descriptors or memory: the pending connections stay in the kernel's
  // backlog and we try again shortly instead of spinning on the error.
  static constexpr std::chrono::milliseconds accept_backoff{100};

  worker& owner_;
  listener_shared& shared_;
  target_picker& targets_;
  net::unique_fd fd_;
  net::callback_timer<std::function<void()>> backoff_timer_;
  bool backing_off_ = false;
};

}  // namespace staticgate::ingress

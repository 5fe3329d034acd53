// A listener: the state all workers share (limits, counters), and the accept
// handler each worker runs on its own SO_REUSEPORT socket.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/model.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

class worker;
class target_picker;

struct listener_shared {
  explicit listener_shared(const config::listener& cfg) : name(cfg.name) { update(cfg); }

  // A reload changes the settings in place, so the counters (and the
  // max_connections accounting of connections already open) carry on.
  void update(const config::listener& cfg) {
    max_connections.store(cfg.max_connections, std::memory_order_relaxed);
    idle_timeout_ms.store(cfg.idle_timeout.count(), std::memory_order_relaxed);
    accept_proxy_protocol.store(cfg.accept_proxy_protocol, std::memory_order_relaxed);
  }
  std::chrono::milliseconds idle_timeout() const {
    return std::chrono::milliseconds(idle_timeout_ms.load(std::memory_order_relaxed));
  }

  const std::string name;
  std::atomic<std::uint32_t> max_connections{0};  // 0: unlimited
  std::atomic<std::int64_t> idle_timeout_ms{0};
  std::atomic<bool> accept_proxy_protocol{false};

  std::atomic<std::uint32_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};  // closed at once: over max_connections

  // Claims a connection slot; false when the listener is full.
  bool try_admit() {
    auto now = active.fetch_add(1, std::memory_order_relaxed) + 1;
    auto limit = max_connections.load(std::memory_order_relaxed);
    if (limit != 0 && now > limit) {
      active.fetch_sub(1, std::memory_order_relaxed);
      rejected.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    accepted.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  void release() { active.fetch_sub(1, std::memory_order_relaxed); }
};

class listener_socket final : public net::io_handler, public net::retirable {
 public:
  listener_socket(worker& owner, std::shared_ptr<listener_shared> shared, std::shared_ptr<target_picker> targets,
                  net::unique_fd fd, std::string address);
  listener_socket(const listener_socket&) = delete;
  listener_socket& operator=(const listener_socket&) = delete;

  void on_io(std::uint32_t events) override;
  int fd() const { return fd_.get(); }
  const std::string& address() const { return address_; }
  // A reload keeps this socket but changes what it feeds.
  void retarget(std::shared_ptr<listener_shared> shared, std::shared_ptr<target_picker> targets) {
    shared_ = std::move(shared);
    targets_ = std::move(targets);
  }
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
  std::shared_ptr<listener_shared> shared_;
  std::shared_ptr<target_picker> targets_;
  net::unique_fd fd_;
  std::string address_;
  net::callback_timer<std::function<void()>> backoff_timer_;
  bool backing_off_ = false;
};

}  // namespace staticgate::ingress

// One edge-triggered epoll loop per worker thread.
//
// Why not Asio here: an Asio wait costs an epoll_ctl per wait and a read costs a
// speculative read that usually returns EAGAIN; for request/response traffic that
// is 1.5x the syscalls of the minimal design below, where every descriptor is
// registered once (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET) and the owner tracks
// readiness itself. See docs/architecture.md for the measurement.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "net/timer_heap.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::net {

class io_handler {
 public:
  // events: the EPOLL* bits reported for this descriptor. Runs on the loop thread.
  virtual void on_io(std::uint32_t events) = 0;

 protected:
  ~io_handler() = default;
};

// Something the loop destroys after the current batch of events, so that an
// event already fetched for it can never reach freed memory.
class retirable {
 public:
  virtual ~retirable() = default;
};

class event_loop {
 public:
  static constexpr std::uint32_t edge_all = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

  event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  std::error_code add(int fd, io_handler* handler, std::uint32_t events = edge_all);
  void remove(int fd);

  // Runs until stop() (a stop() before run() makes it return at once), then can run again.
  // Loop thread only.
  void run();
  // Thread-safe.
  void stop();
  // Thread-safe: runs fn on the loop thread soon.
  void post(std::function<void()> fn);
  // Destroys what was retired. The loop does this after every batch; owners call
  // it once more at shutdown, after run() returned.
  void destroy_retired();

  clock::time_point now() const { return now_; }
  timer_heap& timers() { return timers_; }
  void retire(retirable* object) { retired_.push_back(object); }
  // Calls handler->on_io(0) after the current batch, and makes the next wait not
  // block. For work that yielded its turn while still having more to do. The
  // handler must stay alive until then (see ingress::session for how).
  void defer(io_handler* handler) { deferred_.push_back(handler); }

 private:
  void drain_posted();

  unique_fd epoll_;
  unique_fd wakeup_;  // eventfd
  struct wakeup_handler final : io_handler {
    event_loop* loop = nullptr;
    void on_io(std::uint32_t events) override;
  } wakeup_handler_;
  std::atomic<bool> stopping_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  timer_heap timers_;
  std::vector<retirable*> retired_;
  std::vector<io_handler*> deferred_;
  std::vector<io_handler*> deferred_batch_;
  clock::time_point now_ = clock::now();
};

}  // namespace staticgate::net

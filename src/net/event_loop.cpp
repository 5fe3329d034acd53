#include "net/event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>

namespace staticgate::net {

event_loop::event_loop()
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)), wakeup_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!epoll_ || !wakeup_)
    throw std::system_error(errno, std::system_category(), "creating the event loop");
  wakeup_handler_.loop = this;
  if (auto ec = add(wakeup_.get(), &wakeup_handler_, EPOLLIN | EPOLLET))
    throw std::system_error(ec, "registering the wakeup eventfd");
}

std::error_code event_loop::add(int fd, io_handler* handler, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return {errno, std::system_category()};
  return {};
}

void event_loop::remove(int fd) { ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

void event_loop::run() {
  std::array<epoll_event, 256> events{};
  while (!stopping_.load(std::memory_order_relaxed)) {
    int timeout_ms = -1;
    if (!deferred_.empty()) {
      timeout_ms = 0;
    } else if (!timers_.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.next_deadline() - clock::now());
      timeout_ms = static_cast<int>(std::clamp<long long>(wait.count(), 0, 60'000));
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
    now_ = clock::now();
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::system_category(), "epoll_wait");
    }
    for (int i = 0; i < n; ++i) static_cast<io_handler*>(events[static_cast<std::size_t>(i)].data.ptr)->on_io(events[static_cast<std::size_t>(i)].events);
    timers_.fire_due(now_);
    deferred_batch_.swap(deferred_);
    for (auto* handler : deferred_batch_) handler->on_io(0);
    deferred_batch_.clear();
    destroy_retired();
  }
  drain_posted();
  destroy_retired();
  stopping_.store(false, std::memory_order_relaxed);  // run() may be called again (tests, sync --once)
}

void event_loop::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(wakeup_.get(), &one, sizeof one);
}

void event_loop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(wakeup_.get(), &one, sizeof one);
}

void event_loop::wakeup_handler::on_io(std::uint32_t) {
  std::uint64_t value = 0;
  while (::read(loop->wakeup_.get(), &value, sizeof value) > 0) {
  }
  loop->drain_posted();
}

void event_loop::drain_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(posted_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void event_loop::destroy_retired() {
  // Destructors may retire further objects; keep going until none are left.
  while (!retired_.empty()) {
    auto batch = std::move(retired_);
    retired_.clear();
    for (auto* object : batch) delete object;
  }
}

}  // namespace staticgate::net

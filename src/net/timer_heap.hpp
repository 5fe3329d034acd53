// A binary min-heap of intrusive timers. A timer knows its slot, so cancelling
// (or destroying the object that owns it) is O(log n) and leaves no dangling
// entry behind — which a heap of (deadline, pointer) pairs with lazy deletion
// could not promise once the owner is freed.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

namespace staticgate::net {

using clock = std::chrono::steady_clock;

class timer_heap;

class timer {
 public:
  timer() = default;
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  virtual ~timer();

  bool armed() const { return heap_ != nullptr; }
  clock::time_point deadline() const { return deadline_; }

 protected:
  // Runs on the loop thread when the deadline has passed; the timer is already disarmed.
  virtual void on_timer() = 0;

 private:
  friend class timer_heap;
  clock::time_point deadline_{};
  std::size_t index_ = 0;
  timer_heap* heap_ = nullptr;
};

class timer_heap {
 public:
  void schedule(timer& t, clock::time_point deadline);  // re-arms if already armed
  void cancel(timer& t);
  // Fires every timer due at `now`; returns how many fired.
  std::size_t fire_due(clock::time_point now);
  bool empty() const { return heap_.empty(); }
  clock::time_point next_deadline() const { return heap_.front()->deadline_; }
  std::size_t size() const { return heap_.size(); }

 private:
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void place(std::size_t i, timer* t) {
    heap_[i] = t;
    t->index_ = i;
  }
  std::vector<timer*> heap_;
};

// A timer that calls a member-function-like callable; handy for objects that
// need several timers.
template <typename Fn>
class callback_timer final : public timer {
 public:
  explicit callback_timer(Fn fn) : fn_(std::move(fn)) {}

 protected:
  void on_timer() override { fn_(); }

 private:
  Fn fn_;
};

}  // namespace staticgate::net

#include "net/timer_heap.hpp"

namespace staticgate::net {

timer::~timer() {
  if (heap_) heap_->cancel(*this);
}

void timer_heap::schedule(timer& t, clock::time_point deadline) {
  if (t.heap_ == this) {
    auto earlier = deadline < t.deadline_;
    t.deadline_ = deadline;
    if (earlier)
      sift_up(t.index_);
    else
      sift_down(t.index_);
    return;
  }
  if (t.heap_) t.heap_->cancel(t);
  t.deadline_ = deadline;
  t.heap_ = this;
  heap_.push_back(&t);
  t.index_ = heap_.size() - 1;
  sift_up(t.index_);
}

void timer_heap::cancel(timer& t) {
  if (t.heap_ != this) return;
  auto i = t.index_;
  auto* last = heap_.back();
  heap_.pop_back();
  t.heap_ = nullptr;
  if (last != &t) {
    place(i, last);
    sift_up(i);
    sift_down(last->index_);
  }
}

std::size_t timer_heap::fire_due(clock::time_point now) {
  std::size_t fired = 0;
  while (!heap_.empty() && heap_.front()->deadline_ <= now) {
    timer* t = heap_.front();
    cancel(*t);
    ++fired;
    t->on_timer();  // may re-arm itself or destroy its owner
  }
  return fired;
}

void timer_heap::sift_up(std::size_t i) {
  timer* t = heap_[i];
  while (i > 0) {
    auto parent = (i - 1) / 2;
    if (heap_[parent]->deadline_ <= t->deadline_) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void timer_heap::sift_down(std::size_t i) {
  timer* t = heap_[i];
  auto n = heap_.size();
  while (true) {
    auto child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1]->deadline_ < heap_[child]->deadline_) ++child;
    if (t->deadline_ <= heap_[child]->deadline_) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

}  // namespace staticgate::net

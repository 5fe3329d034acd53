#include "net/timer_heap.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace staticgate::net {
namespace {

using namespace std::chrono_literals;

struct recording_timer final : timer {
  std::vector<int>* log = nullptr;
  int id = 0;
  void on_timer() override { log->push_back(id); }
};

TEST(timer_heap, fires_in_deadline_order_only_when_due) {
  timer_heap heap;
  std::vector<int> fired;
  recording_timer a, b, c;
  a.log = b.log = c.log = &fired;
  a.id = 1, b.id = 2, c.id = 3;
  auto t0 = clock::time_point{};
  heap.schedule(a, t0 + 30ms);
  heap.schedule(b, t0 + 10ms);
  heap.schedule(c, t0 + 20ms);
  EXPECT_EQ(heap.fire_due(t0 + 5ms), 0u);
  EXPECT_EQ(heap.fire_due(t0 + 20ms), 2u);
  EXPECT_EQ(fired, (std::vector<int>{2, 3}));
  EXPECT_FALSE(b.armed());
  EXPECT_TRUE(a.armed());
  heap.fire_due(t0 + 1s);
  EXPECT_EQ(fired, (std::vector<int>{2, 3, 1}));
  EXPECT_TRUE(heap.empty());
}

TEST(timer_heap, rescheduling_moves_a_timer_both_ways) {
  timer_heap heap;
  std::vector<int> fired;
  recording_timer a, b;
  a.log = b.log = &fired;
  a.id = 1, b.id = 2;
  auto t0 = clock::time_point{};
  heap.schedule(a, t0 + 10ms);
  heap.schedule(b, t0 + 20ms);
  heap.schedule(a, t0 + 30ms);  // later
  EXPECT_EQ(heap.next_deadline(), t0 + 20ms);
  heap.schedule(a, t0 + 5ms);  // earlier again
  EXPECT_EQ(heap.next_deadline(), t0 + 5ms);
  heap.fire_due(t0 + 1s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(timer_heap, a_destroyed_timer_leaves_the_heap) {
  timer_heap heap;
  std::vector<int> fired;
  recording_timer keep;
  keep.log = &fired;
  keep.id = 7;
  auto t0 = clock::time_point{};
  {
    recording_timer gone;
    gone.log = &fired;
    heap.schedule(gone, t0 + 1ms);
    heap.schedule(keep, t0 + 2ms);
    EXPECT_EQ(heap.size(), 2u);
  }
  EXPECT_EQ(heap.size(), 1u);
  heap.fire_due(t0 + 1s);
  EXPECT_EQ(fired, (std::vector<int>{7}));
}

TEST(timer_heap, many_timers_cancelled_in_any_order_keep_the_heap_valid) {
  timer_heap heap;
  std::vector<int> fired;
  std::vector<recording_timer> timers(200);
  auto t0 = clock::time_point{};
  for (int i = 0; i < 200; ++i) {
    timers[static_cast<std::size_t>(i)].log = &fired;
    timers[static_cast<std::size_t>(i)].id = i;
    heap.schedule(timers[static_cast<std::size_t>(i)], t0 + std::chrono::milliseconds((i * 37) % 200));
  }
  for (int i = 0; i < 200; i += 3) heap.cancel(timers[static_cast<std::size_t>(i)]);
  heap.fire_due(t0 + 1s);
  ASSERT_EQ(fired.size(), 200u - 67u);
  for (std::size_t i = 1; i < fired.size(); ++i)
    EXPECT_LE((fired[i - 1] * 37) % 200, (fired[i] * 37) % 200) << "out of order at " << i;
}

}  // namespace
}  // namespace staticgate::net

// One thread running blocking jobs in order (AWS calls for discovery groups with an external
// target group), so the event loop that schedules the DNS lookups never waits on them.
// The destructor lets the running job finish, drops the queued ones and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace staticgate::discovery {

class blocking_worker {
 public:
  blocking_worker();
  ~blocking_worker();
  blocking_worker(const blocking_worker&) = delete;
  blocking_worker& operator=(const blocking_worker&) = delete;

  void submit(std::function<void()> job);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace staticgate::discovery

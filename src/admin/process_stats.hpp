// Figures about the staticgate process itself, for /metrics.
#pragma once

#include <cstdint>

namespace staticgate::admin {

struct process_stats {
  std::uint64_t open_fds = 0;
  std::uint64_t rss_bytes = 0;
  double uptime_seconds = 0;
};

// Reads /proc/self/fd, /proc/self/statm, /proc/self/stat and /proc/uptime.
// Figures it cannot read are left 0. Any thread; a few syscalls, so call it
// from the admin thread, not a worker.
process_stats read_process_stats();

}  // namespace staticgate::admin

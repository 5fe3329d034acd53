// The per-connection log: one JSON line per finished connection, with the
// client's real address, which of our static addresses it reached, the target,
// bytes each way, duration and how it ended. What NLB users dig out of VPC
// flow logs, in one line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/endpoint.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"

namespace staticgate::ingress {

enum class end_reason : std::uint8_t {
  client_closed,   // both directions ended; the client sent FIN first
  target_closed,   // both directions ended; the target sent FIN first
  idle_timeout,
  connect_failed,  // no target could be connected (after retries)
  client_reset,
  target_reset,
  error,
  shutdown,  // staticgate stopped
  drained,   // its target left the group and the deregistration delay ran out
  target_unhealthy,  // its target turned unhealthy and the group says on_unhealthy = "close"
};

const char* to_string(end_reason reason);

struct connection_record {
  std::chrono::system_clock::time_point start;
  std::string_view listener;
  std::string_view target_group;
  net::endpoint client;
  net::endpoint local;               // the listener address the client reached
  const net::endpoint* target = nullptr;  // the target connected to, or null
  std::uint32_t attempts = 0;        // connect attempts made
  std::uint64_t bytes_from_client = 0;
  std::uint64_t bytes_from_target = 0;
  std::chrono::microseconds duration{};
  end_reason reason = end_reason::error;
};

// Appends r as one JSON object and a newline. Pure; unit-tested.
void append_json_line(std::string& out, const connection_record& r);

// One per worker, used only on its thread. Lines are buffered and written with
// one write(2) of whole lines to a descriptor opened with O_APPEND, so lines of
// different workers never interleave; the buffer is flushed when it grows past
// flush_bytes or flush_delay after the first unflushed line, and at shutdown.
class connection_log {
 public:
  connection_log(int fd, net::event_loop& loop);  // fd < 0: disabled; the fd is borrowed
  connection_log(const connection_log&) = delete;
  connection_log& operator=(const connection_log&) = delete;
  ~connection_log();

  bool enabled() const { return fd_ >= 0; }
  void record(const connection_record& r);
  void flush();

 private:
  static constexpr std::size_t flush_bytes = 32 * 1024;
  static constexpr std::chrono::milliseconds flush_delay{250};

  int fd_;
  net::event_loop& loop_;
  std::string buffer_;
  net::callback_timer<std::function<void()>> flush_timer_;
};

}  // namespace staticgate::ingress

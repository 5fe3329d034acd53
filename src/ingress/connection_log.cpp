#include "ingress/connection_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <fmt/format.h>

namespace staticgate::ingress {

const char* to_string(end_reason reason) {
  switch (reason) {
    case end_reason::client_closed: return "client_closed";
    case end_reason::target_closed: return "target_closed";
    case end_reason::idle_timeout: return "idle_timeout";
    case end_reason::connect_failed: return "connect_failed";
    case end_reason::client_reset: return "client_reset";
    case end_reason::target_reset: return "target_reset";
    case end_reason::error: return "error";
    case end_reason::shutdown: return "shutdown";
    case end_reason::drained: return "drained";
    case end_reason::target_unhealthy: return "target_unhealthy";
  }
  return "error";
}

namespace {

// RFC 3339 in UTC with milliseconds: sortable, and what log tools parse.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point t) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(since_epoch.count() / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, since_epoch.count() % 1000);
}

}  // namespace

// Every string written here is an address, a validated name ([A-Za-z0-9_.-])
// or a fixed word, so none needs JSON escaping.
void append_json_line(std::string& out, const connection_record& r) {
  out += "{\"start\":\"";
  append_timestamp(out, r.start);
  fmt::format_to(std::back_inserter(out),
                 "\",\"listener\":\"{}\",\"client\":\"{}\",\"local\":\"{}\",\"target_group\":\"{}\",\"target\":",
                 r.listener, r.client.to_string(), r.local.to_string(), r.target_group);
  if (r.target)
    fmt::format_to(std::back_inserter(out), "\"{}\"", r.target->to_string());
  else
    out += "null";
  fmt::format_to(std::back_inserter(out),
                 ",\"attempts\":{},\"bytes_from_client\":{},\"bytes_from_target\":{},\"duration_ms\":{:.3f},"
                 "\"end\":\"{}\"}}\n",
                 r.attempts, r.bytes_from_client, r.bytes_from_target,
                 static_cast<double>(r.duration.count()) / 1000.0, to_string(r.reason));
}

connection_log::connection_log(int fd, net::event_loop& loop)
    : fd_(fd), loop_(loop), flush_timer_([this] { flush(); }) {}

connection_log::~connection_log() { flush(); }

void connection_log::record(const connection_record& r) {
  if (fd_ < 0) return;
  append_json_line(buffer_, r);
  if (buffer_.size() >= flush_bytes)
    flush();
  else if (!flush_timer_.armed())
    loop_.timers().schedule(flush_timer_, loop_.now() + flush_delay);
}

void connection_log::flush() {
  loop_.timers().cancel(flush_timer_);
  std::size_t done = 0;
  while (done < buffer_.size()) {
    auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // a full disk or closed pipe must not stop forwarding; the lines are dropped
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace staticgate::ingress

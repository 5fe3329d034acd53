// The wire format of an HTTP health probe, with no sockets: the request bytes
// to send, and an incremental parser that reads as little of the response as
// it takes to decide pass or fail. The HTTP probe owns the connection and the
// timeout; this file only knows bytes.
//
// The parser keeps no copy of the input (a state and a few counters), so a
// target that sends garbage fails on the first wrong byte, and one that sends
// an endless line fails after max_bytes; neither can make it hang or grow.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingress/health/health_state.hpp"

namespace staticgate::health {

struct http_probe_request {
  std::string method = "GET";
  std::string path = "/";
  // The Host header, required by HTTP/1.1. The checker passes the configured
  // name, or else the target's address (net::endpoint::to_string(), which
  // already brackets IPv6: "[::1]:8080").
  std::string host;
};

// Error text for a request that cannot be sent as given, or nullopt. The
// method is 1-16 of A-Z, '-', '_' (uppercase on purpose: methods are case
// sensitive and "get" is a typo, not a method); the path starts with '/', is at
// most 1024 visible ASCII characters and has no '#' (percent-encode other bytes);
// the host is 1-261 visible ASCII characters without '/', '?', '#', '@' or '\'.
// Nothing may contain spaces or line breaks, so no value can inject a header.
std::optional<std::string> validate(const http_probe_request& request);

// "GET /path HTTP/1.1\r\nHost: h\r\nUser-Agent: staticgate-health\r\n
// Connection: close\r\n\r\n". Connection: close lets the target free the
// connection at once, and the probe never needs more than the status line.
// Throws std::invalid_argument when validate() reports a problem; build once
// per target at configuration time and resend the same bytes.
std::string build_http_probe_request(const http_probe_request& request);

// The set of final status codes that pass, 200..599.
class status_ranges {
 public:
  // Comma-separated codes and inclusive ranges: "200", "200-299",
  // "200,204,300-399"; spaces around items are fine. Each code is exactly
  // three digits within 200-599 (1xx responses are interim: the parser skips
  // them and judges the final response). On failure returns nullopt and sets
  // `error` to a message that quotes the offending item.
  static std::optional<status_ranges> parse(std::string_view spec, std::string& error);

  bool contains(int code) const { return code >= 0 && code < max_code && codes_.test(static_cast<std::size_t>(code)); }
  // Canonical text, ranges merged: "200-299,304".
  std::string to_string() const;

 private:
  static constexpr int max_code = 600;
  std::bitset<max_code> codes_;
};

// 2xx and 3xx, as NLB and HAProxy's httpchk: a redirect to a login page still
// shows that the application is up.
inline constexpr std::string_view default_status_spec = "200-399";

enum class parse_verdict : std::uint8_t { need_more, passed, failed };

// Reads the status line of an HTTP/1.0 or HTTP/1.1 response. Accepts what
// RFC 9112 lets a recipient accept (a bare LF as line end, a missing reason
// phrase) and skips interim 1xx responses with their headers; anything else that
// is not "HTTP/1.<digit> <3 digits>[ <reason>]" fails as malformed at the first
// byte that shows it. Not thread-safe; one per probe.
class http_status_parser {
 public:
  // Enough for a status line, or a few 1xx responses, many times over; a
  // response that has not shown its final status line by then is not one.
  static constexpr std::size_t default_max_bytes = 4096;

  explicit http_status_parser(const status_ranges& accepted, std::size_t max_bytes = default_max_bytes);

  // Consumes bytes as they arrive, in chunks of any size. Once the verdict is
  // in, the rest is ignored (the caller then closes the connection).
  parse_verdict feed(std::string_view bytes);
  // The peer closed the connection: without a verdict by now, the probe fails.
  parse_verdict finish();

  parse_verdict verdict() const { return verdict_; }
  // Why it failed, once verdict() is failed.
  std::optional<probe_failure> failure() const { return failure_; }
  // The final status code once it has been read (also when it was unexpected), else 0.
  int status_code() const { return status_code_; }
  std::size_t bytes_consumed() const { return consumed_; }

 private:
  enum class state : std::uint8_t { version, status, after_status, reason, status_lf, header, header_lf };

  void step(char c);
  void end_status_line();
  void fail(probe_failure why);

  status_ranges accepted_;
  std::size_t max_bytes_;
  std::size_t consumed_ = 0;
  state state_ = state::version;
  std::size_t position_ = 0;  // within "HTTP/1.x " or the three status digits
  int code_ = 0;              // status code being read
  bool header_line_empty_ = true;
  parse_verdict verdict_ = parse_verdict::need_more;
  std::optional<probe_failure> failure_;
  int status_code_ = 0;
};

}  // namespace staticgate::health

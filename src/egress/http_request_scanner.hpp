// The lexical layer of the HTTP proxy request parser (internal to egress/): walks the bytes of a
// request head once, as they arrive, checking each against RFC 9112's grammar for the request
// line and field lines and against the size limits, without copying anything. It finds where
// the request line and the head end; http_proxy_codec then reads their meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace staticgate::egress {

struct http_request_limits {
  // The whole head, request line and terminating CRLFCRLF included. 16 KiB is four times what
  // browsers and curl send with large cookies, and bounds the buffer of each handshake.
  std::size_t max_head = 16 * 1024;
  // The request line including CRLF (RFC 9112 section 3 suggests supporting at least 8000).
  std::size_t max_request_line = 8 * 1024;
  std::size_t max_fields = 100;
};

class http_request_scanner {
 public:
  enum class event : std::uint8_t {
    need_more,              // everything so far is a valid prefix
    request_line,           // the request line ends at `end` (after its CRLF)
    head,                   // the head ends at `end` (after the empty line)
    syntax_error,           // `reason` says which rule
    request_line_too_long,  // longer than max_request_line
    head_too_large,         // longer than max_head
    too_many_fields,        // more than max_fields
  };

  struct result {
    event what = event::need_more;
    std::size_t end = 0;
    std::string_view reason;
  };

  explicit http_request_scanner(const http_request_limits& limits) : limits_(limits) {}

  // Continues from where the previous call stopped; `received` must extend the bytes of earlier
  // calls. Returns at each request_line or head event (call again to go on after the request
  // line); after head or an error it repeats that answer.
  result scan(std::string_view received);

 private:
  enum class state : std::uint8_t {
    method, target, version, request_line_lf,
    field_start, field_name, field_value, field_lf, final_lf,
    done,
  };

  // Moves past one byte; returns an event other than need_more to stop the scan there.
  result step(unsigned char c);

  http_request_limits limits_;
  state state_ = state::method;
  std::size_t position_ = 0;  // bytes scanned so far
  std::size_t token_length_ = 0;  // of the method, target or version being scanned
  std::size_t fields_ = 0;
  result final_;  // set once done or failed
  bool stopped_ = false;
};

// RFC 9110 section 5.6.2: tchar, the characters of a method or field name.
bool is_token_char(unsigned char c);

}  // namespace staticgate::egress

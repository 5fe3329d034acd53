// Pure codec for the HTTP side of the egress proxy: reads a client's HTTP/1.x request head
// (CONNECT host:port, or an absolute-form request such as "GET http://host/path HTTP/1.1") and
// writes the short answers a proxy gives. No I/O; the session owns the socket and the timeout.
//
// Status codes for a refused request head (each error carries one):
//   400 bad_request      - syntax (RFC 9112): a byte a token or field may not hold, bare CR or
//                          LF, obs-fold or whitespace before a colon or the first field, a bad
//                          version, target or port, userinfo or a fragment in the target, an
//                          origin-form target (a request for the proxy itself), several Host or
//                          Proxy-Authorization fields, duplicate or invalid Content-Length,
//                          Transfer-Encoding with CONNECT, with HTTP/1.0, with Content-Length or
//                          without chunked as its final coding (RFC 9112 section 6.3);
//   414 uri_too_long     - the request line is longer than max_request_line;
//   431 request_header_fields_too_large - the head is longer than max_head, or has more than
//                          max_fields fields;
//   501 not_implemented  - valid HTTP a forward proxy does not do: an absolute URI whose scheme
//                          is not http (https:// is tunnelled with CONNECT instead), the
//                          asterisk form (OPTIONS *), a transfer coding we do not know;
//   505 http_version_not_supported - not HTTP/1.x (e.g. the HTTP/2 preface "PRI * HTTP/2.0").
// No 405: any method token is forwarded in absolute form, and CONNECT is the only one given a
// special meaning. A missing Host field is accepted although RFC 9112 asks for one, because
// some clients leave it out of CONNECT and the target names the destination anyway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "egress/destination.hpp"
#include "egress/http_request_scanner.hpp"

namespace staticgate::egress::http_proxy {

enum class status : int {
  connection_established = 200,
  bad_request = 400,
  forbidden = 403,
  proxy_authentication_required = 407,
  uri_too_long = 414,
  too_many_requests = 429,  // a per-user connection limit
  request_header_fields_too_large = 431,
  not_implemented = 501,
  bad_gateway = 502,
  service_unavailable = 503,  // the server's connection limit, shutting down
  gateway_timeout = 504,
  http_version_not_supported = 505,
};

// "Bad Request", "Forbidden", ... (the reason phrase we send).
std::string_view reason_phrase(status s);

using limits = http_request_limits;

struct header_field {
  std::string name;   // as sent (case preserved)
  std::string value;  // leading and trailing spaces and tabs removed

  friend bool operator==(const header_field&, const header_field&) = default;
};

enum class request_form : std::uint8_t {
  connect,   // "CONNECT host:port": open a tunnel
  absolute,  // "METHOD http://host[:port]/path": forward one request
};

// How the body after the head is delimited (absolute form only; a CONNECT tunnel has none).
struct body_framing {
  std::optional<std::uint64_t> content_length;
  bool chunked = false;  // Transfer-Encoding ending in chunked; content_length is then unset

  friend bool operator==(const body_framing&, const body_framing&) = default;
};

struct request_head {
  std::string method;  // case-sensitive token, as sent
  request_form form = request_form::connect;
  egress::destination target;  // IP literals (IPv6 in brackets on the wire) become addresses
  // Absolute form: path and query, "/" when the URI has no path ("http://h" or "http://h?q"
  // becomes "/" or "/?q"). Empty for CONNECT.
  std::string origin_target;
  int minor_version = 1;  // HTTP/1.x; x > 1 is read as 1, as RFC 9112 section 2.3 allows
  std::vector<header_field> fields;
  body_framing body;

  // The first field with this name, ignoring ASCII case; nullptr if none.
  const header_field* find(std::string_view name) const;
  std::size_t count(std::string_view name) const;

  friend bool operator==(const request_head&, const request_head&) = default;
};

struct need_more {};

struct error {
  http_proxy::status status = status::bad_request;  // answer with encode_response(status)
  std::string_view reason;  // static text naming the rule that failed, for the connection log
};

struct parsed {
  request_head head;
  std::size_t consumed = 0;  // bytes of the head, terminating CRLFCRLF included
};

using parse_result = std::variant<parsed, need_more, error>;

// Reads one request head as it arrives. Keeps a few counters, never a copy of the input, and
// looks at each byte once, so feeding a 16 KiB head one byte per call costs the same as feeding
// it at once. A byte that no valid head could contain at that point is an error at once (a TLS
// ClientHello fails on its first byte); a limit is an error as soon as it is passed. Given the
// same bytes, any split gives the same answer. One per connection; not thread-safe.
class request_head_parser {
 public:
  explicit request_head_parser(const limits& l = {}) : scanner_(l) {}

  // `received`: everything received on the connection so far. Each call must pass the bytes of
  // the previous call plus any that arrived since. Once the answer is parsed or error, later
  // calls repeat it; bytes after the head (a request body, or tunnel data a client sent early)
  // are left to the caller.
  parse_result parse(std::string_view received);

 private:
  http_request_scanner scanner_;
  request_head head_;  // filled in from the request line as soon as it is complete
  std::optional<parse_result> answer_;
};

// The same, all at once: for a buffer that is known to hold a whole head, tests and fuzzing.
parse_result parse_request_head(std::string_view bytes, const limits& l = {});

// Client side, the inverse of the parser: the request line from form, method, target and
// origin_target (the port always written out), then the fields, then CRLF. Body framing is
// not written separately: it comes from the fields.
std::string encode_request_head(const request_head& head);

// The head to send to the origin for an absolute-form request: "METHOD origin-target HTTP/1.1",
// the client's fields minus the hop-by-hop ones (Connection and every field it names,
// Proxy-Connection, Keep-Alive, Proxy-Authorization, Proxy-Authenticate, TE, Trailer, Upgrade)
// and minus Host, then "Host: <target>" (RFC 9112 section 3.2.2: a proxy replaces Host with the
// target's authority; the port is left out when it is 80) and "Connection: close" - one request
// per connection, so the session never has to find where one response ends and the next
// request begins. The body that follows is forwarded unchanged.
std::string encode_origin_request_head(const request_head& head);

// "HTTP/1.1 200 Connection established\r\n\r\n": no Content-Length, which RFC 9110 section
// 9.3.6 forbids in a 2xx answer to CONNECT; the tunnel starts right after it.
std::string encode_connection_established();

// A complete short answer: status line, "Content-Type: text/plain", Content-Length,
// "Connection: close" and a one-line body; the caller closes after sending it. For
// proxy_authentication_required it adds `Proxy-Authenticate: Basic realm="<realm>"` (quotes and
// backslashes in the realm escaped, control characters dropped).
std::string encode_response(status s, std::string_view realm = "staticgate");

}  // namespace staticgate::egress::http_proxy

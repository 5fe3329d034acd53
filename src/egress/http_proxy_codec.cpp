#include "egress/http_proxy_codec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace staticgate::egress::http_proxy {

namespace {

constexpr std::string_view crlf = "\r\n";
// A DNS name is at most 253 characters, 254 with a trailing dot; leave a little room.
constexpr std::size_t max_host_length = 255;
constexpr std::uint16_t default_http_port = 80;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Calls `f` with each non-empty element of a comma-separated field value (RFC 9110 section
// 5.6.1: empty elements are allowed and ignored); stops early when `f` returns false.
template <class F>
bool for_each_list_element(std::string_view value, F f) {
  while (true) {
    const auto comma = value.find(',');
    const auto element = trim(value.substr(0, comma));
    if (!element.empty() && !f(element)) return false;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

// Letters, digits, '-', '.', '_': what resolvers accept. RFC 3986 reg-name also allows
// sub-delims and percent-encoding, which no DNS name needs.
bool is_host_name(std::string_view host) {
  return !host.empty() && host.size() <= max_host_length &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == '_';
         });
}

std::optional<error> syntax(std::string_view why) { return error{status::bad_request, why}; }

// "host:port", "[v6]:port", and in absolute form also "host" or "host:" (default port).
std::optional<error> parse_authority(std::string_view authority, bool port_required, destination& out) {
  if (authority.find('@') != std::string_view::npos) return syntax("userinfo in the request target");
  std::string_view host;
  std::string_view rest;  // "" or ":port"
  bool ipv6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return syntax("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    ipv6 = true;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (!rest.empty() && rest.front() != ':') return syntax("invalid authority");
  std::string_view port_text = rest.empty() ? rest : rest.substr(1);
  if (port_text.empty() && port_required) return syntax("CONNECT target without a port");
  std::uint16_t port = default_http_port;
  if (!port_text.empty()) {
    unsigned value = 0;
    if (port_text.size() > 5 || !all_digits(port_text)) return syntax("invalid port");
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (value == 0 || value > 65535) return syntax("port out of range");
    port = static_cast<std::uint16_t>(value);
  }

  // IP literals through the one parser net::endpoint already trusts (no zones, no IPvFuture).
  const std::string port_suffix = ':' + std::to_string(port);
  if (ipv6) {
    const auto ep = net::endpoint::parse('[' + std::string(host) + ']' + port_suffix);
    if (!ep || !ep->is_v6()) return syntax("invalid IPv6 address");
    out = destination::from_address(*ep);
    return std::nullopt;
  }
  if (!is_host_name(host)) return syntax("invalid host");
  // Strict dotted quad only (inet_pton); other numeric spellings stay names, and the policy
  // judges whatever address they resolve to.
  if (const auto ep = net::endpoint::parse(std::string(host) + port_suffix)) {
    out = destination::from_address(*ep);
  } else {
    out = destination::from_name(std::string(host), port);
  }
  return std::nullopt;
}

// "scheme://authority[/path][?query]" with scheme http (any case).
std::optional<error> parse_absolute_target(std::string_view target, request_head& head) {
  const auto separator = target.find("://");
  const auto scheme = target.substr(0, separator);
  const bool scheme_ok =
      separator != std::string_view::npos && !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
      std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (!scheme_ok) return syntax("request target is neither absolute nor authority form");
  if (!iequals(scheme, "http")) return error{status::not_implemented, "absolute URI scheme is not http"};
  const auto rest = target.substr(separator + 3);
  if (rest.find('#') != std::string_view::npos) return syntax("fragment in the request target");
  const auto path_start = rest.find_first_of("/?");
  if (auto e = parse_authority(rest.substr(0, path_start), false, head.target)) return e;
  const auto path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  head.origin_target = path.empty() || path.front() == '?' ? '/' + std::string(path) : std::string(path);
  head.form = request_form::absolute;
  return std::nullopt;
}

// The request line without its CRLF; the scanner has checked it is "token SP visible SP visible".
std::optional<error> parse_request_line(std::string_view line, request_head& head) {
  const auto first_space = line.find(' ');
  const auto second_space = line.find(' ', first_space + 1);
  head.method = std::string(line.substr(0, first_space));
  const auto target = line.substr(first_space + 1, second_space - first_space - 1);
  const auto version = line.substr(second_space + 1);

  constexpr std::string_view prefix = "HTTP/";
  if (version.size() != prefix.size() + 3 || !version.starts_with(prefix) || version[6] != '.' ||
      !all_digits(version.substr(5, 1)) || !all_digits(version.substr(7, 1)))
    return syntax("invalid HTTP version");
  if (version[5] != '1') return error{status::http_version_not_supported, "not HTTP/1.x"};
  head.minor_version = version[7] == '0' ? 0 : 1;

  if (target == "*") return error{status::not_implemented, "asterisk-form request target"};
  if (target.front() == '/') return syntax("origin-form target: a request for the proxy itself");
  if (head.method == "CONNECT") {
    head.form = request_form::connect;
    return parse_authority(target, true, head.target);
  }
  return parse_absolute_target(target, head);
}

// Field lines between the request line and the empty line, each checked by the scanner.
void split_fields(std::string_view block, std::vector<header_field>& fields) {
  while (!block.empty()) {
    const auto end = block.find(crlf);
    const auto line = block.substr(0, end);
    const auto colon = line.find(':');
    fields.push_back({std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1)))});
    block.remove_prefix(end + crlf.size());
  }
}

// The meaning of the fields the proxy relies on; see the header for each rule.
std::optional<error> check_fields(request_head& head) {
  if (head.count("Host") > 1) return syntax("more than one Host field");
  if (head.count("Proxy-Authorization") > 1) return syntax("more than one Proxy-Authorization field");

  const std::size_t content_lengths = head.count("Content-Length");
  if (content_lengths > 1) return syntax("more than one Content-Length field");
  if (content_lengths == 1) {
    const auto& value = head.find("Content-Length")->value;
    // 19 digits always fit in 64 bits.
    if (value.empty() || value.size() > 19 || !all_digits(value)) return syntax("invalid Content-Length");
    std::uint64_t n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    if (head.form == request_form::absolute) head.body.content_length = n;
  }

  if (head.count("Transfer-Encoding") == 0) return std::nullopt;
  if (head.form == request_form::connect) return syntax("Transfer-Encoding in a CONNECT request");
  if (head.minor_version == 0) return syntax("Transfer-Encoding in an HTTP/1.0 request");
  if (content_lengths > 0) return syntax("both Transfer-Encoding and Content-Length");
  bool chunked_last = false;
  bool unknown = false;
  for (const auto& f : head.fields) {
    if (!iequals(f.name, "Transfer-Encoding")) continue;
    for_each_list_element(f.value, [&](std::string_view element) {
      const auto coding = trim(element.substr(0, element.find(';')));
      chunked_last = iequals(coding, "chunked");
      if (!chunked_last && !iequals(coding, "gzip") && !iequals(coding, "x-gzip") && !iequals(coding, "deflate") &&
          !iequals(coding, "compress") && !iequals(coding, "x-compress"))
        unknown = true;
      return true;
    });
  }
  if (unknown) return error{status::not_implemented, "unknown transfer coding"};
  if (!chunked_last) return syntax("Transfer-Encoding does not end in chunked");
  head.body.chunked = true;
  return std::nullopt;
}

// Hop-by-hop fields (RFC 9110 section 7.6.1, plus the Proxy-* ones meant for us) and Host,
// which encode_origin_request_head writes itself.
bool is_dropped_for_origin(std::string_view name, const request_head& head) {
  static constexpr std::string_view always[] = {"Connection", "Proxy-Connection", "Keep-Alive",
                                                 "Proxy-Authorization", "Proxy-Authenticate", "TE",
                                                 "Trailer", "Upgrade", "Host"};
  if (std::any_of(std::begin(always), std::end(always), [&](std::string_view h) { return iequals(h, name); }))
    return true;
  for (const auto& f : head.fields) {
    if (!iequals(f.name, "Connection")) continue;
    if (!for_each_list_element(f.value, [&](std::string_view listed) { return !iequals(listed, name); }))
      return true;
  }
  return false;
}

// The target as a Host value: without the port when it is http's default.
std::string host_field_value(const destination& d) {
  std::string host = d.is_name() ? d.name : d.address.is_v6() ? '[' + d.address.ip_string() + ']' : d.address.ip_string();
  if (d.port != default_http_port) host += ':' + std::to_string(d.port);
  return host;
}

}  // namespace

std::string_view reason_phrase(status s) {
  switch (s) {
    case status::connection_established: return "Connection established";
    case status::bad_request: return "Bad Request";
    case status::forbidden: return "Forbidden";
    case status::proxy_authentication_required: return "Proxy Authentication Required";
    case status::uri_too_long: return "URI Too Long";
    case status::too_many_requests: return "Too Many Requests";
    case status::request_header_fields_too_large: return "Request Header Fields Too Large";
    case status::not_implemented: return "Not Implemented";
    case status::bad_gateway: return "Bad Gateway";
    case status::service_unavailable: return "Service Unavailable";
    case status::gateway_timeout: return "Gateway Timeout";
    case status::http_version_not_supported: return "HTTP Version Not Supported";
  }
  return "Error";
}

const header_field* request_head::find(std::string_view name) const {
  const auto it = std::find_if(fields.begin(), fields.end(), [&](const header_field& f) { return iequals(f.name, name); });
  return it == fields.end() ? nullptr : &*it;
}

std::size_t request_head::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields.begin(), fields.end(), [&](const header_field& f) { return iequals(f.name, name); }));
}

parse_result request_head_parser::parse(std::string_view received) {
  if (answer_) return *answer_;
  while (true) {
    const auto r = scanner_.scan(received);
    using event = http_request_scanner::event;
    switch (r.what) {
      case event::need_more: return need_more{};
      case event::request_line:
        // Decide on the request line at once: a client speaking HTTP/2 or asking for https://
        // should not have to send its fields first.
        if (auto e = parse_request_line(received.substr(0, r.end - crlf.size()), head_)) return *(answer_ = *e);
        continue;
      case event::head: {
        const auto line_end = received.find(crlf) + crlf.size();
        split_fields(received.substr(line_end, r.end - line_end - crlf.size()), head_.fields);
        if (auto e = check_fields(head_)) return *(answer_ = *e);
        return *(answer_ = parsed{std::move(head_), r.end});
      }
      case event::syntax_error: return *(answer_ = error{status::bad_request, r.reason});
      case event::request_line_too_long: return *(answer_ = error{status::uri_too_long, r.reason});
      case event::head_too_large:
      case event::too_many_fields: return *(answer_ = error{status::request_header_fields_too_large, r.reason});
    }
  }
}

parse_result parse_request_head(std::string_view bytes, const limits& l) {
  request_head_parser parser(l);
  return parser.parse(bytes);
}

std::string encode_request_head(const request_head& head) {
  std::string out = head.method + ' ';
  if (head.form == request_form::absolute) out += "http://";
  out += head.target.is_name() ? head.target.name + ':' + std::to_string(head.target.port) : head.target.address.to_string();
  if (head.form == request_form::absolute) out += head.origin_target;
  out += head.minor_version == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
  for (const auto& f : head.fields) out += f.name + ": " + f.value + "\r\n";
  return out += crlf;
}

std::string encode_origin_request_head(const request_head& head) {
  std::string out = head.method + ' ' + head.origin_target + " HTTP/1.1\r\n";
  for (const auto& f : head.fields)
    if (!is_dropped_for_origin(f.name, head)) out += f.name + ": " + f.value + "\r\n";
  out += "Host: " + host_field_value(head.target) + "\r\n";
  return out += "Connection: close\r\n\r\n";
}

std::string encode_connection_established() { return "HTTP/1.1 200 Connection established\r\n\r\n"; }

std::string encode_response(status s, std::string_view realm) {
  if (s == status::connection_established) return encode_connection_established();
  const std::string code = std::to_string(static_cast<int>(s));
  const std::string body = code + ' ' + std::string(reason_phrase(s)) + '\n';
  std::string out = "HTTP/1.1 " + code + ' ' + std::string(reason_phrase(s)) + "\r\n";
  if (s == status::proxy_authentication_required) {
    out += "Proxy-Authenticate: Basic realm=\"";
    for (const char c : realm) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7F) continue;  // would end or corrupt the field line
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"\r\n";
  }
  out += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return out += "Connection: close\r\n\r\n" + body;
}

}  // namespace staticgate::egress::http_proxy

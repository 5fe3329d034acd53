#include "ingress/health/http_probe_codec.hpp"

#include <stdexcept>

namespace staticgate::health {
namespace {

constexpr std::size_t max_method = 16;
constexpr std::size_t max_path = 1024;
constexpr std::size_t max_host = 261;  // a 255-byte name, ':' and a port
constexpr std::string_view version_prefix = "HTTP/1.";

bool is_visible(char c) { return c > ' ' && c < '\x7f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// User text for an error message: short, and with control bytes escaped so a
// stray byte in a file cannot garble the terminal.
std::string quoted(std::string_view text) {
  constexpr std::size_t limit = 40;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b < 0x20 || b >= 0x7f) {
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xf];
    } else {
      out += static_cast<char>(b);
    }
  }
  if (text.size() > limit) out += "...";
  out += '"';
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A three-digit code, or -1.
int three_digits(std::string_view s) {
  if (s.size() != 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return -1;
  return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

}  // namespace

std::optional<std::string> validate(const http_probe_request& request) {
  const auto& m = request.method;
  if (m.empty() || m.size() > max_method) return "HTTP method must be 1 to 16 characters, e.g. GET";
  for (const char c : m)
    if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      return "HTTP method " + quoted(m) + " must be uppercase letters, '-' or '_', e.g. GET or HEAD";

  const auto& p = request.path;
  if (p.empty() || p.front() != '/') return "HTTP path " + quoted(p) + " must start with '/'";
  if (p.size() > max_path) return "HTTP path must be at most 1024 characters";
  for (const char c : p) {
    if (!is_visible(c))
      return "HTTP path " + quoted(p) + " must be visible ASCII without spaces (percent-encode other bytes)";
    if (c == '#') return "HTTP path " + quoted(p) + " must not contain '#' (fragments are never sent)";
  }

  const auto& h = request.host;
  if (h.empty() || h.size() > max_host) return "HTTP Host must be 1 to 261 characters";
  for (const char c : h)
    if (!is_visible(c) || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\')
      return "HTTP Host " + quoted(h) + " must be a host name or address, optionally with :port";
  return std::nullopt;
}

std::string build_http_probe_request(const http_probe_request& request) {
  if (auto error = validate(request)) throw std::invalid_argument(*error);
  std::string out;
  out.reserve(request.method.size() + request.path.size() + request.host.size() + 80);
  out += request.method;
  out += ' ';
  out += request.path;
  out += " HTTP/1.1\r\nHost: ";
  out += request.host;
  out += "\r\nUser-Agent: staticgate-health\r\nConnection: close\r\n\r\n";
  return out;
}

std::optional<status_ranges> status_ranges::parse(std::string_view spec, std::string& error) {
  constexpr std::string_view example = " (expected codes or ranges such as 200 or 200-399, separated by commas)";
  status_ranges out;
  if (trim(spec).empty()) {
    error = "status codes are empty" + std::string(example);
    return std::nullopt;
  }
  std::size_t item_number = 0;
  while (true) {
    ++item_number;
    const auto comma = spec.find(',');
    const auto raw = spec.substr(0, comma);
    const auto item = trim(raw);
    if (item.empty()) {
      error = "status codes: item " + std::to_string(item_number) +
              " is empty (a comma at the start or end, or two in a row)";
      return std::nullopt;
    }
    const auto dash = item.find('-');
    const auto low_text = trim(item.substr(0, dash));
    const auto high_text = dash == std::string_view::npos ? low_text : trim(item.substr(dash + 1));
    const int low = three_digits(low_text);
    const int high = three_digits(high_text);
    if (low < 0 || high < 0) {
      error = "status codes: " + quoted(item) + " is not a status code or range" + std::string(example);
      return std::nullopt;
    }
    for (const int code : {low, high}) {
      if (code < 200 || code >= max_code) {
        error = "status codes: " + std::to_string(code) + (code >= 100 && code < 200
                                                               ? " is an interim (1xx) status, never a final one; "
                                                                 "start at 200"
                                                               : " is outside 200-599");
        return std::nullopt;
      }
    }
    if (low > high) {
      error = "status codes: range " + quoted(item) + " is reversed (write " + std::to_string(high) + "-" +
              std::to_string(low) + ")";
      return std::nullopt;
    }
    for (int code = low; code <= high; ++code) out.codes_.set(static_cast<std::size_t>(code));
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return out;
}

std::string status_ranges::to_string() const {
  std::string out;
  int code = 0;
  while (code < max_code) {
    if (!codes_.test(static_cast<std::size_t>(code))) {
      ++code;
      continue;
    }
    int end = code;
    while (end + 1 < max_code && codes_.test(static_cast<std::size_t>(end + 1))) ++end;
    if (!out.empty()) out += ',';
    out += std::to_string(code);
    if (end != code) out += '-' + std::to_string(end);
    code = end + 1;
  }
  return out;
}

http_status_parser::http_status_parser(const status_ranges& accepted, std::size_t max_bytes)
    : accepted_(accepted), max_bytes_(max_bytes) {}

parse_verdict http_status_parser::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (verdict_ != parse_verdict::need_more) break;
    ++consumed_;
    step(c);
    // Fail as soon as the budget is spent, not when the next byte arrives:
    // the target may never send one.
    if (verdict_ == parse_verdict::need_more && consumed_ >= max_bytes_) fail(probe_failure::response_too_long);
  }
  return verdict_;
}

parse_verdict http_status_parser::finish() {
  if (verdict_ == parse_verdict::need_more) fail(probe_failure::closed_early);
  return verdict_;
}

void http_status_parser::fail(probe_failure why) {
  verdict_ = parse_verdict::failed;
  failure_ = why;
}

void http_status_parser::step(char c) {
  switch (state_) {
    case state::version:
      // "HTTP/1." then the minor digit, then exactly one space. Case-sensitive,
      // as RFC 9112 says, which also rejects most garbage on the first byte.
      if (position_ < version_prefix.size()) {
        if (c != version_prefix[position_]) return fail(probe_failure::malformed_response);
      } else if (position_ == version_prefix.size()) {
        if (!is_digit(c)) return fail(probe_failure::malformed_response);
      } else if (c != ' ') {
        return fail(probe_failure::malformed_response);
      }
      if (++position_ == version_prefix.size() + 2) {
        state_ = state::status;
        position_ = 0;
        code_ = 0;
      }
      return;
    case state::status:
      if (!is_digit(c)) return fail(probe_failure::malformed_response);
      code_ = code_ * 10 + (c - '0');
      if (++position_ == 3) state_ = state::after_status;
      return;
    case state::after_status:
      // The space before the reason phrase is required, but servers that send
      // none end the line right after the code; RFC 9112 lets us accept it.
      if (c == ' ') state_ = state::reason;
      else if (c == '\r') state_ = state::status_lf;
      else if (c == '\n') end_status_line();
      else fail(probe_failure::malformed_response);
      return;
    case state::reason:
      if (c == '\r') state_ = state::status_lf;
      else if (c == '\n') end_status_line();
      else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == '\x7f')
        fail(probe_failure::malformed_response);
      return;
    case state::status_lf:
      if (c != '\n') return fail(probe_failure::malformed_response);
      return end_status_line();
    case state::header:
      // Headers of an interim response: only their end matters.
      if (c == '\r') {
        state_ = state::header_lf;
      } else if (c == '\n') {
        if (header_line_empty_) {
          state_ = state::version;
          position_ = 0;
        }
        header_line_empty_ = true;
      } else {
        header_line_empty_ = false;
      }
      return;
    case state::header_lf:
      if (c != '\n') return fail(probe_failure::malformed_response);
      state_ = state::header;
      if (header_line_empty_) {
        state_ = state::version;
        position_ = 0;
      }
      header_line_empty_ = true;
      return;
  }
}

void http_status_parser::end_status_line() {
  if (code_ < 100) return fail(probe_failure::malformed_response);
  if (code_ < 200) {
    // 101 would switch protocols, which we never asked for.
    if (code_ == 101) return fail(probe_failure::malformed_response);
    state_ = state::header;
    header_line_empty_ = true;
    return;
  }
  status_code_ = code_;
  if (accepted_.contains(code_)) {
    verdict_ = parse_verdict::passed;
  } else {
    fail(probe_failure::unexpected_status);
  }
}

}  // namespace staticgate::health

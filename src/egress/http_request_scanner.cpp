#include "egress/http_request_scanner.hpp"

namespace staticgate::egress {

namespace {

// "HTTP/1.1": the version is checked for meaning after the request line; this only bounds it.
constexpr std::size_t max_version_length = 8;

bool is_visible(unsigned char c) { return c > 0x20 && c < 0x7F; }

// field-vchar, SP and HTAB (RFC 9110 section 5.5), obs-text included: values are passed on.
bool is_field_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

}  // namespace

bool is_token_char(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

http_request_scanner::result http_request_scanner::scan(std::string_view received) {
  if (stopped_) return final_;
  while (position_ < received.size()) {
    auto r = step(static_cast<unsigned char>(received[position_]));
    ++position_;
    // A limit fails as soon as it is reached without the line or head being complete, so a
    // caller whose buffer holds max_head bytes always gets an answer.
    if (r.what == event::need_more || r.what == event::request_line) {
      if (state_ <= state::request_line_lf && position_ >= limits_.max_request_line)
        r = {event::request_line_too_long, 0, "request line too long"};
      else if (position_ >= limits_.max_head)
        r = {event::head_too_large, 0, "request head too large"};
    }
    if (r.what == event::need_more) continue;
    if (r.what == event::request_line) return {event::request_line, position_, {}};
    stopped_ = true;
    final_ = r;
    if (r.what == event::head) final_.end = position_;
    return final_;
  }
  return {};
}

http_request_scanner::result http_request_scanner::step(unsigned char c) {
  const auto syntax = [](std::string_view why) { return result{event::syntax_error, 0, why}; };
  switch (state_) {
    case state::method:
      if (is_token_char(c)) { ++token_length_; return {}; }
      if (c == ' ' && token_length_ > 0) { state_ = state::target; token_length_ = 0; return {}; }
      return syntax("invalid method");
    case state::target:
      if (is_visible(c)) { ++token_length_; return {}; }
      if (c == ' ' && token_length_ > 0) { state_ = state::version; token_length_ = 0; return {}; }
      return syntax("invalid request target");
    case state::version:
      if (c == '\r' && token_length_ > 0) { state_ = state::request_line_lf; return {}; }
      if (is_visible(c) && ++token_length_ <= max_version_length) return {};
      return syntax("invalid HTTP version");
    case state::request_line_lf:
      if (c != '\n') return syntax("CR without LF");
      state_ = state::field_start;
      return {event::request_line, 0, {}};
    case state::field_start:
      if (c == '\r') { state_ = state::final_lf; return {}; }
      if (c == ' ' || c == '\t') return syntax("obs-fold or whitespace before a field line");
      if (!is_token_char(c)) return syntax("invalid field name");
      if (++fields_ > limits_.max_fields) return {event::too_many_fields, 0, "too many header fields"};
      state_ = state::field_name;
      return {};
    case state::field_name:
      if (is_token_char(c)) return {};
      if (c == ':') { state_ = state::field_value; return {}; }
      return syntax("invalid field name");
    case state::field_value:
      if (c == '\r') { state_ = state::field_lf; return {}; }
      if (is_field_value_char(c)) return {};
      return syntax(c == '\n' ? "LF without CR" : "control character in a field value");
    case state::field_lf:
      if (c != '\n') return syntax("CR without LF");
      state_ = state::field_start;
      return {};
    case state::final_lf:
      if (c != '\n') return syntax("CR without LF");
      state_ = state::done;
      return {event::head, 0, {}};
    case state::done: break;
  }
  return syntax("byte after the end of the head");
}

}  // namespace staticgate::egress

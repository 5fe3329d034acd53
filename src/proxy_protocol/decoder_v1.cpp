// PROXY protocol v1: one US-ASCII line (spec 2.1), read as a prefix so that a line that has gone
// wrong is refused at its first bad byte instead of after a timeout.
#include <algorithm>
#include <array>
#include <optional>

#include "proxy_protocol/decoder_detail.hpp"
#include "proxy_protocol/wire.hpp"

namespace staticgate::proxy_protocol::detail {

namespace {

// Every reader returns `more` when the input ends while what it has read is still a valid prefix
// of its token: running out of bytes is never an error by itself (only v1_too_long is).
enum class step { ok, more, bad };

struct cursor {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;

  bool at_end() const { return pos == in.size(); }
  std::uint8_t peek() const { return in[pos]; }
};

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }

int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

step expect(cursor& c, std::string_view literal) {
  for (const char ch : literal) {
    if (c.at_end()) return step::more;
    if (c.peek() != static_cast<std::uint8_t>(ch)) return step::bad;
    ++c.pos;
  }
  return step::ok;
}

// A decimal number in [0, max] without leading zeros (the spec forbids them to avoid any
// confusion with octal). Stops before the first non-digit; `more` if the input ends first,
// because another digit could still come.
step read_decimal(cursor& c, unsigned max, unsigned& value) {
  if (c.at_end()) return step::more;
  if (!is_digit(c.peek())) return step::bad;
  const bool leading_zero = c.peek() == '0';
  value = 0;
  for (std::size_t digits = 0; !c.at_end() && is_digit(c.peek()); ++digits) {
    if (leading_zero && digits == 1) return step::bad;
    value = value * 10 + static_cast<unsigned>(c.peek() - '0');
    if (value > max) return step::bad;
    ++c.pos;
  }
  return c.at_end() ? step::more : step::ok;
}

// Exactly four dot-separated numbers in [0, 255].
step read_v4(cursor& c, std::span<std::uint8_t, 4> out) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) {
      if (const step s = expect(c, "."); s != step::ok) return s;
    }
    unsigned octet = 0;
    if (const step s = read_decimal(c, 255, octet); s != step::ok) return s;
    out[i] = static_cast<std::uint8_t>(octet);
  }
  return step::ok;
}

// Groups of 1-4 hex digits separated by ':', at most one "::" standing for one or more zero
// groups, 128 bits in all. The spec asks for hex groups only, so the dotted "::ffff:1.2.3.4" form
// that inet_pton would take is refused (its '.' ends the address early and fails the delimiter).
step read_v6(cursor& c, std::span<std::uint8_t, 16> out) {
  std::array<std::uint16_t, 8> groups{};
  std::size_t count = 0;
  std::optional<std::size_t> gap;  // how many groups precede the "::"
  bool finished = false;

  if (c.at_end()) return step::more;
  if (c.peek() == ':') {
    ++c.pos;
    if (const step s = expect(c, ":"); s != step::ok) return s;
    gap = 0;
    if (c.at_end()) return step::more;
    finished = hex_value(c.peek()) < 0;  // the address is just "::"
  }
  while (!finished) {
    if (c.at_end()) return step::more;
    if (hex_value(c.peek()) < 0) return step::bad;
    if (count == (gap ? 7u : 8u)) return step::bad;  // "::" must stand for at least one group
    unsigned group = 0;
    for (std::size_t digits = 0; !c.at_end() && hex_value(c.peek()) >= 0; ++digits) {
      if (digits == 4) return step::bad;
      group = group * 16 + static_cast<unsigned>(hex_value(c.peek()));
      ++c.pos;
    }
    if (c.at_end()) return step::more;
    groups[count++] = static_cast<std::uint16_t>(group);
    if (c.peek() != ':') break;
    ++c.pos;
    if (c.at_end()) return step::more;
    if (c.peek() == ':') {
      if (gap || count > 7) return step::bad;
      gap = count;
      ++c.pos;
      if (c.at_end()) return step::more;
      finished = hex_value(c.peek()) < 0;  // the address ends with "::"
    }
  }
  if (!gap && count != 8) return step::bad;

  std::array<std::uint16_t, 8> full{};
  const std::size_t head = gap.value_or(count);
  std::copy_n(groups.begin(), head, full.begin());
  std::copy_n(groups.begin() + static_cast<std::ptrdiff_t>(head), count - head,
              full.end() - static_cast<std::ptrdiff_t>(count - head));
  for (std::size_t i = 0; i < 8; ++i) wire::store_be16(out.data() + 2 * i, full[i]);
  return step::ok;
}

// "PROXY UNKNOWN" carries nothing we use; skip to CRLF, refusing a lone CR or LF (spec 2.1).
step skip_to_crlf(cursor& c) {
  while (!c.at_end()) {
    const std::uint8_t ch = c.peek();
    ++c.pos;
    if (ch == '\n') return step::bad;
    if (ch == '\r') return expect(c, "\n");
  }
  return step::more;
}

}  // namespace

decode_result decode_v1(std::span<const std::uint8_t> bytes) {
  // Never look past 107 bytes: if the line has not ended by then it is too long.
  cursor c{bytes.first(std::min(bytes.size(), v1_max_length))};
  const auto fail = [&](step s, decode_error code, std::string_view message) -> decode_result {
    if (s == step::more) {
      if (bytes.size() >= v1_max_length)
        return error{decode_error::v1_too_long, "no CRLF within 107 bytes"};
      return need_more{};
    }
    return error{code, message};
  };

  if (const step s = expect(c, "PROXY "); s != step::ok)
    return fail(s, decode_error::v1_malformed, "expected a single space after PROXY");

  header h;
  h.version = protocol_version::v1;
  h.command = proxy_command::proxy;

  if (c.at_end()) return fail(step::more, {}, {});
  if (c.peek() == 'U') {
    if (const step s = expect(c, "UNKNOWN"); s != step::ok)
      return fail(s, decode_error::v1_malformed, "protocol is not TCP4, TCP6 or UNKNOWN");
    if (c.at_end()) return fail(step::more, {}, {});
    if (c.peek() != ' ' && c.peek() != '\r')
      return fail(step::bad, decode_error::v1_malformed, "protocol is not TCP4, TCP6 or UNKNOWN");
    if (const step s = skip_to_crlf(c); s != step::ok)
      return fail(s, decode_error::v1_malformed, "lone CR or LF in a PROXY UNKNOWN line");
    h.family = address_family::unspec;
    return complete{std::move(h), c.pos};
  }

  if (const step s = expect(c, "TCP"); s != step::ok)
    return fail(s, decode_error::v1_malformed, "protocol is not TCP4, TCP6 or UNKNOWN");
  if (c.at_end()) return fail(step::more, {}, {});
  const std::uint8_t digit = c.peek();
  if (digit != '4' && digit != '6')
    return fail(step::bad, decode_error::v1_malformed, "protocol is not TCP4, TCP6 or UNKNOWN");
  ++c.pos;
  if (const step s = expect(c, " "); s != step::ok)
    return fail(s, decode_error::v1_malformed, "expected a single space after the protocol");
  const bool v6 = digit == '6';

  std::array<std::uint8_t, 16> source{};
  std::array<std::uint8_t, 16> destination{};
  for (auto* address : {&source, &destination}) {
    step s = v6 ? read_v6(c, *address) : read_v4(c, std::span(*address).first<4>());
    if (s == step::ok) s = expect(c, " ");
    if (s != step::ok)
      return fail(s, decode_error::v1_bad_address,
                  v6 ? "not an IPv6 address followed by a single space"
                     : "not an IPv4 address followed by a single space");
  }

  unsigned source_port = 0;
  unsigned destination_port = 0;
  step s = read_decimal(c, 65535, source_port);
  if (s == step::ok) s = expect(c, " ");
  if (s != step::ok)
    return fail(s, decode_error::v1_bad_port, "source port not in 0..65535 without leading zeros");
  s = read_decimal(c, 65535, destination_port);
  if (s == step::bad)
    return fail(s, decode_error::v1_bad_port,
                "destination port not in 0..65535 without leading zeros");
  if (s == step::ok) s = expect(c, "\r\n");
  if (s != step::ok)
    return fail(s, decode_error::v1_malformed, "destination port not followed by CRLF");

  if (v6) {
    h.family = address_family::tcp6;
    h.source = wire::endpoint_from_v6(source, static_cast<std::uint16_t>(source_port));
    h.destination =
        wire::endpoint_from_v6(destination, static_cast<std::uint16_t>(destination_port));
  } else {
    h.family = address_family::tcp4;
    h.source = wire::endpoint_from_v4(std::span<const std::uint8_t, 16>(source).first<4>(),
                                      static_cast<std::uint16_t>(source_port));
    h.destination =
        wire::endpoint_from_v4(std::span<const std::uint8_t, 16>(destination).first<4>(),
                               static_cast<std::uint16_t>(destination_port));
  }
  return complete{std::move(h), c.pos};
}

}  // namespace staticgate::proxy_protocol::detail

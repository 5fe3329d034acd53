#include "proxy_protocol/encoder.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "proxy_protocol/crc32c.hpp"
#include "proxy_protocol/wire.hpp"

namespace staticgate::proxy_protocol {

namespace {

// ---- v1 ----

// A bounded text writer over a stack buffer; every v1 line fits in v1_max_length.
class line_writer {
 public:
  void put(std::string_view s) {
    std::memcpy(buffer_.data() + size_, s.data(), s.size());
    size_ += s.size();
  }
  void put_number(unsigned value, int base = 10) {
    char* begin = reinterpret_cast<char*>(buffer_.data() + size_);
    const auto result = std::to_chars(begin, begin + 8, value, base);
    size_ += static_cast<std::size_t>(result.ptr - begin);
  }
  std::span<const std::uint8_t> bytes() const { return std::span(buffer_).first(size_); }

 private:
  std::array<std::uint8_t, v1_max_length> buffer_{};
  std::size_t size_ = 0;
};

void put_v4(line_writer& w, const net::endpoint& ep) {
  const auto bytes = wire::v4_bytes(ep);
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) w.put(".");
    w.put_number(bytes[i]);
  }
}

// RFC 5952: lowercase, no leading zeros, the longest run (first on a tie) of two or more zero
// groups written as "::". Unlike inet_ntop, never the dotted form for IPv4-mapped addresses: the
// spec only allows hex groups in a v1 line.
void put_v6(line_writer& w, const net::endpoint& ep) {
  const auto bytes = wire::v6_bytes(ep);
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = wire::load_be16(bytes.data() + 2 * i);

  std::size_t best_start = 8, best_length = 0;
  for (std::size_t i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  if (best_length < 2) best_start = 8;

  for (std::size_t i = 0; i < 8;) {
    if (i == best_start) {
      w.put("::");
      i += best_length;
      continue;
    }
    if (i > 0 && i != best_start + best_length) w.put(":");
    w.put_number(groups[i], 16);
    ++i;
  }
}

bool both_have_family(const header& h, int family) {
  return h.source.family() == family && h.destination.family() == family;
}

// ---- v2 ----

// Bytes of the address block for h, or nullopt when the endpoints do not match the family.
std::optional<std::size_t> v2_block_length(const header& h) {
  if (h.command == proxy_command::local) return 0;
  switch (h.family) {
    case address_family::unspec: return 0;
    case address_family::tcp4:
    case address_family::udp4:
      if (!both_have_family(h, AF_INET)) return std::nullopt;
      return wire::v4_block_length;
    case address_family::tcp6:
    case address_family::udp6:
      if (!both_have_family(h, AF_INET6)) return std::nullopt;
      return wire::v6_block_length;
  }
  return std::nullopt;
}

std::uint8_t v2_family_byte(const header& h) {
  return h.command == proxy_command::local ? 0x00 : static_cast<std::uint8_t>(h.family);
}

void write_tlv_header(std::uint8_t* p, tlv_type type, std::size_t length) {
  p[0] = static_cast<std::uint8_t>(type);
  wire::store_be16(p + 1, static_cast<std::uint16_t>(length));
}

}  // namespace

std::size_t encode_v1(const header& h, std::span<std::uint8_t> out) {
  line_writer w;
  const bool tcp4 = h.family == address_family::tcp4;
  const bool tcp6 = h.family == address_family::tcp6;
  if (h.command == proxy_command::local || (!tcp4 && !tcp6)) {
    w.put("PROXY UNKNOWN\r\n");
  } else {
    if (!both_have_family(h, tcp4 ? AF_INET : AF_INET6)) return 0;
    const auto put_address = tcp4 ? put_v4 : put_v6;
    w.put(tcp4 ? "PROXY TCP4 " : "PROXY TCP6 ");
    put_address(w, h.source);
    w.put(" ");
    put_address(w, h.destination);
    w.put(" ");
    w.put_number(h.source.port());
    w.put(" ");
    w.put_number(h.destination.port());
    w.put("\r\n");
  }
  const auto line = w.bytes();
  if (out.size() < line.size()) return 0;
  std::copy(line.begin(), line.end(), out.begin());
  return line.size();
}

std::size_t encoded_size_v2(const header& h, const encode_options& options) {
  const auto block_length = v2_block_length(h);
  if (!block_length) return 0;
  std::size_t payload = *block_length;
  if (options.crc32c) payload += wire::tlv_header_length + wire::crc32c_value_length;
  for (const auto& t : h.tlvs) {
    if (t.type == tlv_type::crc32c || t.value.size() > wire::max_v2_payload ||
        !tlv_value_is_valid(t.type, t.value))
      return 0;
    payload += wire::tlv_header_length + t.value.size();
    if (payload > wire::max_v2_payload) return 0;
  }
  return v2_fixed_length + payload;
}

std::size_t encode_v2(const header& h, std::span<std::uint8_t> out,
                      const encode_options& options) {
  const std::size_t total = encoded_size_v2(h, options);
  if (total == 0 || out.size() < total) return 0;
  std::uint8_t* p = out.data();

  std::copy(wire::v2_signature.begin(), wire::v2_signature.end(), p);
  p[12] = static_cast<std::uint8_t>((wire::v2_version_nibble << 4) |
                                    static_cast<std::uint8_t>(h.command));
  p[13] = v2_family_byte(h);
  wire::store_be16(p + 14, static_cast<std::uint16_t>(total - v2_fixed_length));
  p += v2_fixed_length;

  if (h.command == proxy_command::proxy) {
    if (h.family == address_family::tcp4 || h.family == address_family::udp4) {
      const auto source = wire::v4_bytes(h.source);
      const auto destination = wire::v4_bytes(h.destination);
      p = std::copy(source.begin(), source.end(), p);
      p = std::copy(destination.begin(), destination.end(), p);
      wire::store_be16(p, h.source.port());
      wire::store_be16(p + 2, h.destination.port());
      p += 4;
    } else if (h.family == address_family::tcp6 || h.family == address_family::udp6) {
      const auto source = wire::v6_bytes(h.source);
      const auto destination = wire::v6_bytes(h.destination);
      p = std::copy(source.begin(), source.end(), p);
      p = std::copy(destination.begin(), destination.end(), p);
      wire::store_be16(p, h.source.port());
      wire::store_be16(p + 2, h.destination.port());
      p += 4;
    }
  }

  // The checksum goes first so its offset is fixed; it is computed last, over the whole header
  // with its own field still zero (spec 2.2.3).
  std::uint8_t* crc_value = nullptr;
  if (options.crc32c) {
    write_tlv_header(p, tlv_type::crc32c, wire::crc32c_value_length);
    crc_value = p + wire::tlv_header_length;
    std::fill_n(crc_value, wire::crc32c_value_length, std::uint8_t{0});
    p = crc_value + wire::crc32c_value_length;
  }
  for (const auto& t : h.tlvs) {
    write_tlv_header(p, t.type, t.value.size());
    p = std::copy(t.value.begin(), t.value.end(), p + wire::tlv_header_length);
  }
  if (crc_value) {
    crc32c crc;
    crc.update(out.first(total));
    wire::store_be32(crc_value, crc.value());
  }
  return total;
}

std::size_t encode(const header& h, std::span<std::uint8_t> out, const encode_options& options) {
  return h.version == protocol_version::v1 ? encode_v1(h, out) : encode_v2(h, out, options);
}

}  // namespace staticgate::proxy_protocol

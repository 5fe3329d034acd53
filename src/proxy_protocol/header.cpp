#include "proxy_protocol/header.hpp"

#include <netinet/in.h>

#include <cstring>

#include "proxy_protocol/wire.hpp"

namespace staticgate::proxy_protocol {

namespace {

// ::ffff:a.b.c.d -> a.b.c.d; anything else is returned unchanged.
net::endpoint unmap_v4(const net::endpoint& ep) {
  if (!ep.is_v6()) return ep;
  const auto bytes = wire::v6_bytes(ep);
  static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(bytes.data(), mapped_prefix, sizeof mapped_prefix) != 0) return ep;
  return wire::endpoint_from_v4(std::span<const std::uint8_t, 4>(bytes.data() + 12, 4), ep.port());
}

}  // namespace

const tlv* header::find(tlv_type type) const {
  for (const auto& t : tlvs)
    if (t.type == type) return &t;
  return nullptr;
}

header make_tcp_header(protocol_version version, const net::endpoint& source,
                       const net::endpoint& destination) {
  header h;
  h.version = version;
  h.command = proxy_command::proxy;
  const auto source4 = unmap_v4(source);
  const auto destination4 = unmap_v4(destination);
  if (source4.family() == AF_INET && destination4.family() == AF_INET) {
    h.family = address_family::tcp4;
    h.source = source4;
    h.destination = destination4;
  } else if (source.is_v6() && destination.is_v6()) {
    h.family = address_family::tcp6;
    h.source = source;
    h.destination = destination;
  }
  return h;
}

bool tlv_value_is_valid(tlv_type type, std::span<const std::uint8_t> value) {
  switch (type) {
    case tlv_type::crc32c: return value.size() == wire::crc32c_value_length;
    case tlv_type::unique_id: return value.size() <= max_unique_id_length;
    case tlv_type::ssl: {
      // Spec 2.2.6: client (1 byte), verify (4 bytes), then sub-TLVs that exactly fill the rest.
      if (value.size() < wire::ssl_fixed_length) return false;
      std::size_t offset = wire::ssl_fixed_length;
      while (offset < value.size()) {
        if (value.size() - offset < wire::tlv_header_length) return false;
        const std::size_t length = wire::load_be16(value.data() + offset + 1);
        if (length > value.size() - offset - wire::tlv_header_length) return false;
        offset += wire::tlv_header_length + length;
      }
      return true;
    }
    default: return true;
  }
}

}  // namespace staticgate::proxy_protocol

// PROXY protocol v2: 16 fixed bytes, an address block and TLVs (spec 2.2). The fixed bytes are
// checked as soon as each arrives; the rest only once the whole header is there, as the spec
// requires ("must not start to parse an address before the whole address block is received").
#include <optional>

#include "proxy_protocol/crc32c.hpp"
#include "proxy_protocol/decoder_detail.hpp"
#include "proxy_protocol/wire.hpp"

namespace staticgate::proxy_protocol::detail {

namespace {

constexpr std::size_t version_command_at = 12;
constexpr std::size_t family_at = 13;
constexpr std::size_t length_at = 14;

// Fills family and endpoints from the address block of a PROXY command.
void read_addresses(std::uint8_t family_byte, const std::uint8_t* block, header& h) {
  switch (family_byte) {
    case 0x11:
    case 0x12:
      h.family = family_byte == 0x11 ? address_family::tcp4 : address_family::udp4;
      h.source = wire::endpoint_from_v4(std::span<const std::uint8_t, 4>(block, 4),
                                        wire::load_be16(block + 8));
      h.destination = wire::endpoint_from_v4(std::span<const std::uint8_t, 4>(block + 4, 4),
                                             wire::load_be16(block + 10));
      return;
    case 0x21:
    case 0x22:
      h.family = family_byte == 0x21 ? address_family::tcp6 : address_family::udp6;
      h.source = wire::endpoint_from_v6(std::span<const std::uint8_t, 16>(block, 16),
                                        wire::load_be16(block + 32));
      h.destination = wire::endpoint_from_v6(std::span<const std::uint8_t, 16>(block + 16, 16),
                                             wire::load_be16(block + 34));
      return;
    default:  // unspec, AF_UNIX or an unlisted combination: all fall back to unspec (header.hpp)
      h.family = address_family::unspec;
      return;
  }
}

struct tlv_scan {
  std::size_t count = 0;                 // TLVs that will be listed (not CRC32C / NOOP)
  std::optional<std::size_t> crc_value;  // offset of the CRC32C value in the header
  decode_error code{};
  std::string_view message;
  bool ok() const { return message.empty(); }
};

// First pass over the TLVs of `hdr` (the whole header) from `offset`: framing and values only,
// so that a header we reject costs no allocation.
tlv_scan scan_tlvs(std::span<const std::uint8_t> hdr, std::size_t offset) {
  tlv_scan scan;
  const auto bad = [&](std::string_view message) {
    scan.code = decode_error::v2_bad_tlv;
    scan.message = message;
    return scan;
  };
  while (offset < hdr.size()) {
    if (hdr.size() - offset < wire::tlv_header_length) return bad("truncated TLV header");
    const auto type = static_cast<tlv_type>(hdr[offset]);
    const std::size_t length = wire::load_be16(hdr.data() + offset + 1);
    const std::size_t value_at = offset + wire::tlv_header_length;
    if (length > hdr.size() - value_at) return bad("TLV runs past the header length");
    if (!tlv_value_is_valid(type, hdr.subspan(value_at, length)))
      return bad("TLV value invalid for its type");
    if (type == tlv_type::crc32c) {
      if (scan.crc_value) return bad("more than one CRC32C TLV");
      scan.crc_value = value_at;
    } else if (type != tlv_type::noop) {
      ++scan.count;
    }
    offset = value_at + length;
  }
  return scan;
}

// Spec 2.2.3: the checksum covers the whole header with the checksum field set to zero.
bool crc_matches(std::span<const std::uint8_t> hdr, std::size_t value_at) {
  static constexpr std::uint8_t zeros[wire::crc32c_value_length] = {};
  crc32c crc;
  crc.update(hdr.first(value_at));
  crc.update(zeros);
  crc.update(hdr.subspan(value_at + wire::crc32c_value_length));
  return crc.value() == wire::load_be32(hdr.data() + value_at);
}

}  // namespace

decode_result decode_v2(std::span<const std::uint8_t> bytes, const decode_options& options) {
  if (bytes.size() <= version_command_at) return need_more{};
  const std::uint8_t version_command = bytes[version_command_at];
  if ((version_command >> 4) != wire::v2_version_nibble)
    return error{decode_error::v2_bad_version, "version nibble is not 2"};
  const unsigned command = version_command & 0x0Fu;
  if (command > 1) return error{decode_error::v2_bad_command, "command is neither LOCAL nor PROXY"};
  const bool local = command == 0;

  if (bytes.size() <= family_at) return need_more{};
  const std::uint8_t family_byte = bytes[family_at];
  const wire::family_info family = wire::classify_family(family_byte);
  const std::optional<std::size_t> block_length = family.block_length;
  // Under LOCAL "the family ... is ignored" (spec 2.2), so only PROXY rejects undefined ones.
  if (!local && !family.valid)
    return error{decode_error::v2_bad_family, "undefined address family or transport protocol"};

  if (bytes.size() < v2_fixed_length) return need_more{};
  const std::size_t length = wire::load_be16(bytes.data() + length_at);
  const std::size_t total = v2_fixed_length + length;
  if (total > options.max_v2_length)
    return error{decode_error::v2_too_long, "header longer than max_v2_length"};
  if (!local && block_length && length < *block_length)
    return error{decode_error::v2_length_too_short_for_addresses,
                 "length shorter than the address block of its family"};
  if (bytes.size() < total) return need_more{};

  const auto hdr = bytes.first(total);
  // TLVs follow the address block when we can tell where it ends; otherwise (LOCAL with a family
  // we cannot size, or an unlisted combination) the rest is skipped whole, as "receivers must
  // always consider this field to skip the appropriate number of bytes".
  std::size_t tlv_offset = total;
  if (block_length && length >= *block_length) tlv_offset = v2_fixed_length + *block_length;

  const tlv_scan scan = scan_tlvs(hdr, tlv_offset);
  if (!scan.ok()) return error{scan.code, scan.message};
  if (scan.crc_value && !crc_matches(hdr, *scan.crc_value))
    return error{decode_error::crc_mismatch, "CRC32C does not match the header"};

  header h;
  h.version = protocol_version::v2;
  h.command = local ? proxy_command::local : proxy_command::proxy;
  if (!local) read_addresses(family_byte, hdr.data() + v2_fixed_length, h);

  h.tlvs.reserve(scan.count);
  for (std::size_t offset = tlv_offset; offset < total;) {
    const auto type = static_cast<tlv_type>(hdr[offset]);
    const std::size_t value_length = wire::load_be16(hdr.data() + offset + 1);
    const auto value = hdr.subspan(offset + wire::tlv_header_length, value_length);
    if (type != tlv_type::crc32c && type != tlv_type::noop)
      h.tlvs.push_back(tlv{type, {value.begin(), value.end()}});
    offset += wire::tlv_header_length + value_length;
  }
  return complete{std::move(h), total};
}

}  // namespace staticgate::proxy_protocol::detail

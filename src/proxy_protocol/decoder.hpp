// Pure, incremental PROXY protocol decoder (v1 text and v2 binary).
//
// Call decode() with everything received so far on a connection, each time more arrives; it keeps
// no state between calls. A header is at most 107 bytes (v1) or max_v2_length bytes (v2), so the
// caller's buffer never needs to grow beyond that, and the work per call is bounded by it too.
//
// Rules (HAProxy doc/proxy-protocol.txt), beyond the obvious framing:
//  - Decides as early as possible: the first byte that no valid header could contain yields an
//    error, so a plain HTTP or TLS client is refused after its first byte. For any input, each
//    prefix gives either need_more or the same outcome as the whole (feeding byte by byte and
//    all at once agree).
//  - v1: exactly one space between fields, canonical addresses of the announced family (IPv4
//    dotted decimal without leading zeros; IPv6 as hex groups with at most one "::", no dotted
//    tail), ports 0..65535 without leading zeros, CRLF within 107 bytes; a lone CR or LF is an
//    error. "PROXY UNKNOWN" ignores the rest of its line and decodes as family unspec.
//  - v2 LOCAL: the family byte is not validated and addresses are discarded, as the spec says;
//    the result is {local, unspec}. TLVs are read after the address block when the family byte is
//    known and the length covers its block; otherwise the rest of the header is skipped unread.
//  - v2 PROXY: a family or transport nibble the spec does not define is rejected. AF_UNIX decodes
//    as unspec (header.hpp), and so do valid but unlisted pairs such as 0x10, whose address
//    block has no defined size and is skipped with any TLVs behind it.
//  - TLVs must tile the rest of the header exactly; CRC32C (if present, at most once) is verified
//    and, like NOOP, not listed in header::tlvs; tlv_value_is_valid() is applied to each value.
//  - Allocation only on success (TLV values), bounded by max_v2_length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "proxy_protocol/errors.hpp"
#include "proxy_protocol/header.hpp"

namespace staticgate::proxy_protocol {

struct decode_options {
  bool accept_v1 = true;
  bool accept_v2 = true;
  // Whole v2 header including the 16 fixed bytes. The spec says headers fit in 536 bytes, but
  // senders that add TLVs (SSL details, cloud IDs) can exceed that; 4 KiB bounds the per-
  // connection buffer while leaving room. The wire allows up to 16 + 65535.
  std::size_t max_v2_length = 4096;
};

// A full header: `consumed` bytes belong to it; whatever follows is the client's payload.
struct complete {
  proxy_protocol::header header;
  std::size_t consumed = 0;
};

// Everything so far is a valid prefix of a header.
struct need_more {};

struct error {
  decode_error code{};
  std::string_view message;  // static text saying which rule failed (for logs)
};

using decode_result = std::variant<complete, need_more, error>;

decode_result decode(std::span<const std::uint8_t> bytes, const decode_options& options = {});

}  // namespace staticgate::proxy_protocol

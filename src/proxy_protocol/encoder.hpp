// Pure PROXY protocol encoder: writes a header into a caller buffer, no I/O, no allocation.
//
// Each function returns the number of bytes written, or 0 when nothing was written: the buffer is
// too small, or the header cannot be expressed (family tcp4/udp4 without two IPv4 endpoints,
// tcp6/udp6 without two IPv6 ones, an invalid TLV or one of type CRC32C, TLVs over 65535 bytes).
// Every header these functions produce is accepted by decode(), and decodes to the same header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "proxy_protocol/header.hpp"

namespace staticgate::proxy_protocol {

struct encode_options {
  // Append a PP2_TYPE_CRC32C TLV covering the whole header (v2 only).
  bool crc32c = false;
};

// v1 line, at most v1_max_length bytes. Written as "PROXY UNKNOWN\r\n" for what v1 cannot
// carry: LOCAL (v1 has no such command; for health checks the spec prefers a PROXY line with the
// check's own addresses, which callers build with make_tcp_header), unspec and UDP. TLVs are
// dropped. IPv6 addresses are written in RFC 5952 form, hex groups only (IPv4-mapped ones too).
std::size_t encode_v1(const header& h, std::span<std::uint8_t> out);

// v2 header. LOCAL is written with family UNSPEC and no addresses (spec 2.2), plus any TLVs.
std::size_t encode_v2(const header& h, std::span<std::uint8_t> out,
                      const encode_options& options = {});

// Exact size encode_v2 needs, or 0 if the header cannot be encoded.
std::size_t encoded_size_v2(const header& h, const encode_options& options = {});

// encode_v1 or encode_v2 according to h.version.
std::size_t encode(const header& h, std::span<std::uint8_t> out,
                   const encode_options& options = {});

}  // namespace staticgate::proxy_protocol

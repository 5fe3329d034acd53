// Per-version decoders behind decode() (internal to proxy_protocol/). decode() has already
// checked that `bytes` starts with the complete signature of that version.
#pragma once

#include "proxy_protocol/decoder.hpp"

namespace staticgate::proxy_protocol::detail {

decode_result decode_v1(std::span<const std::uint8_t> bytes);
decode_result decode_v2(std::span<const std::uint8_t> bytes, const decode_options& options);

}  // namespace staticgate::proxy_protocol::detail

// Why a byte stream was rejected as a PROXY protocol header. Returned on the data path (no
// exceptions) and usable as a std::error_code for logging and metrics.
#pragma once

#include <string_view>
#include <system_error>

namespace staticgate::proxy_protocol {

enum class decode_error {
  not_proxy_protocol = 1,  // starts with neither the v1 nor the v2 signature
  version_not_accepted,    // a v1 / v2 signature, but decode_options turned that version off
  v1_too_long,             // no CRLF within the first 107 bytes
  v1_malformed,            // wrong keyword, spacing or line ending
  v1_bad_address,          // not a canonical address of the announced family
  v1_bad_port,             // not 0..65535 without leading zeros
  v2_bad_version,          // version nibble != 2
  v2_bad_command,          // command nibble not LOCAL (0) or PROXY (1)
  v2_bad_family,           // family/transport byte the spec does not define (PROXY command)
  v2_too_long,             // 16 + length exceeds decode_options::max_v2_length
  v2_length_too_short_for_addresses,
  v2_bad_tlv,              // TLV overruns the header, is truncated, or has an invalid value
  crc_mismatch,            // PP2_TYPE_CRC32C present and wrong
};

std::string_view to_string(decode_error e);

const std::error_category& decode_error_category() noexcept;
std::error_code make_error_code(decode_error e) noexcept;

}  // namespace staticgate::proxy_protocol

template <>
struct std::is_error_code_enum<staticgate::proxy_protocol::decode_error> : std::true_type {};

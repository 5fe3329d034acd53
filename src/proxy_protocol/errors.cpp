#include "proxy_protocol/errors.hpp"

#include <string>

namespace staticgate::proxy_protocol {

namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "proxy_protocol"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<decode_error>(value)));
  }
};

}  // namespace

std::string_view to_string(decode_error e) {
  switch (e) {
    case decode_error::not_proxy_protocol: return "not a PROXY protocol header";
    case decode_error::version_not_accepted: return "PROXY protocol version not accepted";
    case decode_error::v1_too_long: return "PROXY v1 line without CRLF in 107 bytes";
    case decode_error::v1_malformed: return "malformed PROXY v1 line";
    case decode_error::v1_bad_address: return "bad address in PROXY v1 line";
    case decode_error::v1_bad_port: return "bad port in PROXY v1 line";
    case decode_error::v2_bad_version: return "PROXY v2 version is not 2";
    case decode_error::v2_bad_command: return "unknown PROXY v2 command";
    case decode_error::v2_bad_family: return "unknown PROXY v2 address family or protocol";
    case decode_error::v2_too_long: return "PROXY v2 header longer than allowed";
    case decode_error::v2_length_too_short_for_addresses:
      return "PROXY v2 length shorter than its address block";
    case decode_error::v2_bad_tlv: return "bad PROXY v2 TLV";
    case decode_error::crc_mismatch: return "PROXY v2 CRC32C mismatch";
  }
  return "unknown PROXY protocol error";
}

const std::error_category& decode_error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(decode_error e) noexcept {
  return {static_cast<int>(e), decode_error_category()};
}

}  // namespace staticgate::proxy_protocol

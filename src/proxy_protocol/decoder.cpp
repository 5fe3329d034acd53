#include "proxy_protocol/decoder.hpp"

#include <algorithm>
#include <cstring>

#include "proxy_protocol/decoder_detail.hpp"
#include "proxy_protocol/wire.hpp"

namespace staticgate::proxy_protocol {

namespace {

enum class prefix_match { no, partial, full };

// Whether `bytes` and `signature` agree on their common length: the earliest point at which
// we can tell that a stream is not (or is) of this version.
prefix_match match_signature(std::span<const std::uint8_t> bytes,
                             std::span<const std::uint8_t> signature) {
  const std::size_t n = std::min(bytes.size(), signature.size());
  if (std::memcmp(bytes.data(), signature.data(), n) != 0) return prefix_match::no;
  return n == signature.size() ? prefix_match::full : prefix_match::partial;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

decode_result decode(std::span<const std::uint8_t> bytes, const decode_options& options) {
  if (bytes.empty()) return need_more{};

  // The two signatures differ in their first byte, so at most one of these can match. A disabled
  // version is still recognised, so that the log says "v1 not accepted" rather than "not PROXY".
  switch (match_signature(bytes, wire::v2_signature)) {
    case prefix_match::partial: return need_more{};
    case prefix_match::full:
      if (!options.accept_v2)
        return error{decode_error::version_not_accepted, "PROXY v2 header, v2 not accepted"};
      return detail::decode_v2(bytes, options);
    case prefix_match::no: break;
  }
  switch (match_signature(bytes, as_bytes(wire::v1_signature))) {
    case prefix_match::partial: return need_more{};
    case prefix_match::full:
      if (!options.accept_v1)
        return error{decode_error::version_not_accepted, "PROXY v1 header, v1 not accepted"};
      return detail::decode_v1(bytes);
    case prefix_match::no: break;
  }
  return error{decode_error::not_proxy_protocol, "no PROXY v1 or v2 signature"};
}

}  // namespace staticgate::proxy_protocol

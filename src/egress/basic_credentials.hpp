// HTTP Basic credentials (RFC 7617) as sent in Proxy-Authorization, and the strict base64
// (RFC 4648 section 4) they are wrapped in. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staticgate::egress {

struct basic_credentials {
  std::string user;
  std::string password;

  friend bool operator==(const basic_credentials&, const basic_credentials&) = default;
};

// Decodes a Proxy-Authorization field value: "Basic" (any case), one or more spaces, then
// token68 in canonical base64 (standard alphabet, padded, no spaces or line breaks, unused bits
// zero) of "user:password". The user is everything before the first ':', so it has none; both
// parts may be empty and are raw bytes (UTF-8 in practice), but control characters (0x00-0x1F,
// 0x7F) are refused, as RFC 7617 says, which also keeps them out of log lines. nullopt when
// anything is off: the caller answers 407 as for a missing field.
std::optional<basic_credentials> decode_basic_credentials(std::string_view field_value);

// "Basic <base64(user:password)>"; nullopt if the user has a ':' or either part a control
// character, which decode_basic_credentials would refuse.
std::optional<std::string> encode_basic_credentials(const basic_credentials& c);

// Canonical base64 only (see above); nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace staticgate::egress

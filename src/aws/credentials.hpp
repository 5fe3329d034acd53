// AWS credentials as the provider chain hands them to the signer, and the only way they may
// appear in text: redacted. The secret key and the session token are never formatted anywhere;
// the key id is shown as its first four characters (AKIA = long-term, ASIA = temporary, which
// is what one needs to know when reading a log) and its last four (what the IAM console shows).
//
// The first three members are in the order sigv4.hpp's credentials has them, so the signer can
// take this type (designated initialisers of those three keep compiling).
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace staticgate::aws {

struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; nullopt for long-term keys (never refreshed).
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Where they came from, for logs: "environment", "profile dev (/root/.aws/credentials)", ...
  std::string source;
};

// "AKIA****WXYZ"; ids shorter than 12 characters are not real AWS key ids and are shown as
// "****" whole, since first four plus last four would reveal most of them.
std::string redact_access_key_id(std::string_view access_key_id);

// "AKIA****WXYZ (session token, expires 2024-05-01T12:00:00Z, from environment)": no secret,
// no token, only whether a token is present.
std::string to_string(const credentials& creds);

// Redacted as to_string(), so that GoogleTest failure messages and any stream never show the
// secret.
std::ostream& operator<<(std::ostream& out, const credentials& creds);

}  // namespace staticgate::aws

#include "aws/credentials.hpp"

#include <ostream>

#include "aws/iso8601.hpp"

namespace staticgate::aws {

std::string redact_access_key_id(std::string_view access_key_id) {
  // AWS key ids are 20 characters; 12 is a floor under which 8 shown characters reveal too much.
  if (access_key_id.size() < 12) return "****";
  std::string out(access_key_id.substr(0, 4));
  out += "****";
  out += access_key_id.substr(access_key_id.size() - 4);
  return out;
}

std::string to_string(const credentials& creds) {
  std::string out = redact_access_key_id(creds.access_key_id);
  out += creds.session_token.empty() ? " (long-term" : " (session token";
  if (creds.expiration) {
    out += ", expires ";
    out += format_iso8601(std::chrono::time_point_cast<std::chrono::seconds>(*creds.expiration));
  }
  if (!creds.source.empty()) {
    out += ", from ";
    out += creds.source;
  }
  out += ')';
  return out;
}

std::ostream& operator<<(std::ostream& out, const credentials& creds) { return out << to_string(creds); }

}  // namespace staticgate::aws

// Reads the NS records out of a DNS reply. c-ares 1.18 has ares_parse_ns_reply,
// but it drops the TTLs, and every answer staticgate uses carries its TTL
// (whoever caches the authoritative servers needs to know for how long).
#pragma once

#include <span>
#include <system_error>

#include "dns/resolver.hpp"

namespace staticgate::dns {

// `reply`: a whole DNS message as received. Fills `answer` with the target of
// every NS record of the answer section (records of other types, such as a
// CNAME on the way, count only towards the TTL). Returns errc::bad_response
// for a malformed message and errc::no_data when the answer holds no NS record;
// `answer` is left empty on error.
std::error_code parse_ns_reply(std::span<const unsigned char> reply, ns_answer& answer);

}  // namespace staticgate::dns

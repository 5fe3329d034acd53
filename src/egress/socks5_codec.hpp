// Pure SOCKS5 server-side codec: RFC 1928 (method negotiation, requests, replies) and RFC 1929
// (username/password sub-negotiation). No I/O, no state: like proxy_protocol::decode(), each
// parse_* function takes everything received so far in the current stage and answers
//   need_more            - a valid prefix; call again when more bytes arrive,
//   parsed<T>{value, n}  - the message is the first n bytes; the rest belongs to the next stage,
//   error{reply, reason} - refuse the client (how, depends on the stage; see each function).
// Decisions are made at the first byte that shows them, so any prefix of an input answers
// need_more or exactly what the whole input answers. Every message is at most 513 bytes, so the
// caller's buffer is bounded and so is the work per call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "egress/destination.hpp"
#include "net/endpoint.hpp"

namespace staticgate::egress::socks5 {

inline constexpr std::uint8_t version = 0x05;
inline constexpr std::uint8_t auth_version = 0x01;  // RFC 1929 sub-negotiation VER

// REP values of a request reply (RFC 1928 section 6).
enum class reply_code : std::uint8_t {
  succeeded = 0x00,
  general_failure = 0x01,
  connection_not_allowed = 0x02,  // by the ruleset: the destination policy said no
  network_unreachable = 0x03,
  host_unreachable = 0x04,  // also: the name did not resolve
  connection_refused = 0x05,
  ttl_expired = 0x06,  // connect timed out
  command_not_supported = 0x07,
  address_type_not_supported = 0x08,
};

// "succeeded", "general SOCKS server failure", ... (the RFC's wording, for logs).
std::string_view to_string(reply_code code);

// METHOD values of the greeting and the method selection (RFC 1928 section 3).
enum class auth_method : std::uint8_t {
  no_authentication = 0x00,
  gssapi = 0x01,
  username_password = 0x02,
  no_acceptable_methods = 0xFF,
};

enum class command : std::uint8_t { connect = 0x01, bind = 0x02, udp_associate = 0x03 };

enum class address_type : std::uint8_t { ipv4 = 0x01, domain_name = 0x03, ipv6 = 0x04 };

struct need_more {};

struct error {
  // parse_request: the REP to send before closing. The greeting and authentication parsers
  // always say general_failure; how to answer them is written at each function.
  reply_code reply = reply_code::general_failure;
  std::string_view reason;  // static text naming the rule that failed, for the connection log
};

template <class T>
struct parsed {
  T value;
  std::size_t consumed = 0;
};

template <class T>
using parse_result = std::variant<parsed<T>, need_more, error>;

// ---- stage 1: the client's greeting --------------------------------------------------------

struct greeting {
  std::vector<std::uint8_t> methods;  // as sent: unknown values and repeats are kept

  bool offers(auth_method method) const;
  friend bool operator==(const greeting&, const greeting&) = default;
};

// VER=5, NMETHODS, METHODS. NMETHODS=0 is parsed as a greeting that offers nothing (the RFC's
// table says 1..255), so the answer is the same as for unacceptable methods: select_method()
// gives no_acceptable_methods. On error (VER is not 5: SOCKS4, HTTP, TLS, ...) send nothing and
// close: the peer does not speak SOCKS5 and would not understand a SOCKS5 answer.
parse_result<greeting> parse_greeting(std::span<const std::uint8_t> bytes);

// The method the server picks: username/password when the client offers it; otherwise
// "no authentication" only when the server allows it; otherwise no_acceptable_methods, after
// which the caller sends the selection and closes (RFC 1928 section 3).
auth_method select_method(const greeting& g, bool allow_no_authentication);

// ---- stage 2: username/password (RFC 1929), only after selecting username_password -----------

struct credentials {
  std::string username;  // 0..255 arbitrary bytes (empty is left to the credential check)
  std::string password;

  friend bool operator==(const credentials&, const credentials&) = default;
};

// VER=1, ULEN, UNAME, PLEN, PASSWD. On error send encode_auth_status(false) and close, which is
// also the answer to wrong credentials (RFC 1929 section 2: a failure status means close).
parse_result<credentials> parse_credentials(std::span<const std::uint8_t> bytes);

// ---- stage 3: the request ------------------------------------------------------------------

struct request {
  // Always connect on success: staticgate implements CONNECT only, so BIND and UDP ASSOCIATE are
  // refused with command_not_supported, like unknown commands.
  socks5::command command = command::connect;
  egress::destination destination;  // DOMAINNAME -> name, IPv4/IPv6 -> address
  // Port 0 is passed through: refusing it is the destination policy's job.

  friend bool operator==(const request&, const request&) = default;
};

// VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. Errors, in wire order: VER not 5 or RSV not 0 ->
// general_failure; CMD not CONNECT -> command_not_supported; ATYP not 1/3/4 ->
// address_type_not_supported; a DOMAINNAME that is empty or contains a NUL byte ->
// general_failure. On error send encode_reply(error.reply) and close.
parse_result<request> parse_request(std::span<const std::uint8_t> bytes);

// ---- server encoders -----------------------------------------------------------------------

std::array<std::uint8_t, 2> encode_method_selection(auth_method method);
std::array<std::uint8_t, 2> encode_auth_status(bool success);  // STATUS 0x00 or 0x01

// VER, REP, RSV, ATYP, BND.ADDR, BND.PORT: at most this many bytes (IPv6).
inline constexpr std::size_t max_reply_length = 4 + 16 + 2;

// Writes the reply into `out` and returns its length, or 0 if `out` is too small. BND is
// `bound` (the local address of the outbound connection, for a success) when it is IPv4 or
// IPv6, and 0.0.0.0:0 when it is unset, as for failures.
std::size_t encode_reply(reply_code code, const net::endpoint& bound, std::span<std::uint8_t> out);

// ---- client encoders: the inverse of the parsers, for tests, fuzzing and health probes -------

std::vector<std::uint8_t> encode_greeting(const greeting& g);  // empty if > 255 methods
// Empty if a username or password is over 255 bytes.
std::vector<std::uint8_t> encode_credentials(const credentials& c);
// Empty if the request cannot be expressed: a name that is empty, over 255 bytes or has a NUL,
// an address that is neither IPv4 nor IPv6.
std::vector<std::uint8_t> encode_request(const request& r);

}  // namespace staticgate::egress::socks5

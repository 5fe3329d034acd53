#include "egress/socks5_codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace staticgate::egress::socks5 {

namespace {

constexpr std::size_t ipv4_length = 4;
constexpr std::size_t ipv6_length = 16;
constexpr std::size_t port_length = 2;
constexpr std::size_t max_field_length = 255;  // every length on the wire is one byte

std::uint16_t load_be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

void append_be16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

net::endpoint endpoint_from_wire(address_type type, const std::uint8_t* address, std::uint16_t port) {
  if (type == address_type::ipv4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, address, ipv4_length);
    return net::endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::memcpy(&sin6.sin6_addr, address, ipv6_length);
  return net::endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

// ATYP + address bytes of an IPv4/IPv6 endpoint, appended to `out`; false for other families.
bool append_address(std::vector<std::uint8_t>& out, const net::endpoint& ep) {
  const auto* raw = reinterpret_cast<const std::uint8_t*>(ep.data());
  if (ep.family() == AF_INET) {
    out.push_back(static_cast<std::uint8_t>(address_type::ipv4));
    const auto* a = raw + offsetof(sockaddr_in, sin_addr);
    out.insert(out.end(), a, a + ipv4_length);
    return true;
  }
  if (ep.family() == AF_INET6) {
    out.push_back(static_cast<std::uint8_t>(address_type::ipv6));
    const auto* a = raw + offsetof(sockaddr_in6, sin6_addr);
    out.insert(out.end(), a, a + ipv6_length);
    return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(reply_code code) {
  switch (code) {
    case reply_code::succeeded: return "succeeded";
    case reply_code::general_failure: return "general SOCKS server failure";
    case reply_code::connection_not_allowed: return "connection not allowed by ruleset";
    case reply_code::network_unreachable: return "network unreachable";
    case reply_code::host_unreachable: return "host unreachable";
    case reply_code::connection_refused: return "connection refused";
    case reply_code::ttl_expired: return "TTL expired";
    case reply_code::command_not_supported: return "command not supported";
    case reply_code::address_type_not_supported: return "address type not supported";
  }
  return "unassigned reply code";
}

bool greeting::offers(auth_method method) const {
  return std::find(methods.begin(), methods.end(), static_cast<std::uint8_t>(method)) != methods.end();
}

parse_result<greeting> parse_greeting(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return need_more{};
  if (bytes[0] != version) return error{reply_code::general_failure, "greeting version is not 5"};
  if (bytes.size() < 2) return need_more{};
  const std::size_t total = 2 + std::size_t{bytes[1]};
  if (bytes.size() < total) return need_more{};
  return parsed<greeting>{{{bytes.begin() + 2, bytes.begin() + static_cast<std::ptrdiff_t>(total)}}, total};
}

auth_method select_method(const greeting& g, bool allow_no_authentication) {
  if (g.offers(auth_method::username_password)) return auth_method::username_password;
  if (allow_no_authentication && g.offers(auth_method::no_authentication))
    return auth_method::no_authentication;
  return auth_method::no_acceptable_methods;
}

parse_result<credentials> parse_credentials(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return need_more{};
  if (bytes[0] != auth_version)
    return error{reply_code::general_failure, "username/password version is not 1"};
  if (bytes.size() < 2) return need_more{};
  const std::size_t username_end = 2 + std::size_t{bytes[1]};
  if (bytes.size() < username_end + 1) return need_more{};
  const std::size_t total = username_end + 1 + std::size_t{bytes[username_end]};
  if (bytes.size() < total) return need_more{};
  credentials c;
  c.username.assign(bytes.begin() + 2, bytes.begin() + static_cast<std::ptrdiff_t>(username_end));
  c.password.assign(bytes.begin() + static_cast<std::ptrdiff_t>(username_end + 1),
                    bytes.begin() + static_cast<std::ptrdiff_t>(total));
  return parsed<credentials>{std::move(c), total};
}

parse_result<request> parse_request(std::span<const std::uint8_t> bytes) {
  // Checked in wire order, each as soon as its byte is there (see the header).
  if (bytes.size() < 1) return need_more{};
  if (bytes[0] != version) return error{reply_code::general_failure, "request version is not 5"};
  if (bytes.size() < 2) return need_more{};
  if (bytes[1] != static_cast<std::uint8_t>(command::connect))
    return error{reply_code::command_not_supported, "only CONNECT is supported"};
  if (bytes.size() < 3) return need_more{};
  if (bytes[2] != 0) return error{reply_code::general_failure, "reserved byte is not 0"};
  if (bytes.size() < 4) return need_more{};
  const auto type = static_cast<address_type>(bytes[3]);

  request r;
  std::size_t address_end = 0;
  switch (type) {
    case address_type::ipv4: address_end = 4 + ipv4_length; break;
    case address_type::ipv6: address_end = 4 + ipv6_length; break;
    case address_type::domain_name: {
      if (bytes.size() < 5) return need_more{};
      const std::size_t length = bytes[4];
      if (length == 0) return error{reply_code::general_failure, "empty domain name"};
      address_end = 5 + length;
      // A NUL would cut the name short for any C API it reaches (resolver, logs).
      const auto name = bytes.subspan(5, std::min(length, bytes.size() - 5));
      if (std::find(name.begin(), name.end(), 0) != name.end())
        return error{reply_code::general_failure, "domain name contains a NUL byte"};
      break;
    }
    default: return error{reply_code::address_type_not_supported, "unknown address type"};
  }
  const std::size_t total = address_end + port_length;
  if (bytes.size() < total) return need_more{};

  const std::uint16_t port = load_be16(bytes.data() + address_end);
  if (type == address_type::domain_name) {
    r.destination = destination::from_name(
        std::string(bytes.begin() + 5, bytes.begin() + static_cast<std::ptrdiff_t>(address_end)), port);
  } else {
    r.destination = destination::from_address(endpoint_from_wire(type, bytes.data() + 4, port));
  }
  return parsed<request>{std::move(r), total};
}

std::array<std::uint8_t, 2> encode_method_selection(auth_method method) {
  return {version, static_cast<std::uint8_t>(method)};
}

std::array<std::uint8_t, 2> encode_auth_status(bool success) {
  return {auth_version, static_cast<std::uint8_t>(success ? 0x00 : 0x01)};
}

std::size_t encode_reply(reply_code code, const net::endpoint& bound, std::span<std::uint8_t> out) {
  std::vector<std::uint8_t> reply = {version, static_cast<std::uint8_t>(code), 0x00};
  reply.reserve(max_reply_length);
  if (append_address(reply, bound)) {
    append_be16(reply, bound.port());
  } else {
    reply.insert(reply.end(), {static_cast<std::uint8_t>(address_type::ipv4), 0, 0, 0, 0, 0, 0});
  }
  if (out.size() < reply.size()) return 0;
  std::copy(reply.begin(), reply.end(), out.begin());
  return reply.size();
}

std::vector<std::uint8_t> encode_greeting(const greeting& g) {
  if (g.methods.size() > max_field_length) return {};
  std::vector<std::uint8_t> out = {version, static_cast<std::uint8_t>(g.methods.size())};
  out.insert(out.end(), g.methods.begin(), g.methods.end());
  return out;
}

std::vector<std::uint8_t> encode_credentials(const credentials& c) {
  if (c.username.size() > max_field_length || c.password.size() > max_field_length) return {};
  std::vector<std::uint8_t> out = {auth_version, static_cast<std::uint8_t>(c.username.size())};
  out.insert(out.end(), c.username.begin(), c.username.end());
  out.push_back(static_cast<std::uint8_t>(c.password.size()));
  out.insert(out.end(), c.password.begin(), c.password.end());
  return out;
}

std::vector<std::uint8_t> encode_request(const request& r) {
  std::vector<std::uint8_t> out = {version, static_cast<std::uint8_t>(r.command), 0x00};
  const auto& d = r.destination;
  if (d.is_name()) {
    if (d.name.empty() || d.name.size() > max_field_length || d.name.find('\0') != std::string::npos)
      return {};
    out.push_back(static_cast<std::uint8_t>(address_type::domain_name));
    out.push_back(static_cast<std::uint8_t>(d.name.size()));
    out.insert(out.end(), d.name.begin(), d.name.end());
  } else if (!append_address(out, d.address)) {
    return {};
  }
  append_be16(out, d.port);
  return out;
}

}  // namespace staticgate::egress::socks5

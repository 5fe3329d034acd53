// Where an egress client asked to go, as the SOCKS5 and HTTP proxy codecs read it off the wire:
// either a DNS name still to be resolved, or an IP literal. Both codecs produce this one type so
// that the policy and the connector that come after them need no protocol-specific branches.
#pragma once

#include <cstdint>
#include <string>

#include "net/endpoint.hpp"

namespace staticgate::egress {

struct destination {
  // A DNS name exactly as the client sent it (not lower-cased, no trailing-dot handling); empty
  // when `address` is set. A name may still look like an IP address (SOCKS5 clients send
  // "192.0.2.1" as DOMAINNAME too): the policy must judge the resolved address, never the name.
  std::string name;
  // An IP literal from the wire, with `port` set on it too; family AF_UNSPEC for names.
  net::endpoint address;
  std::uint16_t port = 0;

  bool is_name() const { return address.family() == AF_UNSPEC; }

  // "name:port", "192.0.2.1:port" or "[2001:db8::1]:port": for logs and the Host header.
  std::string to_string() const;

  static destination from_name(std::string name, std::uint16_t port);
  static destination from_address(net::endpoint address);  // port taken from the endpoint

  friend bool operator==(const destination&, const destination&) = default;
};

}  // namespace staticgate::egress

#include "proxy_protocol/wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace staticgate::proxy_protocol::wire {

net::endpoint endpoint_from_v4(std::span<const std::uint8_t, 4> address, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  std::memcpy(&sin.sin_addr, address.data(), 4);
  return net::endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

net::endpoint endpoint_from_v6(std::span<const std::uint8_t, 16> address, std::uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::memcpy(&sin6.sin6_addr, address.data(), 16);
  return net::endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

std::array<std::uint8_t, 4> v4_bytes(const net::endpoint& ep) {
  std::array<std::uint8_t, 4> out{};
  std::memcpy(out.data(), &reinterpret_cast<const sockaddr_in*>(ep.data())->sin_addr, 4);
  return out;
}

std::array<std::uint8_t, 16> v6_bytes(const net::endpoint& ep) {
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), &reinterpret_cast<const sockaddr_in6*>(ep.data())->sin6_addr, 16);
  return out;
}

}  // namespace staticgate::proxy_protocol::wire

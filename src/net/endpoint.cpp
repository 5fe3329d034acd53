#include "net/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace staticgate::net {

namespace {

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// FNV-1a: tiny, stable across builds and machines, which Maglev needs so that
// several staticgate nodes map a client to the same target.
std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::optional<endpoint> endpoint::parse(std::string_view text) {
  endpoint ep;
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    auto port = parse_port(port_text);
    if (!port) return std::nullopt;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ep.storage_);
    if (host.find('%') != std::string::npos) return std::nullopt;  // scoped addresses: not supported
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) return std::nullopt;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(*port);
    ep.len_ = sizeof(sockaddr_in6);
    return ep;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  host = std::string(text.substr(0, colon));
  if (host.find(':') != std::string::npos) return std::nullopt;  // bare IPv6 needs brackets
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return std::nullopt;
  auto* sin = reinterpret_cast<sockaddr_in*>(&ep.storage_);
  if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) return std::nullopt;
  sin->sin_family = AF_INET;
  sin->sin_port = htons(*port);
  ep.len_ = sizeof(sockaddr_in);
  return ep;
}

endpoint endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) {
  endpoint ep;
  if (len > sizeof(ep.storage_)) len = sizeof(ep.storage_);
  std::memcpy(&ep.storage_, sa, len);
  ep.len_ = len;
  return ep;
}

std::uint16_t endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void endpoint::set_port(std::uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

bool endpoint::is_unspecified() const {
  if (family() == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr == htonl(INADDR_ANY);
  if (family() == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr);
  return false;
}

std::string endpoint::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string endpoint::to_string() const {
  if (family() == AF_INET6) return "[" + ip_string() + "]:" + std::to_string(port());
  if (family() == AF_INET) return ip_string() + ":" + std::to_string(port());
  return "<unset>";
}

std::uint64_t endpoint::address_hash() const {
  if (family() == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr;
    return fnv1a(reinterpret_cast<const unsigned char*>(&a), sizeof a);
  }
  if (family() == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
    return fnv1a(reinterpret_cast<const unsigned char*>(&a), sizeof a);
  }
  return 0;
}

// Address bytes and port, without formatting (this runs when configs and target lists are
// compared). IPv6 scope ids count: fe80::1%eth0 and fe80::1%eth1 are different endpoints.
bool operator==(const endpoint& a, const endpoint& b) {
  if (a.family() != b.family()) return false;
  if (a.family() == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(a.data());
    const auto* y = reinterpret_cast<const sockaddr_in*>(b.data());
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.family() == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(a.data());
    const auto* y = reinterpret_cast<const sockaddr_in6*>(b.data());
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace staticgate::net

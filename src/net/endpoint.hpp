// An IPv4 or IPv6 socket address with text conversion ("127.0.0.1:80", "[::1]:80").
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace staticgate::net {

class endpoint {
 public:
  endpoint() = default;

  // Accepts "a.b.c.d:port" and "[v6]:port". Port 0 is accepted (kernel picks).
  static std::optional<endpoint> parse(std::string_view text);
  static endpoint from_sockaddr(const sockaddr* sa, socklen_t len);

  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* data() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const { return len_; }
  int family() const { return storage_.ss_family; }
  bool is_v6() const { return family() == AF_INET6; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  bool is_unspecified() const;  // 0.0.0.0 or ::

  std::string ip_string() const;
  std::string to_string() const;  // "ip:port" / "[ip]:port"

  // Hash of the address only (not the port): the same client keeps its key across connections.
  std::uint64_t address_hash() const;

  friend bool operator==(const endpoint& a, const endpoint& b);

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

}  // namespace staticgate::net

// [[egress]]: forward proxies (SOCKS5 and HTTP CONNECT / plain HTTP) whose outbound connections
// leave from fixed source addresses. Validated by config::parse like the rest (see
// docs/configuration.md); the egress runtime copies what it needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/endpoint.hpp"

namespace staticgate::config {

enum class source_selection {
  round_robin,       // each new connection takes the next source address
  per_user,          // a user's `source_address` if set, else round robin
  destination_hash,  // sticky: the same destination host always leaves from the same address
};

// One allow entry. destination: "api.vendor.com", "*.vendor.com" (any subdomain, not the apex),
// "203.0.113.0/24", "2001:db8::/32", a bare address, or "any". ports: "443", "80,443",
// "8000-8999" or "any". Validated with egress::destination_rule::parse.
struct egress_rule {
  std::string destination;
  std::string ports = "any";
};

// Who may go where, for the whole server or one user (a user's set fields replace the
// server's; unset ones are inherited). See src/egress/destination_policy.hpp.
struct egress_access {
  std::optional<std::vector<egress_rule>> allow;  // unset: any public address and port
  std::optional<bool> allow_private;              // 10/8, 172.16/12, 192.168/16, fc00::/7
};

struct egress_user {
  std::string name;
  // Exactly one source of the password: a crypt(3) hash ($y$, $6$, $2b$) in the credentials
  // file, or an environment variable holding a hash (password_hash_env) or the password
  // itself (password_env). Never the password in the config file.
  std::string password_hash;  // filled from credentials_file or password_hash_env at load
  std::string password_hash_env;
  std::string password_env;
  std::optional<std::string> source_address;  // pinned (selection = per_user); one of source_addresses
  egress_access access;
  std::uint32_t max_connections = 0;  // 0: only the server's per-user limit
};

struct egress_server {
  std::string name;
  std::vector<net::endpoint> binds;
  bool socks5 = true;  // protocols = ["socks5", "http"]: each connection is told apart by its first byte
  bool http = true;
  // "password" (default) or "none". "none" on a non-loopback bind also needs allow_open_proxy.
  bool authentication = true;
  bool allow_open_proxy = false;
  std::string credentials_file;  // "user:hash" lines (htpasswd-like); optional
  std::vector<egress_user> users;
  // Local IPs outbound connections are bound to (IP_BIND_ADDRESS_NO_PORT). Empty: the kernel's
  // choice. Each must exist on the host at load time.
  std::vector<std::string> source_addresses;
  source_selection selection = source_selection::round_robin;
  egress_access access;
  std::vector<std::string> name_servers;  // for destination names; empty: the system's
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(350)};
  std::uint32_t max_connections = 0;           // 0: no limit
  std::uint32_t max_connections_per_user = 0;  // 0: no limit
};

}  // namespace staticgate::config

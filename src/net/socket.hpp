// Thin, error_code-returning wrappers for the socket calls the data plane makes.
#pragma once

#include <system_error>

#include "net/endpoint.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::net {

struct listen_options {
  int backlog = 4096;
  bool reuse_port = true;  // one socket per worker thread, the kernel spreads connections
};

// Creates a non-blocking listening TCP socket bound to `address`, with
// TCP_NODELAY set so that accepted sockets inherit it.
unique_fd open_listener(const endpoint& address, const listen_options& options, std::error_code& ec);

// Fails with EADDRINUSE when another socket (even another process's SO_REUSEPORT
// one) already owns `address`. Checked once at start-up because SO_REUSEPORT would
// otherwise silently share the port with a stale process.
std::error_code probe_bind(const endpoint& address);

// Starts a non-blocking connect. in_progress is set when completion comes later
// (EPOLLOUT + SO_ERROR); otherwise the socket is connected or ec says why not.
unique_fd start_connect(const endpoint& target, bool& in_progress, std::error_code& ec);

// start_connect from a fixed local address: the socket is bound to `source` (port 0) with
// IP_BIND_ADDRESS_NO_PORT, so the kernel picks the port at connect time per destination and one
// source address can carry far more than 65k connections. bind_failed tells a source address
// that is not (or no longer) on the host (EADDRNOTAVAIL at bind) from a failed connect.
struct connect_attempt {
  unique_fd fd;
  bool in_progress = false;
  bool bind_failed = false;
  std::error_code ec;
};
connect_attempt start_connect_from(const endpoint& target, const endpoint& source);

// The pending error of a socket (after a non-blocking connect completes).
std::error_code socket_error(int fd);

void set_nodelay(int fd);

// Closes with RST instead of FIN (SO_LINGER 0), used when the peer reset us.
void set_linger_reset(int fd);

endpoint local_endpoint(int fd);

}  // namespace staticgate::net

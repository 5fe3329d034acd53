#include "net/socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace staticgate::net {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

void set_int_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

unique_fd open_listener(const endpoint& address, const listen_options& options, std::error_code& ec) {
  unique_fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) {
    ec = last_error();
    return {};
  }
  set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
  if (options.reuse_port) set_int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1);
  // An IPv6 listener on [::] must not also grab the IPv4 port: the config says
  // what to bind, explicitly.
  if (address.is_v6()) set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  // Accepted sockets inherit TCP_NODELAY from the listener: one setsockopt per
  // listener instead of one per connection.
  set_nodelay(fd.get());
  if (::bind(fd.get(), address.data(), address.size()) != 0 || ::listen(fd.get(), options.backlog) != 0) {
    ec = last_error();
    return {};
  }
  ec.clear();
  return fd;
}

std::error_code probe_bind(const endpoint& address) {
  unique_fd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return last_error();
  set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
  if (address.is_v6()) set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (::bind(fd.get(), address.data(), address.size()) != 0) return last_error();
  return {};
}

unique_fd start_connect(const endpoint& target, bool& in_progress, std::error_code& ec) {
  in_progress = false;
  unique_fd fd(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) {
    ec = last_error();
    return {};
  }
  set_nodelay(fd.get());
  if (::connect(fd.get(), target.data(), target.size()) == 0) {
    ec.clear();
    return fd;
  }
  if (errno == EINPROGRESS) {
    in_progress = true;
    ec.clear();
    return fd;
  }
  ec = last_error();
  return {};
}

connect_attempt start_connect_from(const endpoint& target, const endpoint& source) {
  connect_attempt out;
  unique_fd fd(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) {
    out.ec = last_error();
    return out;
  }
  set_nodelay(fd.get());
  set_int_option(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
  endpoint local = source;
  local.set_port(0);
  if (::bind(fd.get(), local.data(), local.size()) != 0) {
    out.ec = last_error();
    out.bind_failed = true;
    return out;
  }
  const bool connected = ::connect(fd.get(), target.data(), target.size()) == 0;
  if (connected || errno == EINPROGRESS) {
    out.in_progress = !connected;
    out.fd = std::move(fd);
    return out;
  }
  out.ec = last_error();
  return out;
}

std::error_code socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return last_error();
  return {err, std::system_category()};
}

void set_nodelay(int fd) { set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

void set_linger_reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

endpoint local_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace staticgate::net

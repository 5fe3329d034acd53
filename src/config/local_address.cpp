#include "config/local_address.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace staticgate::config {

bool is_local_address(const net::endpoint& address) {
  if (address.is_unspecified()) return true;
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno != EAFNOSUPPORT;
  net::endpoint probe = address;
  probe.set_port(0);  // any free port: we only ask about the address
  int rc = ::bind(fd, probe.data(), probe.size());
  int bind_errno = errno;
  ::close(fd);
  return rc == 0 || bind_errno != EADDRNOTAVAIL;
}

}  // namespace staticgate::config

#include "ingress/data_plane_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace staticgate::ingress {

net::forward_mode to_forward_mode(config::forwarding_mode mode) {
  switch (mode) {
    case config::forwarding_mode::automatic: return net::forward_mode::automatic;
    case config::forwarding_mode::splice: return net::forward_mode::splice;
    case config::forwarding_mode::copy: return net::forward_mode::copy;
  }
  return net::forward_mode::automatic;
}

net::unique_fd open_connection_log(const std::string& where) {
  if (where == "off") return {};
  if (where == "stdout") return net::unique_fd(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  if (where == "stderr") return net::unique_fd(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  net::unique_fd fd(::open(where.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd) throw std::runtime_error("connection_log: cannot open " + where + ": " + std::strerror(errno));
  return fd;
}

}  // namespace staticgate::ingress

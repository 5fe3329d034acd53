#include "config/read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace staticgate::config {

std::error_code read_file(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {errno, std::generic_category()};
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::error_code ec(errno, std::generic_category());
      ::close(fd);
      return ec;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {};
}

}  // namespace staticgate::config

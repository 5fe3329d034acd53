#include "discovery/file_state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace staticgate::discovery {
namespace {

constexpr std::size_t max_stem = 200;

std::string describe(const char* step, const std::filesystem::path& path, int err) {
  return std::string(step) + " " + path.string() + ": " + std::strerror(err);
}

// Closes on scope exit unless released.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool write_all(int fd, const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

file_state_store::file_state_store(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {}

std::string file_state_store::file_name_for(const std::string& key) {
  if (key.empty()) return {};
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string stem;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '-' || (c == '.' && i > 0);
    if (plain) {
      stem += static_cast<char>(c);
    } else {
      stem += '%';
      stem += hex[c >> 4];
      stem += hex[c & 0xF];
    }
  }
  if (stem.size() > max_stem) {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "~%016llx", static_cast<unsigned long long>(fnv1a(key)));
    stem.resize(max_stem - 17);
    stem += suffix;
  }
  return stem + ".json";
}

std::filesystem::path file_state_store::path_for(const std::string& key) const {
  const std::string name = file_name_for(key);
  return name.empty() ? std::filesystem::path{} : state_dir_ / name;
}

std::optional<std::string> file_state_store::load(const std::string& key, std::string& error) {
  error.clear();
  if (key.empty()) {
    error = "state key is empty";
    return std::nullopt;
  }
  const auto path = path_for(key);
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      // Not found only if the directory itself is there; a missing directory is a setup error.
      struct stat st {};
      if (::stat(state_dir_.c_str(), &st) != 0) {
        error = describe("state directory", state_dir_, errno);
      } else if (!S_ISDIR(st.st_mode)) {
        error = "state directory " + state_dir_.string() + ": not a directory";
      }
      return std::nullopt;
    }
    error = describe("open", path, errno);
    return std::nullopt;
  }
  std::string out;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error = describe("read", path, errno);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

bool file_state_store::save(const std::string& key, const std::string& bytes, std::string& error) {
  error.clear();
  if (key.empty()) {
    error = "state key is empty";
    return false;
  }
  const auto path = path_for(key);
  std::string tmpl = (state_dir_ / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> tmp_name(tmpl.begin(), tmpl.end());
  tmp_name.push_back('\0');
  fd_guard fd(::mkostemp(tmp_name.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    error = describe("create temporary file in", state_dir_, errno);
    return false;
  }
  const std::filesystem::path tmp_path(tmp_name.data());
  auto fail = [&](const char* step, const std::filesystem::path& what) {
    error = describe(step, what, errno);
    ::unlink(tmp_path.c_str());
    return false;
  };
  if (!write_all(fd.get(), bytes)) return fail("write", tmp_path);
  if (::fsync(fd.get()) != 0) return fail("fsync", tmp_path);
  if (::close(fd.release()) != 0) return fail("close", tmp_path);
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) return fail("rename to", path);
  // The new name is in place; make the directory entry durable too.
  fd_guard dir(::open(state_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    error = describe("fsync directory", state_dir_, errno);
    return false;
  }
  return true;
}

}  // namespace staticgate::discovery

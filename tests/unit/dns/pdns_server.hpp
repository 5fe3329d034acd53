// A real PowerDNS (bind backend) for the DNS tests, on loopback at a free
// port, serving zones the test writes into a temporary config directory.
// Shared by cares_resolver_test.cpp and authoritative_servers_test.cpp.
// Tests skip when pdns_server is not installed (Debian: pdns-server).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace staticgate::dns::test_support {

inline const char* find_pdns() {
  for (const char* p : {"/usr/sbin/pdns_server", "/usr/local/sbin/pdns_server"})
    if (::access(p, X_OK) == 0) return p;
  return nullptr;
}

// A UDP socket on 127.0.0.1 at a port the kernel picked.
inline int bound_udp(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

inline std::uint16_t free_port() {
  std::uint16_t port = 0;
  int fd = bound_udp(port);
  if (fd >= 0) ::close(fd);
  return port;
}

// Sends one SOA query for "test." and waits briefly for any reply (REFUSED included).
inline bool answers(std::uint16_t port) {
  static const unsigned char query[] = {0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        4,    't',  'e',  's',  't',  0,    0x00, 0x06, 0x00, 0x01};
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ::sendto(fd, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  unsigned char reply[512];
  auto n = ::recv(fd, reply, sizeof reply, 0);
  ::close(fd);
  return n >= 12 && reply[0] == 0x12 && reply[1] == 0x34;
}

struct zone_file {
  std::string name;                 // "test", "us-east-1.elb.example"
  std::optional<std::string> text;  // the zone file; nullopt: no file, so the server answers SERVFAIL
};

class pdns_process {
 public:
  // `listen`: the addresses to serve on, all at the same port. The first one must be 127.0.0.1
  // (readiness is probed there).
  explicit pdns_process(std::vector<zone_file> zones, std::vector<std::string> listen = {"127.0.0.1"})
      : zones_(std::move(zones)), listen_(std::move(listen)) {}
  pdns_process(const pdns_process&) = delete;
  pdns_process& operator=(const pdns_process&) = delete;

  // Returns false (with a message in `why`) if it did not come up.
  bool start(std::string& why) {
    using namespace std::chrono_literals;
    char tmpl[] = "/tmp/staticgate-dns-XXXXXX";
    if (!::mkdtemp(tmpl)) {
      why = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    write_zones();
    for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken meanwhile
      port_ = free_port();
      write_config();
      if (spawn()) {
        for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
          if (answers(port_)) return true;
          int status = 0;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            break;
          }
        }
      }
      stop();
    }
    std::ifstream log(dir_ / "log");
    why = "pdns_server did not answer; its log:\n" + std::string(std::istreambuf_iterator<char>(log), {});
    return false;
  }

  void stop() {
    using namespace std::chrono_literals;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  ~pdns_process() {
    stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::uint16_t port() const { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void write_zones() {
    std::ofstream n(dir_ / "named.conf");
    for (std::size_t i = 0; i < zones_.size(); ++i) {
      auto file = dir_ / ("zone" + std::to_string(i));  // never written when the text is nullopt
      if (zones_[i].text) std::ofstream(file) << *zones_[i].text;
      n << "zone \"" << zones_[i].name << "\" { type master; file \"" << file.string() << "\"; };\n";
    }
  }

  void write_config() {
    std::string addresses;
    for (const auto& a : listen_) addresses += (addresses.empty() ? "" : ",") + a;
    std::ofstream c(dir_ / "pdns.conf");
    c << "launch=bind\n"
      << "bind-config=" << (dir_ / "named.conf").string() << "\n"
      << "local-address=" << addresses << "\n"
      << "local-port=" << port_ << "\n"
      << "socket-dir=" << dir_.string() << "\n"
      << "security-poll-suffix=\n"
      << "guardian=no\ndaemon=no\ndisable-syslog=yes\nloglevel=4\n"
      << "cache-ttl=0\nquery-cache-ttl=0\nnegquery-cache-ttl=0\n"
      << "enable-lua-records=yes\n"
      << "distributor-threads=1\nreceiver-threads=1\n";
  }

  bool spawn() {
    std::string config_dir = "--config-dir=" + dir_.string();
    std::string log = (dir_ / "log").string();
    const char* binary = find_pdns();
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(binary, "pdns_server", config_dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return true;
  }

  std::vector<zone_file> zones_;
  std::vector<std::string> listen_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace staticgate::dns::test_support

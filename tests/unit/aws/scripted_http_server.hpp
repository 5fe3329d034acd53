// A scripted HTTP/1.1 server for unit tests of the AWS clients: listens on 127.0.0.1 (port
// 0) on a thread of its own and answers each request it reads with the next scripted action
// (a raw response, possibly delayed; a reset; a close), 500 "script exhausted" after the
// script. It records every request it read. Every wait is bounded (10 ms polls).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace staticgate::test {

using namespace std::chrono_literals;

// What the server does with the next request it reads.
struct action {
  enum class kind { respond, reset, close } what = kind::respond;
  std::string response;              // raw bytes, for respond
  std::chrono::milliseconds delay{0};  // before answering
};

inline action respond(int status, std::string body = {}, std::string extra_headers = {},
               std::chrono::milliseconds delay = 0ms) {
  action a;
  a.response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n" + extra_headers + "\r\n" + body;
  a.delay = delay;
  return a;
}

inline action reset_connection() {
  action a;
  a.what = action::kind::reset;
  return a;
}

class scripted_server {
 public:
  explicit scripted_server(std::vector<action> script) : script_(script.begin(), script.end()) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, sa, len) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, sa, &len) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~scripted_server() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) ::close(c.fd);
    ::close(listen_fd_);
  }

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
  }
  int accepted() const { return accepted_.load(); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct conn {
    int fd;
    std::string buffer;
  };

  // A complete request in buffer: its length, or 0.
  static size_t complete_request(const std::string& buffer) {
    const auto end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    size_t body = 0;
    std::string lower = buffer.substr(0, end);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (const auto cl = lower.find("content-length:"); cl != std::string::npos) {
      body = std::stoul(lower.substr(cl + 15));
    }
    return buffer.size() >= end + 4 + body ? end + 4 + body : 0;
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          conns_.push_back(conn{fd, {}});
          ++accepted_;
        }
      }
      std::vector<int> to_close;
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        conn& c = conns_[i - 1];
        char buf[4096];
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          to_close.push_back(c.fd);
          continue;
        }
        c.buffer.append(buf, static_cast<size_t>(n));
        const size_t len = complete_request(c.buffer);
        if (len == 0) continue;
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(c.buffer.substr(0, len));
        }
        c.buffer.erase(0, len);
        action a = respond(500, "script exhausted");
        if (!script_.empty()) {
          a = script_.front();
          script_.pop_front();
        }
        if (a.delay > 0ms) std::this_thread::sleep_for(a.delay);
        if (a.what == action::kind::respond) {
          (void)::send(c.fd, a.response.data(), a.response.size(), MSG_NOSIGNAL);
        } else {
          if (a.what == action::kind::reset) {
            linger l{1, 0};  // close with RST
            ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
          }
          to_close.push_back(c.fd);
        }
      }
      for (int fd : to_close) {
        ::close(fd);
        std::erase_if(conns_, [&](const conn& c) { return c.fd == fd; });
      }
    }
  }

  std::deque<action> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<conn> conns_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
};

}  // namespace staticgate::test

#include "admin/admin_server.hpp"

// Debian's libcpp-httplib is the compiled ("split") build configured with
// OpenSSL, zlib and Brotli: its classes change layout with these macros, so
// every user must define the same ones (pkg-config --cflags cpp-httplib).
#if !defined(CPPHTTPLIB_OPENSSL_SUPPORT) || !defined(CPPHTTPLIB_ZLIB_SUPPORT) || !defined(CPPHTTPLIB_BROTLI_SUPPORT)
#error "compile with the flags of `pkg-config --cflags cpp-httplib`; see the comment above"
#endif
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "admin/api_router.hpp"

namespace staticgate::admin {

namespace {

// httplib only reports that binding failed. Repeat the bind with the same
// options to learn why, for the error message.
std::string bind_failure_reason(const net::endpoint& ep) {
  int fd = ::socket(ep.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  std::string reason = ::bind(fd, ep.data(), ep.size()) != 0 ? std::strerror(errno) : "bind or listen failed";
  ::close(fd);
  return reason;
}

}  // namespace

struct admin_server::impl {
  impl(ingress::control& control, const net::endpoint& listen) : router(control), endpoint(listen) {}

  api_router router;
  net::endpoint endpoint;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  bool started = false;
};

admin_server::admin_server(ingress::control& control, const net::endpoint& listen)
    : impl_(std::make_unique<impl>(control, listen)) {}

admin_server::~admin_server() { stop(); }

void admin_server::start() {
  if (impl_->started) throw std::logic_error("admin_server::start called twice");
  auto& server = impl_->server;

  // httplib's default sets SO_REUSEPORT, which would let a second staticgate
  // share the port silently instead of failing here.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_payload_max_length(64 * 1024);

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    http_response r;
    try {
      r = impl_->router.handle(req.method, req.path);
    } catch (const std::exception& e) {
      r = {.status = 500,
           .content_type = "application/json",
           .body = nlohmann::json{{"error", e.what()}}.dump() + "\n",
           .allow = {}};
    }
    res.status = r.status;
    if (!r.allow.empty()) res.set_header("Allow", r.allow);
    res.set_content(r.body, r.content_type.c_str());
  };
  // Every path goes through the router, which knows 404 from 405. httplib
  // answers 400 to a POST without Content-Length (as `curl -X POST` sends)
  // before its routes run, although such a request has no body (RFC 9112
  // 6.3): requests without a body are therefore answered before that check.
  server.set_pre_routing_handler([handler](const httplib::Request& req, httplib::Response& res) {
    bool has_body = req.has_header("Transfer-Encoding") ||
                    (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
    if (has_body) return httplib::Server::HandlerResponse::Unhandled;
    handler(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);

  const auto& ep = impl_->endpoint;
  const std::string host = ep.ip_string();
  bool bound = false;
  if (ep.port() == 0) {
    int port = server.bind_to_any_port(host);
    if (port > 0) {
      impl_->endpoint.set_port(static_cast<std::uint16_t>(port));
      bound = true;
    }
  } else {
    bound = server.bind_to_port(host, ep.port());
  }
  if (!bound) {
    throw std::runtime_error("admin endpoint: cannot listen on " + ep.to_string() + ": " + bind_failure_reason(ep));
  }

  impl_->thread = std::thread([this] {
    impl_->server.listen_after_bind();
    impl_->listen_returned = true;
  });
  impl_->started = true;
  // Until listen_after_bind() has marked the server running, stop() would do
  // nothing and join() would wait forever.
  while (!server.is_running() && !impl_->listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void admin_server::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
}

net::endpoint admin_server::local_endpoint() const { return impl_->endpoint; }

}  // namespace staticgate::admin

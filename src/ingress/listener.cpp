#include "ingress/listener.hpp"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "ingress/session.hpp"
#include "ingress/worker.hpp"

namespace staticgate::ingress {

listener_socket::listener_socket(worker& owner, std::shared_ptr<listener_shared> shared,
                                 std::shared_ptr<target_picker> targets, net::unique_fd fd, std::string address)
    : owner_(owner),
      shared_(std::move(shared)),
      targets_(std::move(targets)),
      fd_(std::move(fd)),
      address_(std::move(address)),
      backoff_timer_([this] {
        if (!fd_) return;
        if (owner_.has_descriptor_waiters()) {
          owner_.loop().timers().schedule(backoff_timer_, owner_.loop().now() + accept_backoff);
          return;
        }
        backing_off_ = false;
        accept_all();
      }) {}

void listener_socket::on_io(std::uint32_t) {
  if (!backing_off_) accept_all();
}

void listener_socket::accept_all() {
  // Edge-triggered: drain the backlog completely, or we would not hear of it again.
  // A pause (EMFILE here or in a session) ends the loop; the backoff timer resumes it.
  while (!backing_off_) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      switch (errno) {
        case EAGAIN: return;
        case EINTR:
        case ECONNABORTED:
        case EPROTO: continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          pause(std::strerror(errno));
          return;
        default:
          spdlog::error("listener {}: accept failed: {}", shared_->name, std::system_category().message(errno));
          return;
      }
    }
    net::unique_fd client(fd);
    if (!shared_->try_admit()) {
      // Over max_connections: refuse now rather than leave the client hanging in
      // the backlog; the counter shows it (listener_shared::rejected).
      spdlog::debug("listener {}: max_connections {} reached, closing new connection", shared_->name,
                    shared_->max_connections.load());
      continue;
    }
    auto* s = new session(owner_, shared_, targets_, std::move(client),
                          net::endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), len));
    s->start();
  }
}

void listener_socket::close() {
  backing_off_ = true;
  owner_.loop().timers().cancel(backoff_timer_);
  fd_.reset();
}

void listener_socket::pause(const char* why) {
  if (!fd_) return;
  if (backing_off_) return;
  spdlog::warn("listener {}: {}: pausing accepts for {} ms", shared_->name, why, accept_backoff.count());
  backing_off_ = true;
  owner_.loop().timers().schedule(backoff_timer_, owner_.loop().now() + accept_backoff);
}

}  // namespace staticgate::ingress

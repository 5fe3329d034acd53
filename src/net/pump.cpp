#include "net/pump.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace staticgate::net {

namespace {

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

constexpr unsigned splice_flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

}  // namespace

void socket_state::on_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peer_closed = true;
  // Errors surface through the next syscall, so an error makes both directions "ready".
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writable = true;
}

pump::~pump() {
  if (pipe_owner_) pipe_owner_->discard(pipe_);
}

void pump::prepend(const void* data, std::size_t size) {
  held_data_.reset(new char[size]);
  std::memcpy(held_data_.get(), data, size);
  held_offset_ = 0;
  held_ = static_cast<std::uint32_t>(size);
}

pump::status pump::fail(int err, bool reading) {
  errno_ = err;
  failed_reading_ = reading;
  return status::failed;
}

pump::status pump::run(socket_state& from, socket_state& to, forward_context& ctx, bool reverse_finished) {
  if (finished_) return status::finished;
  if (!mode_set_) {
    splice_ = ctx.mode == forward_mode::splice;
    mode_set_ = true;
  }
  const auto start_bytes = bytes_;
  while (true) {
    if (auto s = flush(to); s != status::finished) return s;
    if (eof_) {
      // Half-close: the source said FIN, so say FIN to the destination, and keep
      // the other direction running until it ends too.
      if (!reverse_finished) ::shutdown(to.fd, SHUT_WR);
      finished_ = true;
      return status::finished;
    }
    if (!from.readable) return status::waiting;
    if (bytes_ - start_bytes >= turn_budget) return status::yielded;
    auto s = splice_ ? read_splice(from, ctx) : read_copy(from, to, ctx);
    if (s != status::finished) return s;  // "finished" here means: read something, go on
  }
}

// Sends what is held. Returns finished when nothing is held any more.
pump::status pump::flush(socket_state& to) {
  if (held_ != 0) {
    if (!to.writable) return status::waiting;
    auto n = ::send(to.fd, held_data_.get() + held_offset_, held_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (would_block(errno)) {
        to.writable = false;
        return status::waiting;
      }
      return fail(errno, false);
    }
    held_offset_ += static_cast<std::uint32_t>(n);
    held_ -= static_cast<std::uint32_t>(n);
    if (held_ != 0) {
      to.writable = false;  // a partial write means the send buffer is full
      return status::waiting;
    }
    held_data_.reset();  // idle connections keep no buffer
    held_offset_ = 0;
  }
  if (pipe_bytes_ != 0) {
    if (!to.writable) return status::waiting;
    auto n = ::splice(pipe_.read_fd, nullptr, to.fd, nullptr, pipe_bytes_, splice_flags);
    if (n < 0) {
      if (would_block(errno)) {
        to.writable = false;
        return status::waiting;
      }
      return fail(errno, false);
    }
    pipe_bytes_ -= static_cast<std::uint32_t>(n);
    if (pipe_bytes_ != 0) {
      to.writable = false;
      return status::waiting;
    }
  }
  if (pipe_owner_) {
    pipe_owner_->release(pipe_);
    pipe_owner_ = nullptr;
    pipe_ = {};
  }
  return status::finished;
}

pump::status pump::read_copy(socket_state& from, socket_state& to, forward_context& ctx) {
  auto n = ::recv(from.fd, ctx.buffer, ctx.buffer_size, MSG_DONTWAIT);
  if (n < 0) {
    if (would_block(errno)) {
      from.readable = false;
      return status::waiting;
    }
    if (errno == EINTR) return status::finished;
    return fail(errno, true);
  }
  if (n == 0) {
    eof_ = true;
    return status::finished;
  }
  auto got = static_cast<std::size_t>(n);
  bytes_ += got;
  if (got == ctx.buffer_size) {
    if (ctx.mode == forward_mode::automatic) splice_ = true;
  } else if (!from.peer_closed) {
    // A short read from a TCP socket means its receive queue was empty; the
    // next arrival raises a new edge, so the read that would say EAGAIN is skipped.
    from.readable = false;
  }
  std::size_t sent = 0;
  if (to.writable) {
    auto w = ::send(to.fd, ctx.buffer, got, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (!would_block(errno)) return fail(errno, false);
      to.writable = false;
    } else {
      sent = static_cast<std::size_t>(w);
      if (sent < got) to.writable = false;
    }
  }
  if (sent < got) {
    held_ = static_cast<std::uint32_t>(got - sent);
    held_offset_ = 0;
    held_data_.reset(new char[held_]);
    std::memcpy(held_data_.get(), ctx.buffer + sent, held_);
    return status::waiting;
  }
  return status::finished;
}

pump::status pump::read_splice(socket_state& from, forward_context& ctx) {
  if (!pipe_owner_) {
    pipe_ = ctx.pipes->acquire();
    if (!pipe_) {
      // No pipe to be had (descriptor limit): copy this round instead.
      splice_ = false;
      return status::finished;
    }
    pipe_owner_ = ctx.pipes;
  }
  auto n = ::splice(from.fd, nullptr, pipe_.write_fd, nullptr, ctx.pipes->capacity(), splice_flags);
  if (n < 0) {
    if (would_block(errno)) {
      // Splice does not promise to drain the socket in one call (the pipe has a
      // limited number of slots), so only EAGAIN proves it is empty.
      from.readable = false;
      if (pipe_bytes_ == 0) {  // nothing borrowed the pipe for: give it back now
        pipe_owner_->release(pipe_);
        pipe_owner_ = nullptr;
        pipe_ = {};
      }
      return status::waiting;
    }
    if (errno == EINTR) return status::finished;
    return fail(errno, true);
  }
  if (n == 0) {
    eof_ = true;
    return status::finished;
  }
  pipe_bytes_ = static_cast<std::uint32_t>(n);
  bytes_ += static_cast<std::uint64_t>(n);
  return status::finished;
}

}  // namespace staticgate::net

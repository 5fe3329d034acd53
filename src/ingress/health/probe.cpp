#include "ingress/health/probe.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "net/socket.hpp"

namespace staticgate::health {

void probe::start(const probe_spec& spec, done_fn done) {
  if (running_) finish(probe_failure::timed_out);
  done_ = std::move(done);
  out_ = spec.send;
  sent_ = 0;
  connected_ = false;
  parser_.reset();
  if (spec.accepted) parser_.emplace(*spec.accepted);
  running_ = true;
  state_ = net::socket_state{};
  loop_.timers().schedule(*this, loop_.now() + spec.timeout);
  bool in_progress = false;
  std::error_code ec;
  fd_ = net::start_connect(spec.address, in_progress, ec);
  if (!fd_ || loop_.add(fd_.get(), this)) {
    // Reported from the timer path, not from inside start().
    loop_.timers().schedule(*this, loop_.now());
    fd_.reset();
    return;
  }
  state_.fd = fd_.get();
  if (!in_progress) {
    connected_ = true;
    state_.writable = true;
  }
}

void probe::on_timer() {
  if (!running_) return;
  finish(fd_ ? probe_failure::timed_out : probe_failure::connect_failed);
}

void probe::on_io(std::uint32_t events) {
  if (!running_) return;  // a stale event for a probe already finished
  state_.on_events(events);
  if (!connected_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    if ((events & (EPOLLERR | EPOLLHUP)) || net::socket_error(fd_.get())) return finish(probe_failure::connect_failed);
    connected_ = true;
  }
  advance();
}

void probe::advance() {
  if (!send_pending()) return;
  if (!parser_) {
    // TCP check: connected (and any PROXY header delivered) is a pass.
    if (sent_ == out_.size()) finish(std::nullopt);
    return;
  }
  read_response();
}

// False when the probe finished (failed).
bool probe::send_pending() {
  while (sent_ < out_.size() && state_.writable) {
    auto n = ::send(fd_.get(), out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        state_.writable = false;
        break;
      }
      finish(probe_failure::io_error);
      return false;
    }
    sent_ += static_cast<std::size_t>(n);
  }
  return true;
}

bool probe::read_response() {
  std::array<char, 2048> buffer{};
  while (state_.readable) {
    auto n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        state_.readable = false;
        return true;
      }
      finish(probe_failure::io_error);
      return false;
    }
    auto verdict = n == 0 ? parser_->finish() : parser_->feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    if (verdict == parse_verdict::passed) {
      finish(std::nullopt);
      return false;
    }
    if (verdict == parse_verdict::failed) {
      finish(parser_->failure().value_or(probe_failure::malformed_response));
      return false;
    }
  }
  return true;
}

void probe::finish(std::optional<probe_failure> result) {
  running_ = false;
  loop_.timers().cancel(*this);
  fd_.reset();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(result);
}

}  // namespace staticgate::health

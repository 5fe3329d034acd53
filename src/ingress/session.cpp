#include "ingress/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <span>
#include <variant>
#include <cerrno>
#include <cstring>

#include "ingress/listener.hpp"
#include "ingress/target_group.hpp"
#include "ingress/worker.hpp"
#include "net/socket.hpp"
#include "proxy_protocol/decoder.hpp"
#include "proxy_protocol/encoder.hpp"

namespace staticgate::ingress {

namespace {

// ec comes from net::start_connect, always in the system category.
bool is_resource_exhaustion(const std::error_code& ec) {
  auto v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

constexpr std::chrono::milliseconds resource_wait{100};

std::uint32_t max_resource_waits(const target_group_snapshot& group) {
  auto waits = group.connect_timeout / resource_wait;
  return static_cast<std::uint32_t>(std::clamp<long long>(waits, 1, 600));
}

}  // namespace

session::session(worker& owner, std::shared_ptr<listener_shared> listener, std::shared_ptr<target_picker> targets,
                 net::unique_fd client, const net::endpoint& client_address)
    : owner_(owner),
      listener_ptr_(std::move(listener)),
      targets_ptr_(std::move(targets)),
      listener_(*listener_ptr_),
      targets_(*targets_ptr_),
      client_address_(client_address) {
  client_.owner = this;
  target_.owner = this;
  client_.state.fd = client.get();
  client_.fd = std::move(client);
  owner_.link(this);
}

session::~session() { owner_.unlink(this); }

void session::side::on_io(std::uint32_t events) {
  if (this == &owner->client_)
    owner->on_client_io(events);
  else
    owner->on_target_io(events);
}

void session::start() {
  // TCP_NODELAY is inherited from the listening socket (net::open_listener).
  if (auto ec = owner_.loop().add(client_.fd.get(), &client_)) {
    spdlog::warn("listener {}: cannot watch client {}: {}", listener_.name, client_address_.to_string(), ec.message());
    close(end_reason::error);
    return;
  }
  last_activity_ = started_ = owner_.loop().now();
  if (owner_.log().enabled()) started_wall_ = std::chrono::system_clock::now();
  if (listener_.accept_proxy_protocol.load(std::memory_order_relaxed)) {
    // The header comes first; the readiness edge for bytes already there
    // arrives with the epoll registration above.
    phase_ = phase::reading_proxy_header;
    owner_.loop().timers().schedule(*this, started_ + proxy_header_timeout);
    return;
  }
  connect_next();
}

void session::connect_next() {
  const auto& group = targets_.group();
  while (true) {
    const std::size_t allowed = std::min<std::size_t>(max_attempts, 1 + group.connect_retries);
    if (attempts_ >= allowed) break;
    auto choice = targets_.pick(client_address_.address_hash(), std::span(tried_.data(), attempts_));
    if (!choice) break;
    tried_[attempts_++] = static_cast<std::uint16_t>(*choice);
    // Counted from the pick, not from the established connection, so that a burst
    // of new connections does not all see the same counts (least_connections).
    targets_.on_open(*choice);
    counted_ = true;
    bool in_progress = false;
    std::error_code ec;
    auto fd = net::start_connect(group.targets[*choice], in_progress, ec);
    if (!fd) {
      uncount();
      if (is_resource_exhaustion(ec)) {
        // Not the target's fault, and no other target would fare better: give
        // the attempt back, stop accepting for a moment, and let this client
        // wait (bounded by connect_timeout) for a descriptor to come free.
        --attempts_;
        owner_.pause_accepting(std::strerror(ec.value()));
        if (resource_waits_ < max_resource_waits(group)) {
          ++resource_waits_;
          if (!waiting_for_descriptor_) owner_.descriptor_wait_begins();
          waiting_for_descriptor_ = true;
          owner_.loop().timers().schedule(*this, owner_.loop().now() + resource_wait);
          return;
        }
        break;
      }
      spdlog::debug("listener {}: connect to {} failed: {}", listener_.name, group.targets[*choice].to_string(),
                    ec.message());
      targets_.report_connect(*choice, false);
      targets_.stats(*choice).connect_failures.add();
      continue;
    }
    end_descriptor_wait();
    connect_started_ = owner_.loop().now();
    target_.state = net::socket_state{};
    target_.state.fd = fd.get();
    target_.fd = std::move(fd);
    if (auto add_ec = owner_.loop().add(target_.fd.get(), &target_)) {
      uncount();
      target_.fd.reset();
      continue;
    }
    if (!in_progress) {
      on_connected();
      return;
    }
    owner_.loop().timers().schedule(*this, owner_.loop().now() + group.connect_timeout);
    return;
  }
  spdlog::debug("listener {}: no target reachable for {} after {} attempt(s)", listener_.name,
                client_address_.to_string(), attempts_);
  close(end_reason::connect_failed);
}

void session::uncount() {
  if (counted_) targets_.on_close(tried_[attempts_ - 1]);
  counted_ = false;
}

void session::connect_failed() {
  targets_.report_connect(tried_[attempts_ - 1], false);
  targets_.stats(tried_[attempts_ - 1]).connect_failures.add();
  uncount();
  owner_.loop().timers().cancel(*this);
  target_.fd.reset();  // closing also removes it from epoll
  target_.state = net::socket_state{};
  connect_next();
}

void session::on_connected() {
  phase_ = phase::forwarding;
  connected_ = true;
  targets_.report_connect(tried_[attempts_ - 1], true);
  auto& stats = targets_.stats(tried_[attempts_ - 1]);
  stats.connections.add();
  stats.active.inc();
  stats.connect_time.observe(std::chrono::duration_cast<std::chrono::microseconds>(owner_.loop().now() - connect_started_));
  send_proxy_header();
  target_.state.writable = true;
  last_activity_ = owner_.loop().now();
  owner_.loop().timers().schedule(*this, last_activity_ + listener_.idle_timeout());
  forward();
}

void session::on_client_io(std::uint32_t events) {
  if (events == 0) {  // our own deferred turn (event_loop::defer)
    deferred_ = false;
    if (phase_ == phase::closed) {
      owner_.loop().retire(this);
      return;
    }
  }
  client_.state.on_events(events);
  if (phase_ == phase::reading_proxy_header) return read_proxy_header();
  if (phase_ != phase::forwarding) return;  // data waits in the kernel until the target is connected
  last_activity_ = owner_.loop().now();
  forward();
}

void session::on_target_io(std::uint32_t events) {
  target_.state.on_events(events);
  if (phase_ == phase::connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    // Writable without an error flag means connected; only ask the socket why
    // when the kernel flagged a problem.
    auto ec = (events & (EPOLLERR | EPOLLHUP)) ? net::socket_error(target_.fd.get()) : std::error_code{};
    if (!ec && (events & (EPOLLERR | EPOLLHUP))) ec = std::make_error_code(std::errc::connection_refused);
    if (ec) {
      spdlog::debug("listener {}: connect to {} failed: {}", listener_.name,
                    targets_.group().targets[tried_[attempts_ - 1]].to_string(), ec.message());
      connect_failed();
      return;
    }
    owner_.loop().timers().cancel(*this);
    on_connected();
    return;
  }
  if (phase_ != phase::forwarding) return;
  last_activity_ = owner_.loop().now();
  forward();
}

void session::forward() {
  const auto result = tunnel_.forward(client_.state, target_.state, owner_.forwarding());
  account_bytes();
  switch (result) {
    case net::tunnel::outcome::running: return;
    case net::tunnel::outcome::yielded:
      if (!deferred_) {
        deferred_ = true;
        owner_.loop().defer(&client_);
      }
      return;
    case net::tunnel::outcome::client_closed: return close(end_reason::client_closed);
    case net::tunnel::outcome::target_closed: return close(end_reason::target_closed);
    case net::tunnel::outcome::client_reset: return close(end_reason::client_reset);
    case net::tunnel::outcome::target_reset: return close(end_reason::target_reset);
    case net::tunnel::outcome::error: return close(end_reason::error);
  }
}

void session::read_proxy_header() {
  if (!client_.state.readable) return;
  auto& ctx = owner_.forwarding();
  // Peek, so that only the header's own bytes are consumed and whatever follows
  // stays in the kernel for the pump.
  constexpr std::size_t max_header = 16 + 4096;
  auto n = ::recv(client_.fd.get(), ctx.buffer, std::min(ctx.buffer_size, max_header), MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      client_.state.readable = false;
      return;
    }
    return close(errno == ECONNRESET ? end_reason::client_reset : end_reason::error);
  }
  if (n == 0) return close(end_reason::client_closed);
  auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(ctx.buffer), static_cast<std::size_t>(n));
  auto result = proxy_protocol::decode(bytes);
  if (std::holds_alternative<proxy_protocol::need_more>(result)) {
    // All there is has been seen; the next arrival raises a new edge.
    client_.state.readable = false;
    if (client_.state.peer_closed) close(end_reason::client_closed);
    return;
  }
  if (const auto* bad = std::get_if<proxy_protocol::error>(&result)) {
    spdlog::debug("listener {}: bad PROXY protocol header from {}: {}", listener_.name, client_address_.to_string(),
                  bad->message);
    return close(end_reason::error);
  }
  const auto& done = std::get<proxy_protocol::complete>(result);
  if (::recv(client_.fd.get(), ctx.buffer, done.consumed, MSG_DONTWAIT) != static_cast<ssize_t>(done.consumed))
    return close(end_reason::error);
  const auto& header = done.header;
  // LOCAL (the front balancer's own health check) and UNKNOWN keep the
  // connection's real addresses, as the specification says.
  if (header.command == proxy_protocol::proxy_command::proxy && header.source.size() != 0) {
    client_address_ = header.source;
    proxied_local_ = std::make_unique<net::endpoint>(header.destination);
  }
  owner_.loop().timers().cancel(*this);
  phase_ = phase::connecting;
  connect_next();
}

net::endpoint session::local_address() const {
  if (proxied_local_) return *proxied_local_;
  return client_.fd ? net::local_endpoint(client_.fd.get()) : net::endpoint{};
}

void session::send_proxy_header() {
  auto mode = targets_.group().proxy_protocol;
  if (mode == config::proxy_protocol_mode::off) return;
  auto version =
      mode == config::proxy_protocol_mode::v1 ? proxy_protocol::protocol_version::v1 : proxy_protocol::protocol_version::v2;
  auto header = proxy_protocol::make_tcp_header(version, client_address_, local_address());
  std::array<std::uint8_t, 256> out{};
  auto n = proxy_protocol::encode(header, out);
  if (n != 0) tunnel_.prepend_upstream(out.data(), n);
}

void session::on_timer() {
  if (phase_ == phase::reading_proxy_header) {
    spdlog::debug("listener {}: no PROXY protocol header from {} within {}s", listener_.name,
                  client_address_.to_string(), proxy_header_timeout.count());
    return close(end_reason::error);
  }
  if (phase_ == phase::connecting && !target_.fd) {  // waited for a free descriptor
    connect_next();
    return;
  }
  if (phase_ == phase::connecting) {
    spdlog::debug("listener {}: connect to {} timed out", listener_.name,
                  targets_.group().targets[tried_[attempts_ - 1]].to_string());
    connect_failed();
    return;
  }
  auto deadline = last_activity_ + listener_.idle_timeout();
  if (owner_.loop().now() < deadline) {
    owner_.loop().timers().schedule(*this, deadline);
    return;
  }
  spdlog::debug("listener {}: idle timeout for {}", listener_.name, client_address_.to_string());
  close(end_reason::idle_timeout);
}

// Bytes go into the target's counters as they move, so /metrics shows long
// transfers progressing rather than jumping at the end.
void session::account_bytes() {
  auto& stats = targets_.stats(tried_[attempts_ - 1]);
  if (auto up = tunnel_.bytes_from_client(); up != accounted_up_) {
    stats.bytes_from_client.add(up - accounted_up_);
    accounted_up_ = up;
  }
  if (auto down = tunnel_.bytes_from_target(); down != accounted_down_) {
    stats.bytes_from_target.add(down - accounted_down_);
    accounted_down_ = down;
  }
}

const std::string* session::target_key() const {
  if (!connected_ || phase_ == phase::closed) return nullptr;
  return &targets_.group().keys[tried_[attempts_ - 1]];
}

const std::string& session::group_name() const { return targets_.group().name; }

std::chrono::milliseconds session::deregistration_delay() const { return targets_.group().deregistration_delay; }

void session::end_descriptor_wait() {
  if (waiting_for_descriptor_) owner_.descriptor_wait_ends();
  waiting_for_descriptor_ = false;
}

void session::close(end_reason reason) {
  if (phase_ == phase::closed) return;
  end_descriptor_wait();
  if (connected_) {
    auto& stats = targets_.stats(tried_[attempts_ - 1]);
    stats.active.dec();
    account_bytes();
    stats.duration.observe(std::chrono::duration_cast<std::chrono::microseconds>(owner_.loop().now() - started_));
  }
  if (owner_.log().enabled()) log_connection(reason);
  uncount();
  phase_ = phase::closed;
  owner_.loop().timers().cancel(*this);
  client_.fd.reset();
  target_.fd.reset();
  listener_.release();
  if (!deferred_) owner_.loop().retire(this);
}

void session::log_connection(end_reason reason) {
  connection_record r;
  r.start = started_wall_;
  r.listener = listener_.name;
  r.target_group = targets_.group().name;
  r.client = client_address_;
  r.local = local_address();
  if (connected_) r.target = &targets_.group().targets[tried_[attempts_ - 1]];
  r.attempts = attempts_;
  r.bytes_from_client = tunnel_.bytes_from_client();
  r.bytes_from_target = tunnel_.bytes_from_target();
  r.duration = std::chrono::duration_cast<std::chrono::microseconds>(net::clock::now() - started_);
  r.reason = reason;
  owner_.log().record(r);
}

}  // namespace staticgate::ingress

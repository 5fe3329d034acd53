#include "egress/egress_session.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <span>
#include <variant>

#include "egress/basic_credentials.hpp"
#include "egress/egress_worker.hpp"
#include "egress/server_settings.hpp"
#include "net/socket.hpp"

namespace staticgate::egress {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

const char* protocol_name(int p) {
  switch (p) {
    case 1: return "socks5";
    case 2: return "http_connect";
    case 3: return "http";
    default: return "unknown";
  }
}

}  // namespace

egress_session::egress_session(egress_worker& owner, std::shared_ptr<server_settings> settings, net::unique_fd client,
                               const net::endpoint& peer)
    : owner_(owner), settings_ptr_(std::move(settings)), settings_(*settings_ptr_), peer_(peer) {
  client_.owner = this;
  target_.owner = this;
  client_.state.fd = client.get();
  client_.fd = std::move(client);
  owner_.link(this);
}

egress_session::~egress_session() { owner_.unlink(this); }

void egress_session::side::on_io(std::uint32_t events) {
  if (this == &owner->client_)
    owner->on_client_io(events);
  else
    owner->on_target_io(events);
}

void egress_session::start() {
  started_ = last_activity_ = owner_.loop().now();
  started_wall_ = std::chrono::system_clock::now();
  auto& stats = *settings_.stats;
  stats.server().accepted.fetch_add(1, std::memory_order_relaxed);
  const auto active = stats.server().active.fetch_add(1, std::memory_order_relaxed) + 1;
  if (auto ec = owner_.loop().add(client_.fd.get(), &client_)) return finish(egress_result::error, ec.message());
  if (settings_.config.max_connections != 0 && static_cast<std::uint64_t>(active) > settings_.config.max_connections)
    return finish(egress_result::limit, "server connection limit");
  owner_.loop().timers().schedule(*this, started_ + settings_.config.handshake_timeout);
}

// ---- events ---------------------------------------------------------------------------------

void egress_session::on_client_io(std::uint32_t events) {
  if (events == 0) {  // our own deferred turn
    deferred_ = false;
    if (phase_ == phase::closed) {
      owner_.loop().retire(this);
      return;
    }
  }
  client_.state.on_events(events);
  switch (phase_) {
    case phase::forwarding:
      last_activity_ = owner_.loop().now();
      return forward();
    case phase::lingering:
      return linger();
    case phase::resolving:
    case phase::connecting:
    case phase::closed:
      return;  // bytes wait in the kernel until the tunnel runs
    default:
      if (read_handshake()) advance();
  }
}

void egress_session::on_target_io(std::uint32_t events) {
  target_.state.on_events(events);
  if (phase_ == phase::connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    auto ec = (events & (EPOLLERR | EPOLLHUP)) ? net::socket_error(target_.fd.get()) : std::error_code{};
    if (!ec && (events & (EPOLLERR | EPOLLHUP))) ec = std::make_error_code(std::errc::connection_refused);
    if (ec) return connect_failed(ec);
    return on_connected();
  }
  if (phase_ != phase::forwarding) return;
  last_activity_ = owner_.loop().now();
  forward();
}

void egress_session::on_timer() {
  const auto now = owner_.loop().now();
  switch (phase_) {
    case phase::connecting:
      target_.fd.reset();
      return connect_failed(std::make_error_code(std::errc::timed_out));
    case phase::forwarding: {
      const auto deadline = last_activity_ + settings_.config.idle_timeout;
      if (now < deadline) return owner_.loop().timers().schedule(*this, deadline);
      return finish(egress_result::idle_timeout, {});
    }
    case phase::lingering:
      return finish(result_, detail_);
    case phase::resolving:
      return fail(egress_result::resolve_failed, socks5::reply_code::host_unreachable,
                  http_proxy::status::gateway_timeout, "no DNS answer within handshake_timeout");
    default:
      return fail(egress_result::handshake_timeout, socks5::reply_code::general_failure,
                  http_proxy::status::bad_request, "no complete request within handshake_timeout");
  }
}

// ---- handshake ------------------------------------------------------------------------------

bool egress_session::read_handshake() {
  auto& ctx = owner_.forwarding();
  while (client_.state.readable) {
    const std::size_t room = max_handshake_bytes > inbuf_.size() ? max_handshake_bytes - inbuf_.size() : 0;
    if (room == 0) return true;  // the parsers reject an oversized head themselves
    auto n = ::recv(client_.fd.get(), ctx.buffer, std::min(room, ctx.buffer_size), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        client_.state.readable = false;
        return true;
      }
      if (errno == EINTR) continue;
      finish(errno == ECONNRESET ? egress_result::reset : egress_result::error, "reading the request failed");
      return false;
    }
    if (n == 0) {
      finish(egress_result::closed, "client closed during the handshake");
      return false;
    }
    inbuf_.append(ctx.buffer, static_cast<std::size_t>(n));
  }
  return true;
}

void egress_session::advance() {
  // Each stage consumes what it understood and hands over to the next, which may find its
  // bytes already here (a client that does not wait for our answers).
  while (!inbuf_.empty()) {
    const auto before = phase_;
    const auto size = inbuf_.size();
    switch (phase_) {
      case phase::detect: detect(); break;
      case phase::socks_greeting: socks_greeting(); break;
      case phase::socks_auth: socks_auth(); break;
      case phase::socks_request: socks_request(); break;
      case phase::http_head: http_head(); break;
      default: return;
    }
    if (phase_ == before && inbuf_.size() == size) return;  // needs more bytes
  }
}

void egress_session::detect() {
  const auto first = static_cast<std::uint8_t>(inbuf_.front());
  if (first == 0x05 && settings_.config.socks5) {
    protocol_ = protocol::socks5;
    phase_ = phase::socks_greeting;
    return;
  }
  if (first != 0x05 && settings_.config.http) {
    protocol_ = protocol::http_connect;  // refined when the head is parsed
    phase_ = phase::http_head;
    http_parser_ = std::make_unique<http_proxy::request_head_parser>();
    return;
  }
  finish(egress_result::bad_request, first == 0x05 ? "SOCKS5 is not enabled here" : "HTTP is not enabled here");
}

void egress_session::socks_greeting() {
  auto result = socks5::parse_greeting(bytes_of(inbuf_));
  if (std::holds_alternative<socks5::need_more>(result)) return;
  if (auto* e = std::get_if<socks5::error>(&result)) return finish(egress_result::bad_request, std::string(e->reason));
  const auto& done = std::get<socks5::parsed<socks5::greeting>>(result);
  const auto method = socks5::select_method(done.value, !settings_.config.authentication);
  inbuf_.erase(0, done.consumed);
  const auto reply = socks5::encode_method_selection(method);
  if (!send_to_client({reinterpret_cast<const char*>(reply.data()), reply.size()})) return;
  if (method == socks5::auth_method::no_acceptable_methods)
    return finish(egress_result::auth_failed, "no acceptable authentication method offered");
  phase_ = method == socks5::auth_method::username_password ? phase::socks_auth : phase::socks_request;
}

void egress_session::socks_auth() {
  auto result = socks5::parse_credentials(bytes_of(inbuf_));
  if (std::holds_alternative<socks5::need_more>(result)) return;
  auto refuse = [this](std::string why) {
    const auto status = socks5::encode_auth_status(false);
    if (send_to_client({reinterpret_cast<const char*>(status.data()), status.size()}))
      fail(egress_result::auth_failed, socks5::reply_code::general_failure, http_proxy::status::bad_request,
           std::move(why));
  };
  if (auto* e = std::get_if<socks5::error>(&result)) return refuse(std::string(e->reason));
  auto& done = std::get<socks5::parsed<socks5::credentials>>(result);
  inbuf_.erase(0, done.consumed);
  user_ = done.value.username;
  const bool ok = owner_.passwords().verify(settings_.credentials, done.value.username, done.value.password);
  if (!ok) return refuse("wrong user name or password");
  const auto status = socks5::encode_auth_status(true);
  if (!send_to_client({reinterpret_cast<const char*>(status.data()), status.size()})) return;
  phase_ = phase::socks_request;  // the user's limit is checked with the request, which has a reply code
}

void egress_session::socks_request() {
  auto result = socks5::parse_request(bytes_of(inbuf_));
  if (std::holds_alternative<socks5::need_more>(result)) return;
  if (auto* e = std::get_if<socks5::error>(&result)) {
    const bool unsupported = e->reply == socks5::reply_code::command_not_supported ||
                             e->reply == socks5::reply_code::address_type_not_supported;
    return fail(unsupported ? egress_result::unsupported : egress_result::bad_request, e->reply,
                http_proxy::status::bad_request, std::string(e->reason));
  }
  auto& done = std::get<socks5::parsed<socks5::request>>(result);
  inbuf_.erase(0, done.consumed);
  if (!admit_user()) return;
  authorize(done.value.destination);
}

void egress_session::http_head() {
  auto result = http_parser_->parse(inbuf_);
  if (std::holds_alternative<http_proxy::need_more>(result)) {
    if (inbuf_.size() >= max_handshake_bytes)
      fail(egress_result::bad_request, socks5::reply_code::general_failure,
           http_proxy::status::request_header_fields_too_large, "request head too large");
    return;
  }
  if (auto* e = std::get_if<http_proxy::error>(&result)) {
    const auto r = e->status == http_proxy::status::not_implemented ? egress_result::unsupported
                                                                    : egress_result::bad_request;
    return fail(r, socks5::reply_code::general_failure, e->status, std::string(e->reason));
  }
  auto& done = std::get<http_proxy::parsed>(result);
  inbuf_.erase(0, done.consumed);  // a body or pipelined bytes follow the tunnel's way
  http_parser_.reset();
  protocol_ = done.head.form == http_proxy::request_form::connect ? protocol::http_connect : protocol::http_forward;
  if (!authenticate_http(done.head)) return;
  if (!admit_user()) return;
  auto target = done.head.target;
  if (protocol_ == protocol::http_forward) http_request_ = std::move(done.head);
  authorize(std::move(target));
}

bool egress_session::authenticate_http(const http_proxy::request_head& head) {
  if (!settings_.config.authentication) return true;
  const auto* field = head.find("Proxy-Authorization");
  std::optional<basic_credentials> credentials;
  if (field) credentials = decode_basic_credentials(field->value);
  if (credentials) user_ = credentials->user;
  if (!credentials || !owner_.passwords().verify(settings_.credentials, credentials->user, credentials->password)) {
    fail(egress_result::auth_failed, socks5::reply_code::general_failure, http_proxy::status::proxy_authentication_required,
         !field ? "no Proxy-Authorization" : !credentials ? "malformed Proxy-Authorization" : "wrong user name or password");
    return false;
  }
  return true;
}

// Counts the connection against the user's limit (after authentication, so only real users).
bool egress_session::admit_user() {
  auto it = settings_.user_active.find(user_);
  user_stats_ = settings_.stats->user(user_);
  if (it == settings_.user_active.end()) return true;
  const auto now_open = it->second->fetch_add(1, std::memory_order_relaxed) + 1;
  user_counted_ = true;
  const auto limit = settings_.user_limit(user_);
  if (limit != 0 && now_open > limit) {
    fail(egress_result::limit, socks5::reply_code::general_failure, http_proxy::status::too_many_requests,
         "user connection limit (" + std::to_string(limit) + ")");
    return false;
  }
  return true;
}

// ---- where to ------------------------------------------------------------------------------

void egress_session::authorize(destination target) {
  target_request_ = std::move(target);
  const std::string host = target_request_.is_name() ? target_request_.name : target_request_.address.ip_string();
  auto verdict = settings_.policy.check_request(user_, host, target_request_.port);
  if (!verdict.allowed())
    return fail(egress_result::denied, socks5::reply_code::connection_not_allowed, http_proxy::status::forbidden,
                verdict.reason);
  if (!target_request_.is_name()) {
    on_resolved({target_request_.address}, {}, false);
    return;
  }
  phase_ = phase::resolving;
  // A, then AAAA when A gave nothing and IPv6 can leave from here; AAAA only when every
  // source address is IPv6 (an A answer could not be used).
  const bool v4_possible = !settings_.sources.has_sources() || settings_.sources.has_family(false);
  resolve(v4_possible ? AF_INET : AF_INET6);
}

void egress_session::resolve(int family) {
  std::weak_ptr<bool> alive = alive_;
  owner_.resolver_for(settings_).resolve(
      target_request_.name, family, [this, alive, family](std::error_code ec, dns::dns_answer answer) {
        if (alive.expired() || phase_ != phase::resolving) return;
        std::vector<net::endpoint> addresses;
        for (const auto& text : answer.addresses) {
          auto e = net::endpoint::parse(family == AF_INET6 ? "[" + text + "]:0" : text + ":0");
          if (!e) continue;
          e->set_port(target_request_.port);
          addresses.push_back(*e);
        }
        const bool v6_possible = !settings_.sources.has_sources() || settings_.sources.has_family(true);
        if (addresses.empty() && family == AF_INET && v6_possible && !tried_ipv6_) {
          tried_ipv6_ = true;
          return resolve(AF_INET6);
        }
        on_resolved(std::move(addresses), ec ? ec.message() : std::string(), ec == dns::errc::timeout);
      });
}

void egress_session::on_resolved(std::vector<net::endpoint> addresses, std::string error, bool timed_out) {
  if (addresses.empty())
    return fail(egress_result::resolve_failed, socks5::reply_code::host_unreachable,
                timed_out ? http_proxy::status::gateway_timeout : http_proxy::status::bad_gateway,
                "cannot resolve " + target_request_.name + (error.empty() ? "" : ": " + error));
  const std::string host = target_request_.is_name() ? target_request_.name : target_request_.address.ip_string();
  for (const auto& a : addresses) {
    auto ip = ip_address::parse(a.ip_string());
    if (!ip) continue;
    auto verdict = settings_.policy.check_resolved(user_, host, *ip, target_request_.port);
    if (verdict.allowed())
      candidates_.push_back(a);
    else
      denied_.push_back(verdict.reason);
  }
  if (candidates_.empty())
    return fail(egress_result::denied, socks5::reply_code::connection_not_allowed, http_proxy::status::forbidden,
                denied_.empty() ? "no usable address" : denied_.front());
  phase_ = phase::connecting;
  connect_next();
}

void egress_session::connect_next() {
  std::error_code last;
  while (candidate_ < candidates_.size()) {
    const auto& to = candidates_[candidate_++];
    const bool v6 = to.family() == AF_INET6;
    if (!settings_.sources.has_sources()) {
      bool in_progress = false;
      std::error_code ec;
      auto fd = net::start_connect(to, in_progress, ec);
      if (!fd) {
        last = ec;
        continue;
      }
      target_.fd = std::move(fd);
      source_.clear();
      target_.state = net::socket_state{};
      target_.state.fd = target_.fd.get();
      connected_to_ = to;
      if (auto add = owner_.loop().add(target_.fd.get(), &target_)) return finish(egress_result::error, add.message());
      if (!in_progress) return on_connected();
      owner_.loop().timers().schedule(*this, owner_.loop().now() + settings_.config.connect_timeout);
      return;
    }
    const auto order = settings_.sources.order(user_, target_request_.is_name() ? target_request_.name
                                                                             : target_request_.address.ip_string(),
                                               v6, settings_.sources.uses_turn(user_) ? owner_.next_turn() : 0);
    if (order.empty()) {
      denied_.push_back(std::string("no ") + (v6 ? "IPv6" : "IPv4") + " source address for " + to.to_string());
      continue;
    }
    for (const auto& source : order) {
      auto local = net::endpoint::parse(source.is_v6() ? "[" + source.to_string() + "]:0" : source.to_string() + ":0");
      if (!local) continue;
      auto attempt = net::start_connect_from(to, *local);
      if (attempt.bind_failed) {
        // Configured but gone from the host (an interface went down, an address was moved).
        if (owner_.should_warn_about_source(source.to_string()))
          spdlog::warn("egress {}: source address {} cannot be used ({}); skipped", settings_.config.name,
                       source.to_string(), attempt.ec.message());
        last = attempt.ec;
        continue;
      }
      if (!attempt.fd) {
        last = attempt.ec;
        break;  // the destination refused; another source would not change that
      }
      target_.fd = std::move(attempt.fd);
      source_ = source.to_string();
      target_.state = net::socket_state{};
      target_.state.fd = target_.fd.get();
      connected_to_ = to;
      if (auto add = owner_.loop().add(target_.fd.get(), &target_)) return finish(egress_result::error, add.message());
      if (!attempt.in_progress) return on_connected();
      owner_.loop().timers().schedule(*this, owner_.loop().now() + settings_.config.connect_timeout);
      return;
    }
  }
  // Every address failed at once, or had no source address of its family.
  if (!last) {
    owner_.loop().timers().cancel(*this);
    return fail(egress_result::connect_failed, socks5::reply_code::network_unreachable, http_proxy::status::bad_gateway,
                denied_.empty() ? "no address to connect to" : denied_.back());
  }
  connect_failed(last);
}

void egress_session::connect_failed(std::error_code ec) {
  owner_.loop().timers().cancel(*this);
  if (target_.fd) target_.fd.reset();
  target_.state = net::socket_state{};
  if (candidate_ < candidates_.size()) {
    denied_.push_back(connected_to_.to_string() + ": " + ec.message());
    return connect_next();
  }
  const bool timed_out = ec == std::errc::timed_out;
  auto reply = timed_out                                   ? socks5::reply_code::ttl_expired
               : ec == std::errc::connection_refused       ? socks5::reply_code::connection_refused
               : ec == std::errc::network_unreachable      ? socks5::reply_code::network_unreachable
               : ec == std::errc::host_unreachable         ? socks5::reply_code::host_unreachable
                                                           : socks5::reply_code::general_failure;
  fail(timed_out ? egress_result::connect_timeout : egress_result::connect_failed, reply,
       timed_out ? http_proxy::status::gateway_timeout : http_proxy::status::bad_gateway,
       "connect to " + target_request_.to_string() + " failed: " + ec.message());
}

void egress_session::on_connected() {
  owner_.loop().timers().cancel(*this);
  phase_ = phase::forwarding;
  target_.state.writable = true;
  // Tell the client, in its protocol, that the tunnel is open; a plain HTTP request is
  // rewritten for the origin and sent first.
  switch (protocol_) {
    case protocol::socks5: {
      std::array<std::uint8_t, socks5::max_reply_length> reply{};
      const auto n = socks5::encode_reply(socks5::reply_code::succeeded, net::local_endpoint(target_.fd.get()), reply);
      if (!send_to_client({reinterpret_cast<const char*>(reply.data()), n})) return;
      break;
    }
    case protocol::http_connect:
      if (!send_to_client(http_proxy::encode_connection_established())) return;
      break;
    case protocol::http_forward: {
      const auto head = http_proxy::encode_origin_request_head(*http_request_);
      tunnel_.prepend_upstream(head.data(), head.size());
      http_request_.reset();
      break;
    }
    case protocol::unknown: break;
  }
  if (!inbuf_.empty()) {  // bytes the client sent ahead of our answer
    tunnel_.prepend_upstream(inbuf_.data(), inbuf_.size());
    std::string().swap(inbuf_);
  }
  source_stats_ = settings_.stats->source(source_);
  for (auto* c : {user_stats_, source_stats_}) {
    if (!c) continue;
    c->connections.fetch_add(1, std::memory_order_relaxed);
    c->active.fetch_add(1, std::memory_order_relaxed);
  }
  tunnel_counted_ = true;
  last_activity_ = owner_.loop().now();
  owner_.loop().timers().schedule(*this, last_activity_ + settings_.config.idle_timeout);
  forward();
}

void egress_session::forward() {
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
    case net::tunnel::outcome::client_closed: return finish(egress_result::closed, "client closed first");
    case net::tunnel::outcome::target_closed: return finish(egress_result::closed, "destination closed first");
    case net::tunnel::outcome::client_reset: return finish(egress_result::reset, "client reset");
    case net::tunnel::outcome::target_reset: return finish(egress_result::reset, "destination reset");
    case net::tunnel::outcome::error: return finish(egress_result::error, "socket error");
  }
}

void egress_session::account_bytes() {
  const auto up = tunnel_.bytes_from_client();
  const auto down = tunnel_.bytes_from_target();
  for (auto* c : {user_stats_, source_stats_}) {
    if (!c) continue;
    if (up != accounted_up_) c->bytes_from_client.fetch_add(up - accounted_up_, std::memory_order_relaxed);
    if (down != accounted_down_) c->bytes_from_target.fetch_add(down - accounted_down_, std::memory_order_relaxed);
  }
  accounted_up_ = up;
  accounted_down_ = down;
}

// ---- endings ---------------------------------------------------------------------------------

bool egress_session::send_to_client(std::string_view bytes) {
  // Handshake answers are a few bytes to a socket that has sent us its request and has an
  // empty send buffer: all of it is accepted at once, or the client is gone.
  auto n = ::send(client_.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(bytes.size())) return true;
  finish(egress_result::error, "cannot send the answer to the client");
  return false;
}

void egress_session::fail(egress_result result, socks5::reply_code reply, http_proxy::status status,
                          std::string detail) {
  if (phase_ == phase::closed || phase_ == phase::lingering) return;
  std::string answer;
  if (protocol_ == protocol::socks5) {
    std::array<std::uint8_t, socks5::max_reply_length> out{};
    // After a failed username/password check RFC 1929 says close: the status was the answer.
    if (phase_ != phase::socks_auth && phase_ != phase::socks_greeting) {
      const auto n = socks5::encode_reply(reply, net::endpoint{}, out);
      answer.assign(reinterpret_cast<const char*>(out.data()), n);
    }
  } else if (protocol_ != protocol::unknown) {
    answer = http_proxy::encode_response(status);
  }
  if (!answer.empty() && !send_to_client(answer)) return;
  result_ = result;
  detail_ = std::move(detail);
  if (target_.fd) target_.fd.reset();
  // Graceful: FIN after the answer, then read and drop what the client still sends for a
  // moment; closing with unread bytes would send a reset that can destroy the answer in flight.
  ::shutdown(client_.fd.get(), SHUT_WR);
  phase_ = phase::lingering;
  owner_.loop().timers().schedule(*this, owner_.loop().now() + linger_time);
  linger();
}

void egress_session::linger() {
  auto& ctx = owner_.forwarding();
  while (client_.state.readable) {
    auto n = ::recv(client_.fd.get(), ctx.buffer, ctx.buffer_size, MSG_DONTWAIT);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      client_.state.readable = false;
      return;
    }
    if (n < 0 && errno == EINTR) continue;
    return finish(result_, detail_);  // EOF or error: the client is done
  }
}

void egress_session::close(egress_result result, std::string detail) { finish(result, std::move(detail)); }

void egress_session::finish(egress_result result, std::string detail) {
  if (phase_ == phase::closed) return;
  result_ = result;
  detail_ = std::move(detail);
  account_bytes();
  phase_ = phase::closed;
  *alive_ = false;
  alive_.reset();
  owner_.loop().timers().cancel(*this);
  auto& stats = *settings_.stats;
  stats.count_result(result_);
  stats.server().active.fetch_sub(1, std::memory_order_relaxed);
  if (tunnel_counted_) {
    for (auto* c : {user_stats_, source_stats_})
      if (c) c->active.fetch_sub(1, std::memory_order_relaxed);
  }
  if (user_counted_) {
    if (auto it = settings_.user_active.find(user_); it != settings_.user_active.end())
      it->second->fetch_sub(1, std::memory_order_relaxed);
  }
  log_connection();
  client_.fd.reset();
  target_.fd.reset();
  if (!deferred_) owner_.loop().retire(this);
}

void egress_session::log_connection() {
  const auto duration = std::chrono::duration<double, std::milli>(owner_.loop().now() - started_).count();
  nlohmann::json line = {
      {"start", rfc3339(started_wall_)},
      {"egress", settings_.config.name},
      {"protocol", protocol_name(static_cast<int>(protocol_))},
      {"user", user_},
      {"client", peer_.to_string()},
      {"source", source_},
      {"destination", target_request_.port ? target_request_.to_string() : std::string()},
      {"address", tunnel_counted_ ? connected_to_.to_string() : std::string()},
      {"bytes_from_client", tunnel_.bytes_from_client()},
      {"bytes_from_target", tunnel_.bytes_from_target()},
      {"duration_ms", static_cast<double>(static_cast<std::int64_t>(duration * 1000)) / 1000.0},
      {"result", to_string(result_)},
      {"detail", detail_},
  };
  owner_.write_log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  if (result_ != egress_result::closed)
    spdlog::debug("egress {}: {} {} {}: {} ({})", settings_.config.name, peer_.to_string(), user_,
                  target_request_.to_string(), to_string(result_), detail_);
}

}  // namespace staticgate::egress

// One client connection to an egress server (SOCKS5, HTTP CONNECT or plain HTTP forwarding):
//
//   handshake ─► authorize ─► resolve ─► check each address ─► connect from a source address ─► tunnel
//
// The first byte tells the protocols apart (0x05: SOCKS5, else HTTP). Every failure answers the
// client in its protocol (the exact SOCKS reply code, or 400/403/407/429/502/503/504) and closes
// gracefully: our side is shut down and whatever the client still sends is read and dropped
// for a moment, so the answer is not lost to a reset. The policy is applied twice: to what
// the client asked for, and to every address a name resolved to, so DNS cannot smuggle in a
// forbidden address. Forwarding is net::tunnel, the same code as the ingress data plane.
// Runs on its worker's thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "egress/destination.hpp"
#include "egress/egress_stats.hpp"
#include "egress/http_proxy_codec.hpp"
#include "egress/socks5_codec.hpp"
#include "net/endpoint.hpp"
#include "net/event_loop.hpp"
#include "net/timer_heap.hpp"
#include "net/tunnel.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::egress {

class egress_worker;
struct server_settings;

class egress_session final : public net::retirable, private net::timer {
 public:
  egress_session(egress_worker& owner, std::shared_ptr<server_settings> settings, net::unique_fd client,
                 const net::endpoint& peer);
  ~egress_session() override;

  void start();
  // Ends it now (shutdown, drain): no answer, both sockets closed, one log line.
  void close(egress_result result, std::string detail = {});

  egress_session* prev = nullptr;
  egress_session* next = nullptr;

 private:
  enum class phase : std::uint8_t {
    detect,
    socks_greeting,
    socks_auth,
    socks_request,
    http_head,
    resolving,
    connecting,
    forwarding,
    lingering,  // answered a failure; reading and dropping until the client closes
    closed,
  };
  enum class protocol : std::uint8_t { unknown, socks5, http_connect, http_forward };

  struct side final : net::io_handler {
    egress_session* owner = nullptr;
    net::socket_state state;
    net::unique_fd fd;
    void on_io(std::uint32_t events) override;
  };

  static constexpr std::size_t max_handshake_bytes = 16 * 1024 + 1024;
  static constexpr std::chrono::seconds linger_time{2};

  void on_client_io(std::uint32_t events);
  void on_target_io(std::uint32_t events);
  void on_timer() override;

  bool read_handshake();  // false: the session ended
  void advance();
  void detect();
  void socks_greeting();
  void socks_auth();
  void socks_request();
  void http_head();
  bool authenticate_http(const http_proxy::request_head& head);
  bool admit_user();
  void authorize(destination target);
  void resolve(int family);
  void on_resolved(std::vector<net::endpoint> addresses, std::string error, bool timed_out);
  void connect_next();
  void connect_failed(std::error_code ec);
  void on_connected();
  void forward();
  void account_bytes();
  // Answers the client in its protocol, then lingers (or closes at once if sending failed).
  void fail(egress_result result, socks5::reply_code reply, http_proxy::status status, std::string detail);
  bool send_to_client(std::string_view bytes);
  void linger();
  void finish(egress_result result, std::string detail);
  void log_connection();

  egress_worker& owner_;
  std::shared_ptr<server_settings> settings_ptr_;
  server_settings& settings_;
  net::endpoint peer_;
  side client_;
  side target_;
  net::tunnel tunnel_;
  std::string inbuf_;  // handshake bytes not consumed yet
  std::unique_ptr<http_proxy::request_head_parser> http_parser_;
  std::optional<http_proxy::request_head> http_request_;  // absolute form: rewritten at connect
  std::string user_;
  bool user_counted_ = false;
  destination target_request_;
  std::vector<net::endpoint> candidates_;  // allowed addresses of the destination, in order
  std::size_t candidate_ = 0;
  std::vector<std::string> denied_;  // why resolved addresses were refused, for the log
  std::string source_;  // the local address the tunnel left from ("" = kernel's choice)
  net::endpoint connected_to_;
  traffic_counters* user_stats_ = nullptr;
  traffic_counters* source_stats_ = nullptr;
  std::uint64_t accounted_up_ = 0;
  std::uint64_t accounted_down_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // resolver callbacks check it
  net::clock::time_point started_;
  net::clock::time_point last_activity_;
  std::chrono::system_clock::time_point started_wall_;
  egress_result result_ = egress_result::error;
  std::string detail_;
  phase phase_ = phase::detect;
  protocol protocol_ = protocol::unknown;
  bool tried_ipv6_ = false;
  bool deferred_ = false;
  bool tunnel_counted_ = false;
};

}  // namespace staticgate::egress

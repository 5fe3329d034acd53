// One proxied TCP connection: client socket <-> target socket.
//
// Life: pick a target and connect (with a timeout; a failure before any byte
// was forwarded tries another target, up to connect_retries), then forward both
// directions until both have seen EOF (half-close aware), an error, or the idle
// timeout. Runs entirely on its worker's thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "ingress/connection_log.hpp"
#include "net/endpoint.hpp"
#include "net/event_loop.hpp"
#include "net/tunnel.hpp"
#include "net/timer_heap.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

class worker;
class target_picker;
struct listener_shared;

class session final : public net::retirable, private net::timer {
 public:
  // The listener has already admitted the connection (listener_shared::try_admit).
  session(worker& owner, std::shared_ptr<listener_shared> listener, std::shared_ptr<target_picker> targets,
          net::unique_fd client,
          const net::endpoint& client_address);
  ~session() override;

  void start();
  // Closes both sockets now and logs the connection.
  void close(end_reason reason);

  // The target this connection is established to ("ip:port"), or null.
  const std::string* target_key() const;
  const std::string& group_name() const;
  std::chrono::milliseconds deregistration_delay() const;
  // Its target left the group: it ends by `deadline` at the latest (worker::close_drained_sessions).
  void drain_by(net::clock::time_point deadline) { drain_deadline_ = deadline; }
  bool draining() const { return drain_deadline_ != net::clock::time_point{}; }
  net::clock::time_point drain_deadline() const { return drain_deadline_; }

  // Intrusive list of the worker's sessions.
  session* prev = nullptr;
  session* next = nullptr;

 private:
  enum class phase : std::uint8_t { reading_proxy_header, connecting, forwarding, closed };

  // How long a client behind accept_proxy_protocol may take to send its header.
  static constexpr std::chrono::seconds proxy_header_timeout{5};

  struct side final : net::io_handler {
    session* owner = nullptr;
    net::socket_state state;
    net::unique_fd fd;
    void on_io(std::uint32_t events) override;
  };

  void on_client_io(std::uint32_t events);
  void on_target_io(std::uint32_t events);
  void on_timer() override;

  void read_proxy_header();
  void send_proxy_header();
  net::endpoint local_address() const;
  void connect_next();
  void connect_failed();
  void on_connected();
  void uncount();
  void end_descriptor_wait();
  void account_bytes();  // the balancer's on_close for the current attempt, once
  void forward();
  void log_connection(end_reason reason);

  static constexpr std::size_t max_attempts = 17;  // 1 + the largest connect_retries

  worker& owner_;
  std::shared_ptr<listener_shared> listener_ptr_;
  std::shared_ptr<target_picker> targets_ptr_;
  listener_shared& listener_;  // *listener_ptr_
  target_picker& targets_;     // *targets_ptr_
  net::endpoint client_address_;  // the peer, or the client a PROXY header named
  // The address the client reached, as a received PROXY header said; only then
  // (it costs 128 bytes, so idle connections without it don't pay).
  std::unique_ptr<net::endpoint> proxied_local_;
  side client_;
  side target_;
  net::tunnel tunnel_;
  net::clock::time_point last_activity_;
  net::clock::time_point started_;
  net::clock::time_point connect_started_;
  net::clock::time_point drain_deadline_{};
  std::uint64_t accounted_up_ = 0;    // bytes already added to the target's counters
  std::uint64_t accounted_down_ = 0;
  std::chrono::system_clock::time_point started_wall_;  // only with the connection log on
  std::array<std::uint16_t, max_attempts> tried_{};
  std::uint8_t attempts_ = 0;
  std::uint16_t resource_waits_ = 0;  // times we waited for a free descriptor
  phase phase_ = phase::connecting;
  bool connected_ = false;      // a connect to tried_[attempts_-1] succeeded
  bool counted_ = false;
  bool waiting_for_descriptor_ = false;  // counted in worker::descriptor_wait_begins   // the balancer counts a connection to tried_[attempts_-1]
  bool deferred_ = false;  // queued with event_loop::defer: retire only after it ran
};

}  // namespace staticgate::ingress

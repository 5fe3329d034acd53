// One health probe, once: connect (TCP check), or connect, send an HTTP request
// and judge the status line (HTTP check), within a timeout. Knows nothing of
// intervals or thresholds — group_checker owns those (Envoy's split).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ingress/health/health_state.hpp"
#include "ingress/health/http_probe_codec.hpp"
#include "net/endpoint.hpp"
#include "net/event_loop.hpp"
#include "net/pump.hpp"
#include "net/timer_heap.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::health {

struct probe_spec {
  net::endpoint address;
  // Sent right after connecting: a PROXY protocol header (v2 LOCAL) and/or the
  // HTTP request. Empty for a plain TCP check.
  std::string send;
  // Set for an HTTP check: the response's status line decides.
  const status_ranges* accepted = nullptr;
  std::chrono::milliseconds timeout{};
};

class probe final : private net::io_handler, private net::timer {
 public:
  // nullopt: the probe passed.
  using done_fn = std::function<void(std::optional<probe_failure>)>;

  explicit probe(net::event_loop& loop) : loop_(loop) {}
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;
  ~probe() override = default;

  // Starts a probe; `done` runs exactly once, on the loop thread, never from
  // inside start(). A probe already running is abandoned first.
  void start(const probe_spec& spec, done_fn done);
  bool running() const { return running_; }

 private:
  void on_io(std::uint32_t events) override;
  void on_timer() override;
  void advance();
  bool send_pending();
  bool read_response();
  void finish(std::optional<probe_failure> result);

  net::event_loop& loop_;
  net::unique_fd fd_;
  net::socket_state state_;
  std::string out_;
  std::size_t sent_ = 0;
  std::optional<http_status_parser> parser_;
  done_fn done_;
  bool connected_ = false;
  bool running_ = false;
};

}  // namespace staticgate::health

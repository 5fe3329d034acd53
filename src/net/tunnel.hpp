// Both directions of a proxied TCP connection once it is established: two pumps and the rules
// for how it ends. Shared by the ingress session (client -> target group) and the egress session
// (client -> a destination it asked for), so both forward, half-close, yield and propagate resets
// the same way.
//
//  - Both directions finished (EOF forwarded as shutdown(SHUT_WR)): closed, by whichever side
//    ended its direction first.
//  - A reset (ECONNRESET/EPIPE) on one side becomes a reset on the other (SO_LINGER 0 on both
//    sockets), as a layer-4 balancer should; other socket errors end it as `error`.
//  - A pump that used its turn budget yields: the caller schedules another turn soon.
#pragma once

#include <cstdint>

#include "net/pump.hpp"

namespace staticgate::net {

class tunnel {
 public:
  enum class outcome : std::uint8_t {
    running,        // waiting for readiness
    yielded,        // more to move: run forward() again in a later turn
    client_closed,  // both directions done, the client's ended first
    target_closed,  // both directions done, the target's ended first
    client_reset,
    target_reset,
    error,
  };

  // Bytes to send to the target before anything read from the client (a PROXY protocol
  // header, a rewritten HTTP request head, bytes read during a handshake). Before forward().
  void prepend_upstream(const void* data, std::size_t size) { upstream_.prepend(data, size); }

  // Moves what it can both ways; client.fd and target.fd are the sockets.
  outcome forward(socket_state& client, socket_state& target, forward_context& ctx);

  std::uint64_t bytes_from_client() const { return upstream_.bytes(); }
  std::uint64_t bytes_from_target() const { return downstream_.bytes(); }

 private:
  outcome abort(const pump& failed, bool upstream, socket_state& client, socket_state& target);

  pump upstream_;    // client -> target
  pump downstream_;  // target -> client
  std::uint8_t first_fin_ = 0;  // 1: the client ended its direction first, 2: the target
};

}  // namespace staticgate::net

#include "net/tunnel.hpp"

#include <cerrno>

#include "net/socket.hpp"

namespace staticgate::net {

tunnel::outcome tunnel::forward(socket_state& client, socket_state& target, forward_context& ctx) {
  auto up = upstream_.run(client, target, ctx, downstream_.finished());
  if (up == pump::status::failed) return abort(upstream_, true, client, target);
  auto down = downstream_.run(target, client, ctx, upstream_.finished());
  if (down == pump::status::failed) return abort(downstream_, false, client, target);
  if (first_fin_ == 0) first_fin_ = upstream_.finished() ? 1 : downstream_.finished() ? 2 : 0;
  if (upstream_.finished() && downstream_.finished())
    return first_fin_ == 2 ? outcome::target_closed : outcome::client_closed;
  if (up == pump::status::yielded || down == pump::status::yielded) return outcome::yielded;
  return outcome::running;
}

tunnel::outcome tunnel::abort(const pump& failed, bool upstream, socket_state& client, socket_state& target) {
  // upstream reads the client and writes the target; downstream the reverse.
  const bool client_side = failed.failed_reading() == upstream;
  const int err = failed.last_errno();
  const bool reset = err == ECONNRESET || err == EPIPE;
  if (!reset) return outcome::error;
  if (client.fd >= 0) set_linger_reset(client.fd);
  if (target.fd >= 0) set_linger_reset(target.fd);
  return client_side ? outcome::client_reset : outcome::target_reset;
}

}  // namespace staticgate::net

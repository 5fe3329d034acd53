// Whether an address belongs to this host, so a listener that could never bind
// is reported when the configuration is loaded rather than at start-up.
#pragma once

#include <functional>

#include "net/endpoint.hpp"

namespace staticgate::config {

// Injected into the loader so tests do not depend on the host's interfaces.
// An empty function skips the check (e.g. to validate a config meant for
// another host).
using local_address_check = std::function<bool(const net::endpoint&)>;

// Asks the kernel: bind()s a socket of the address's family to the address
// with port 0, then closes it. Only a definite "not here" (EADDRNOTAVAIL, or
// no kernel support for the family) answers false; any other failure (EMFILE,
// ...) answers true so that the real bind later reports the real error instead
// of a misleading one. 0.0.0.0 and :: are always local.
// Note: with net.ipv4.ip_nonlocal_bind=1 or IP_FREEBIND the kernel accepts any
// address, and so does this check.
bool is_local_address(const net::endpoint& address);

}  // namespace staticgate::config

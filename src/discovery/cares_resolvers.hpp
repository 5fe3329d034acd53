// The production resolver_factory: a cares_resolver on `loop` per server set.
#pragma once

#include "discovery/controller.hpp"
#include "net/event_loop.hpp"

namespace staticgate::discovery {

resolver_factory cares_resolver_factory(net::event_loop& loop);

}  // namespace staticgate::discovery

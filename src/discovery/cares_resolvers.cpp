#include "discovery/cares_resolvers.hpp"

#include "dns/cares_resolver.hpp"

namespace staticgate::discovery {

resolver_factory cares_resolver_factory(net::event_loop& loop) {
  return [&loop](const config::dns_discovery& d) -> std::unique_ptr<dns::resolver> {
    dns::cares_resolver_options options;
    options.servers = d.name_servers;
    options.timeout = d.query_timeout;
    options.tries = static_cast<int>(d.query_tries);
    return std::make_unique<dns::cares_resolver>(loop, options);
  };
}

}  // namespace staticgate::discovery

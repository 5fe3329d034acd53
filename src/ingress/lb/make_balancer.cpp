// The one place that maps an algorithm_kind to its implementation. A switch
// rather than a registry: the set of algorithms is fixed at compile time.
#include <stdexcept>

#include "ingress/lb/balancer.hpp"
#include "ingress/lb/least_connections.hpp"
#include "ingress/lb/maglev.hpp"
#include "ingress/lb/round_robin.hpp"

namespace staticgate::lb {

std::unique_ptr<balancer> make_balancer(const balancer_options& options,
                                        std::span<const std::uint32_t> weights,
                                        std::span<const std::string> target_keys) {
  if (!target_keys.empty() && target_keys.size() != weights.size()) {
    throw std::invalid_argument("make_balancer: need exactly one key per target weight");
  }
  switch (options.kind) {
    case algorithm_kind::round_robin:
      return std::make_unique<round_robin>(weights);
    case algorithm_kind::least_connections:
      return std::make_unique<least_connections>(weights);
    case algorithm_kind::maglev:
      if (options.maglev_shared) return std::make_unique<maglev>(options.maglev_shared);
      return std::make_unique<maglev>(target_keys, weights, options.maglev_table_size);
  }
  throw std::invalid_argument("make_balancer: unknown algorithm");
}

}  // namespace staticgate::lb

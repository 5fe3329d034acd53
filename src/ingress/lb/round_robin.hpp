// Smooth weighted round robin, as in nginx (ngx_http_upstream_round_robin.c).
//
// Every pick adds each available target's weight to its running "current"
// value, chooses the largest, and subtracts the sum of the weights that took
// part from the winner. Over a cycle of sum(weights) picks each target is
// chosen exactly weight times, and the picks are interleaved (5,1,1 gives
// a a b a c a a) instead of arriving in bursts, so a heavy target never
// receives weight connections back to back.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {

class round_robin final : public balancer {
 public:
  // weights[i] >= 1; throws std::invalid_argument on 0. Zero targets is
  // allowed (every pick returns nullopt).
  explicit round_robin(std::span<const std::uint32_t> weights);

  // O(n), no allocation. Unavailable targets neither gain nor lose "current",
  // which is nginx's behaviour: when a target comes back it resumes where it
  // was instead of receiving a burst to catch up.
  std::optional<std::size_t> pick(std::uint64_t client_key,
                                  const std::vector<bool>& available) override;

 private:
  const std::vector<std::int64_t> weights_;
  std::vector<std::int64_t> current_;
};

}  // namespace staticgate::lb

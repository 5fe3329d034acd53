// Weighted least connections: the target whose load per unit of weight would
// be lowest after taking this connection, i.e. the smallest
// (active + 1) / weight. Counting the new connection (the "+1", as HAProxy's
// fwlc does) is what makes weights matter when the group is idle: with
// active / weight every idle target ties at 0, so a weight-1 and a weight-10
// target would split new connections evenly until load builds up.
//
// Ties go to the first candidate after the previously picked target, so equal
// targets take turns rather than the lowest index always winning.
//
// The counts are this worker's only (the balancer is per worker), which still
// balances globally when the listener spreads connections across workers.
// A pick is only counted once on_connection_open() is called; callers should
// call it as soon as the target is chosen (and on_connection_close() if the
// connect then fails), or a burst of picks made while connects are in flight
// all see the same counts and land on the same target.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {

class least_connections final : public balancer {
 public:
  // weights[i] >= 1; throws std::invalid_argument on 0.
  explicit least_connections(std::span<const std::uint32_t> weights);

  // O(n), no allocation, no division: candidates are compared by
  // cross-multiplying, (a_i + 1) * w_j < (a_j + 1) * w_i.
  std::optional<std::size_t> pick(std::uint64_t client_key,
                                  const std::vector<bool>& available) override;

  void on_connection_open(std::size_t target) override;
  // A close without a matching open is ignored rather than wrapping the count.
  void on_connection_close(std::size_t target) override;

  std::uint64_t active(std::size_t target) const { return active_.at(target); }

 private:
  const std::vector<std::uint64_t> weights_;
  std::vector<std::uint64_t> active_;
  std::size_t start_ = 0;  // where the next scan begins: one past the last pick
};

}  // namespace staticgate::lb

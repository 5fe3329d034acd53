#include "ingress/lb/least_connections.hpp"

#include <stdexcept>

namespace staticgate::lb {
namespace {

std::vector<std::uint64_t> checked_weights(std::span<const std::uint32_t> weights) {
  std::vector<std::uint64_t> out;
  out.reserve(weights.size());
  for (const std::uint32_t w : weights) {
    if (w == 0) throw std::invalid_argument("least_connections: target weight must be >= 1");
    out.push_back(w);
  }
  return out;
}

}  // namespace

least_connections::least_connections(std::span<const std::uint32_t> weights)
    : weights_(checked_weights(weights)), active_(weights_.size(), 0) {}

std::optional<std::size_t> least_connections::pick(std::uint64_t /*client_key*/,
                                                   const std::vector<bool>& available) {
  const std::size_t n = active_.size();
  std::optional<std::size_t> best;
  // Products stay far below 2^64: weights are < 2^32 and a worker never holds
  // anywhere near 2^32 connections.
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t i = start_ + k;
    if (i >= n) i -= n;
    if (i >= available.size() || !available[i]) continue;
    if (!best || (active_[i] + 1) * weights_[*best] < (active_[*best] + 1) * weights_[i]) best = i;
  }
  if (best) start_ = *best + 1 == n ? 0 : *best + 1;
  return best;
}

void least_connections::on_connection_open(std::size_t target) {
  if (target < active_.size()) ++active_[target];
}

void least_connections::on_connection_close(std::size_t target) {
  if (target < active_.size() && active_[target] > 0) --active_[target];
}

}  // namespace staticgate::lb

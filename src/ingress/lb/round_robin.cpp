#include "ingress/lb/round_robin.hpp"

#include <algorithm>
#include <stdexcept>

namespace staticgate::lb {
namespace {

std::vector<std::int64_t> checked_weights(std::span<const std::uint32_t> weights) {
  std::vector<std::int64_t> out;
  out.reserve(weights.size());
  for (const std::uint32_t w : weights) {
    if (w == 0) throw std::invalid_argument("round_robin: target weight must be >= 1");
    out.push_back(w);
  }
  return out;
}

}  // namespace

round_robin::round_robin(std::span<const std::uint32_t> weights)
    : weights_(checked_weights(weights)), current_(weights_.size(), 0) {}

std::optional<std::size_t> round_robin::pick(std::uint64_t /*client_key*/,
                                             const std::vector<bool>& available) {
  // A shorter `available` than the target list means "not available" for the
  // missing tail rather than reading past the end.
  const std::size_t n = std::min(current_.size(), available.size());
  std::int64_t total = 0;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < n; ++i) {
    if (!available[i]) continue;
    current_[i] += weights_[i];
    total += weights_[i];
    // Strict '>' keeps the lowest index on ties, which makes the order
    // deterministic (and tests exact).
    if (!best || current_[i] > current_[*best]) best = i;
  }
  if (best) current_[*best] -= total;
  return best;
}

}  // namespace staticgate::lb

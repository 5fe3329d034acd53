#include "ingress/lb/maglev.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace staticgate::lb {
namespace {

// Like the hashes, these constants are shared by every staticgate node and
// release; changing one reshuffles all clients.
constexpr std::uint64_t offset_seed = 0x5f3759df6d61676cULL;
constexpr std::uint64_t skip_seed = 0xa0761d6478bd642fULL;
// Lookups tried after the primary slot hits an unavailable target. With a
// fraction f of the slots unavailable, all of them miss with probability
// f^16: about 1e-5 even with half the targets down.
constexpr int rehash_attempts = 16;

constexpr std::uint32_t unfilled = std::numeric_limits<std::uint32_t>::max();

}  // namespace

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (std::uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

maglev_table::maglev_table(std::span<const std::string> keys,
                           std::span<const std::uint32_t> weights, std::uint32_t size)
    : size_(size) {
  const std::size_t n = keys.size();
  if (weights.size() != n) {
    throw std::invalid_argument("maglev: need exactly one key per target weight");
  }
  if (!is_prime(size) || size <= n) {
    throw std::invalid_argument("maglev: table size must be a prime larger than the target count");
  }
  if (std::find(weights.begin(), weights.end(), 0U) != weights.end()) {
    throw std::invalid_argument("maglev: target weight must be >= 1");
  }

  // Targets take turns in key order so the table does not depend on the
  // order of the target group. std::string's < compares bytes as unsigned
  // char on every platform.
  by_key_.resize(n);
  std::iota(by_key_.begin(), by_key_.end(), 0U);
  std::sort(by_key_.begin(), by_key_.end(),
            [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
  for (std::size_t r = 1; r < n; ++r) {
    if (keys[by_key_[r - 1]] == keys[by_key_[r]]) {
      throw std::invalid_argument("maglev: duplicate target key '" + keys[by_key_[r]] + "'");
    }
  }
  if (n == 0) return;

  // Per target (in key order): the next slot of its permutation, its skip,
  // its weight credit.
  struct walker {
    std::uint64_t next;
    std::uint64_t skip;
    std::uint64_t weight;
    std::uint64_t credit;
  };
  std::vector<walker> walkers;
  walkers.reserve(n);
  std::uint64_t max_weight = 0;
  for (const std::uint32_t t : by_key_) {
    const std::uint64_t h = maglev_hash::fnv1a64(keys[t]);
    walkers.push_back(walker{
        .next = maglev_hash::splitmix64(h ^ offset_seed) % size,
        // In [1, M-1]: with M prime, every such skip visits all M slots.
        .skip = maglev_hash::splitmix64(h ^ skip_seed) % (size - 1) + 1,
        .weight = weights[t],
        .credit = 0,
    });
    max_weight = std::max<std::uint64_t>(max_weight, weights[t]);
  }

  // Every round the heaviest target claims a slot, so this terminates after
  // at most M rounds; the probing costs O(M log M) in expectation, as in the
  // paper. Stepping next += skip (mod M) avoids a multiply and a modulo per
  // probe; 64-bit arithmetic keeps next + skip < 2M from overflowing.
  slots_.assign(size, unfilled);
  std::uint32_t filled = 0;
  for (;;) {
    for (std::size_t r = 0; r < n; ++r) {
      walker& w = walkers[r];
      w.credit += w.weight;
      if (w.credit < max_weight) continue;
      w.credit -= max_weight;
      while (slots_[w.next] != unfilled) {
        w.next += w.skip;
        if (w.next >= size) w.next -= size;
      }
      slots_[w.next] = by_key_[r];
      w.next += w.skip;
      if (w.next >= size) w.next -= size;
      if (++filled == size) return;
    }
  }
}

maglev::maglev(std::span<const std::string> keys, std::span<const std::uint32_t> weights,
               std::uint32_t table_size)
    : table_(std::make_shared<const maglev_table>(keys, weights, table_size)) {}

maglev::maglev(std::shared_ptr<const maglev_table> table) : table_(std::move(table)) {
  if (!table_) throw std::invalid_argument("maglev: null table");
}

std::optional<std::size_t> maglev::pick(std::uint64_t client_key,
                                        const std::vector<bool>& available) {
  const std::span<const std::uint32_t> slots = table_->slots();
  if (slots.empty()) return std::nullopt;
  const auto usable = [&](std::uint32_t t) { return t < available.size() && available[t]; };

  // Mixed first: client keys are FNV-1a of the address bytes (endpoint::address_hash), not
  // the well-mixed hash the modulo below assumes; neighbouring addresses then spread as
  // evenly as random ones.
  std::uint64_t h = maglev_hash::splitmix64(client_key);
  std::uint32_t t = slots[h % slots.size()];
  if (usable(t)) return t;
  for (int attempt = 0; attempt < rehash_attempts; ++attempt) {
    h = maglev_hash::splitmix64(h);
    t = slots[h % slots.size()];
    if (usable(t)) return t;
  }

  // Last resort, O(n): so many targets are down that 17 lookups all missed.
  const std::span<const std::uint32_t> order = table_->by_key();
  const std::size_t start = maglev_hash::splitmix64(h) % order.size();
  for (std::size_t k = 0; k < order.size(); ++k) {
    std::size_t r = start + k;
    if (r >= order.size()) r -= order.size();
    if (usable(order[r])) return order[r];
  }
  return std::nullopt;
}

}  // namespace staticgate::lb

// Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
// Software Network Load Balancer", NSDI 2016), with Katran's weighting.
//
// A lookup table of prime size M maps client_key % M to a target. Each target
// walks its own permutation of the slots, (offset + j * skip) % M, where
// offset and skip come from two different hashes of the target's key; the
// targets take turns claiming their next free slot until the table is full.
// Because a target's permutation depends only on its own key, adding or
// removing a target moves little more than that target's share of clients,
// and nodes that list the same targets in a different order build the same
// table (targets take turns in key order, not index order).
//
// Weights follow Katran's MaglevHashV2: per round every target adds its
// weight to a running credit and claims a slot each time the credit reaches
// the largest weight, so a target of weight w gets ~w / sum(w) of the slots.
//
// The table is immutable once built and can be shared by every worker
// through maglev_table; pick() only reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingress/lb/balancer.hpp"

namespace staticgate::lb {

// The hashes are part of the contract between staticgate nodes (and between
// releases): changing them, or the seeds in maglev.cpp, reshuffles every
// client. They are written out here rather than taken from std::hash, whose
// results differ between standard libraries and builds.
namespace maglev_hash {

// FNV-1a, 64-bit.
constexpr std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The splitmix64 output function (Steele, Lea, Flood 2014): a cheap, strong
// 64-bit mixer. FNV-1a's low output bits depend only on the low bits of the
// input bytes (a product's low bits come from its factors' low bits), and
// keys such as "10.0.0.1:80" / "10.0.0.2:80" differ in little else, so every
// hash used for placement is finished with this.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace maglev_hash

// True when n is prime (trial division; config time only).
bool is_prime(std::uint32_t n);

class maglev_table {
 public:
  static constexpr std::uint32_t default_size = 65537;

  // keys[i] and weights[i] describe target i. Throws std::invalid_argument
  // unless size is prime and > keys.size(), keys and weights have the same
  // length, every weight is >= 1 and the keys are distinct (two equal keys
  // would walk the same permutation, and their order would decide the
  // table). Zero targets gives an empty table. O(M log M) expected.
  maglev_table(std::span<const std::string> keys, std::span<const std::uint32_t> weights,
               std::uint32_t size = default_size);

  // slots()[s] is the target index owning slot s: size() entries, or none
  // when there are no targets.
  std::span<const std::uint32_t> slots() const noexcept { return slots_; }
  std::uint32_t size() const noexcept { return size_; }
  std::size_t target_count() const noexcept { return by_key_.size(); }
  // Target indices sorted by key: the order of the last-resort scan.
  std::span<const std::uint32_t> by_key() const noexcept { return by_key_; }

 private:
  std::uint32_t size_;
  std::vector<std::uint32_t> by_key_;
  std::vector<std::uint32_t> slots_;
};

class maglev final : public balancer {
 public:
  // Builds its own table; see maglev_table for what is accepted.
  maglev(std::span<const std::string> keys, std::span<const std::uint32_t> weights,
         std::uint32_t table_size = maglev_table::default_size);
  // Shares a table built once (e.g. by the main thread) among workers.
  explicit maglev(std::shared_ptr<const maglev_table> table);

  // table[client_key % M]. If that target is unavailable, the key is
  // re-hashed (bounded number of times) and looked up again, which keeps the
  // weights and moves only the clients of unavailable targets; if all those
  // lookups hit unavailable targets, the first available target in key order
  // from a hashed start. Every step depends only on the key, the table and
  // `available`, so nodes that agree on those agree on the answer.
  // No allocation; one table read in the common case.
  std::optional<std::size_t> pick(std::uint64_t client_key,
                                  const std::vector<bool>& available) override;

  const maglev_table& table() const noexcept { return *table_; }

 private:
  std::shared_ptr<const maglev_table> table_;
};

}  // namespace staticgate::lb

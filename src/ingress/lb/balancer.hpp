// The one narrow interface every load-balancing algorithm implements.
//
// A balancer is owned by one worker thread and is never shared, so it needs no
// locks; per-worker state (round-robin position, connection counts) is fine
// because the workers together still spread load evenly. Targets are indexed
// 0..n-1 in the order of the target group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace staticgate::lb {

enum class algorithm_kind { round_robin, least_connections, maglev };

class maglev_table;

struct balancer_options {
  algorithm_kind kind = algorithm_kind::round_robin;
  std::uint32_t maglev_table_size = 65537;
  // Built once per target group and shared by every worker's maglev balancer
  // (65537 slots are 256 KiB); when null, make_balancer builds its own.
  std::shared_ptr<const maglev_table> maglev_shared = nullptr;
};

class balancer {
 public:
  virtual ~balancer() = default;

  // Chooses a target among those with available[i] == true (not yet tried for
  // this connection, and later: healthy). client_key is a stable hash of the
  // client address; only hashing algorithms look at it. nullopt when no
  // target is available.
  virtual std::optional<std::size_t> pick(std::uint64_t client_key,
                                          const std::vector<bool>& available) = 0;

  // A connection to target i was established / has ended.
  virtual void on_connection_open(std::size_t /*target*/) {}
  virtual void on_connection_close(std::size_t /*target*/) {}
};

// weights[i] is target i's weight (>= 1). target_keys[i] is target i's stable
// identity, e.g. net::endpoint::to_string() ("10.0.0.1:80"). Maglev builds its
// table from the keys, not from the indices, so nodes that list the same
// targets in a different order still send a client to the same target; the
// other algorithms ignore the keys and accept an empty span. (There is no
// overload without keys on purpose: index-derived keys would silently make
// Maglev order-dependent.) Throws std::invalid_argument on a weight of 0, a
// key count that differs from the weight count, duplicate keys (maglev), or a
// maglev table size that is not a prime larger than the target count.
// Config time only: building a maglev table takes a few milliseconds.
std::unique_ptr<balancer> make_balancer(const balancer_options& options,
                                        std::span<const std::uint32_t> weights,
                                        std::span<const std::string> target_keys);

}  // namespace staticgate::lb

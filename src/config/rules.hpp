// The limits configuration values must respect, in one place so the loader,
// its error messages and the documentation agree.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace staticgate::config::rules {

inline constexpr std::int64_t max_workers = 1024;
inline constexpr std::int64_t max_connections = 10'000'000;
inline constexpr std::int64_t max_backlog = 65535;
inline constexpr std::int64_t max_connect_retries = 16;
inline constexpr std::int64_t max_weight = 256;
// Maglev builds a table of this many slots per group per worker; a million
// is far more than needed for even distribution and bounds the memory used.
inline constexpr std::int64_t max_maglev_table_size = 1'000'003;
inline constexpr std::size_t max_name_length = 64;

// [target_group.health_check]. The interval and jitter bounds are the ones
// health::validate(schedule_options) enforces; they are checked here too so the
// error points at the key at fault.
inline constexpr std::chrono::milliseconds max_health_interval = std::chrono::hours(24);
inline constexpr double max_health_jitter = 0.5;
inline constexpr std::int64_t max_health_threshold = 100;
inline constexpr std::int64_t max_passive_failures = 1000;

// [target_group.discovery.dns].
inline constexpr std::int64_t max_discovery_lookups = 10'000;
inline constexpr std::int64_t max_parallel_lookups = 64;
inline constexpr std::int64_t max_answer_size = 64;
inline constexpr std::int64_t max_query_tries = 10;
inline constexpr std::int64_t max_misses_before_deregistration = 1000;
inline constexpr std::chrono::milliseconds max_query_timeout = std::chrono::seconds(60);
inline constexpr std::chrono::milliseconds max_discovery_interval = std::chrono::hours(24);
inline constexpr double max_discovery_jitter = 0.5;

// A DNS name as a query asks it: labels of 1-63 letters, digits, '-' or '_' joined by dots, at
// most 253 characters, one trailing dot allowed.
bool is_valid_dns_name(std::string_view name);

// Listener and target group names: [A-Za-z0-9_.-]{1,64}. Narrow on purpose,
// because names appear in metric labels, log lines and admin API paths.
bool is_valid_name(std::string_view name);

bool is_prime(std::uint64_t n);
// The smallest prime greater than n, to suggest a fix in error messages.
std::uint64_t next_prime(std::uint64_t n);

}  // namespace staticgate::config::rules

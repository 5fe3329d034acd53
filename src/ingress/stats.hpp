// Statistics of the data plane, declared in one place (Envoy's habit).
//
// Every counter has exactly one writer, its worker thread, so an increment is a
// relaxed load and store (a plain add on x86, no locked instruction); the admin
// thread reads with relaxed loads and sums the workers. Reads may be a few
// increments behind, never torn.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace staticgate::ingress {

class counter {
 public:
  void add(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Up and down, still from one thread.
class gauge {
 public:
  void inc() { value_.store(value_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void dec() { value_.store(value_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed); }
  std::int64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Fixed buckets in microseconds; Prometheus-style cumulative on export.
template <std::size_t N>
class histogram {
 public:
  explicit constexpr histogram(const std::array<std::uint64_t, N>& upper_bounds_us) : bounds_(upper_bounds_us) {}
  void observe(std::chrono::microseconds value) {
    auto v = static_cast<std::uint64_t>(value.count() < 0 ? 0 : value.count());
    std::size_t i = 0;
    while (i < N && v > bounds_[i]) ++i;
    buckets_[i].add();  // i == N: the +Inf bucket
    sum_us_.add(v);
  }
  const std::array<std::uint64_t, N>& bounds() const { return bounds_; }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].get(); }  // 0..N (N = +Inf), not cumulative
  std::uint64_t sum_us() const { return sum_us_.get(); }

 private:
  std::array<std::uint64_t, N> bounds_;
  std::array<counter, N + 1> buckets_{};
  counter sum_us_;
};

inline constexpr std::array<std::uint64_t, 12> connect_time_buckets_us{
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
inline constexpr std::array<std::uint64_t, 12> duration_buckets_us{
    1000, 10000, 100000, 1000000, 5000000, 10000000, 30000000, 60000000, 300000000, 900000000, 3600000000,
    14400000000};

struct target_stats {
  gauge active;
  counter connections;       // established
  counter connect_failures;  // attempts that failed (refused, timeout, ...)
  counter bytes_from_client;
  counter bytes_from_target;
  histogram<12> connect_time{connect_time_buckets_us};
  histogram<12> duration{duration_buckets_us};  // established connections, until closed
};

struct listener_stats {
  counter accepted;
  counter rejected;  // over max_connections
  counter proxy_header_errors;
};

}  // namespace staticgate::ingress

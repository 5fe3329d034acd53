// When to probe: the interval with jitter, the timeout, and the spread of the
// first probes. Pure: the caller passes the current time in and gets times
// back, and randomness comes from an injected source, so tests pin every value
// without sleeping. One schedule serves a whole target group; the per-target
// "next probe at" lives with the caller's timers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace staticgate::health {

using clock = std::chrono::steady_clock;

// Returns a double in [0, 1). Values outside are clamped, so a careless source
// can bend the distribution but never the bounds.
using random_source = std::function<double()>;

// splitmix64, seeded by the caller (e.g. from std::random_device, or a constant
// in tests). Ours rather than std::uniform_real_distribution because that one
// may return exactly 1.0 with libstdc++ (LWG 2524), and because the sequence
// must be the same on every platform for a given seed.
class unit_random {
 public:
  explicit unit_random(std::uint64_t seed) : state_(seed) {}
  double operator()();

 private:
  std::uint64_t state_;
};

struct schedule_options {
  // 10 s with thresholds of 3: a dead target is out within about 30 s even
  // without passive detection, for one small packet exchange per target per
  // 10 s (NLB's fast setting).
  std::chrono::milliseconds interval{std::chrono::seconds(10)};
  // Half the interval: long enough for a busy target to answer, and the probe
  // is over well before the next one starts.
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  // Each interval is interval * (1 +- jitter), uniformly, so probes from many
  // balancer nodes (or many groups on one node) that once lined up drift
  // apart instead of arriving at the target together forever.
  double jitter = 0.1;  // 0 .. 0.5
};

// Error text for options that cannot be scheduled, or nullopt. Requires
// 0 < interval <= 24 h, 0 <= jitter <= 0.5, and 0 < timeout < the shortest
// jittered interval, so a probe has always ended (passed, failed or timed out)
// before the next probe of the same target starts: never two in flight.
std::optional<std::string> validate(const schedule_options& options);

class check_schedule {
 public:
  // Throws std::invalid_argument when validate(options) reports a problem, or
  // when random is empty (config time only).
  check_schedule(const schedule_options& options, random_source random);

  // When target `index` of `count` is probed first, spread over
  // [now, now + interval): target i falls at a random point of the i-th of
  // `count` equal slots, so N targets are never probed at the same instant
  // and the gaps stay even however the random values fall. A target added
  // later can use (now, 0, 1): a random point of the next interval.
  // Throws std::invalid_argument unless index < count.
  clock::time_point first_probe(clock::time_point now, std::size_t index, std::size_t count);

  // When the probe after the one that started at `started` is due: started
  // plus a jittered interval. Measured from the start, not the end, so a
  // target's checks keep their cadence whatever the target's response time
  // (validate() guarantees the previous probe is over by then).
  clock::time_point next_probe(clock::time_point started) { return started + jittered_interval(); }

  // When a probe started at `started` has failed for want of an answer.
  clock::time_point deadline(clock::time_point started) const { return started + timeout_; }

  // A fresh interval within [shortest(), longest()].
  clock::duration jittered_interval();

  clock::duration shortest() const { return shortest_; }
  clock::duration longest() const { return longest_; }
  const schedule_options& options() const { return options_; }

 private:
  double unit();  // the random source, clamped to [0, 1]

  const schedule_options options_;
  const clock::duration timeout_;
  const clock::duration shortest_;  // interval * (1 - jitter), rounded up
  const clock::duration longest_;   // interval * (1 + jitter), rounded down
  random_source random_;
};

}  // namespace staticgate::health

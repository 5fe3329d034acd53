#include "ingress/health/check_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace staticgate::health {
namespace {

using nanos = std::chrono::nanoseconds;

constexpr auto max_interval = std::chrono::hours(24);

// Exact in a double: 24 h is 8.64e13 ns, far below 2^53.
double to_ns(std::chrono::milliseconds d) { return static_cast<double>(nanos(d).count()); }

clock::duration from_ns(double ns) {
  return std::chrono::duration_cast<clock::duration>(nanos(static_cast<nanos::rep>(ns)));
}

clock::duration shortest_of(const schedule_options& o) {
  return from_ns(std::ceil(to_ns(o.interval) * (1.0 - o.jitter)));
}

clock::duration longest_of(const schedule_options& o) {
  return from_ns(std::floor(to_ns(o.interval) * (1.0 + o.jitter)));
}

std::string ms_text(clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

const schedule_options& checked(const schedule_options& options) {
  if (auto error = validate(options)) throw std::invalid_argument("check_schedule: " + *error);
  return options;
}

}  // namespace

double unit_random::operator()() {
  // splitmix64 (Steele, Lea, Flood 2014), as used to seed xoshiro.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  // The top 53 bits give every double k / 2^53, k < 2^53: [0, 1) exactly.
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::optional<std::string> validate(const schedule_options& options) {
  if (options.interval <= std::chrono::milliseconds::zero()) return "interval must be positive";
  if (options.interval > max_interval) return "interval must be at most 24h";
  // Written so that NaN fails too.
  if (!(options.jitter >= 0.0 && options.jitter <= 0.5)) return "jitter must be between 0 and 0.5";
  if (options.timeout <= std::chrono::milliseconds::zero()) return "timeout must be positive";
  const auto shortest = shortest_of(options);
  if (options.timeout >= shortest) {
    if (options.jitter == 0.0) return "timeout (" + ms_text(options.timeout) + ") must be shorter than interval (" +
                                      ms_text(options.interval) + ")";
    return "timeout (" + ms_text(options.timeout) + ") must be shorter than the shortest jittered interval (" +
           ms_text(shortest) + " = interval * (1 - jitter)), so that a probe has ended before the next one starts";
  }
  return std::nullopt;
}

check_schedule::check_schedule(const schedule_options& options, random_source random)
    : options_(checked(options)),
      timeout_(options.timeout),
      shortest_(shortest_of(options)),
      longest_(longest_of(options)),
      random_(std::move(random)) {
  if (!random_) throw std::invalid_argument("check_schedule: no random source");
}

double check_schedule::unit() {
  const double u = random_();
  // Comparisons written so that NaN lands on 0.
  if (!(u > 0.0)) return 0.0;
  return u < 1.0 ? u : 1.0;
}

clock::time_point check_schedule::first_probe(clock::time_point now, std::size_t index, std::size_t count) {
  if (index >= count) throw std::invalid_argument("check_schedule::first_probe: index must be < count");
  // Slot i is [I*i/count, I*(i+1)/count) in integer nanoseconds, computed as
  // q*i + r*i/count so nothing overflows (r*i < count^2 fits for any count
  // below 2^32, far more targets than a group can have).
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("check_schedule::first_probe: too many targets");
  const auto interval = static_cast<std::uint64_t>(nanos(options_.interval).count());
  const std::uint64_t q = interval / count;
  const std::uint64_t r = interval % count;
  const auto slot_start = [&](std::uint64_t i) { return q * i + r * i / count; };
  const std::uint64_t begin = slot_start(index);
  const std::uint64_t width = slot_start(index + 1) - begin;
  std::uint64_t offset = 0;
  if (width > 0) {
    // unit() may be exactly 1, and u * width may round up to width: either
    // would put the probe in the next target's slot.
    offset = std::min(static_cast<std::uint64_t>(unit() * static_cast<double>(width)), width - 1);
  }
  return now + std::chrono::duration_cast<clock::duration>(nanos(static_cast<nanos::rep>(begin + offset)));
}

clock::duration check_schedule::jittered_interval() {
  const double factor = 1.0 + options_.jitter * (2.0 * unit() - 1.0);
  const auto d = from_ns(std::round(to_ns(options_.interval) * factor));
  // Rounding must not step outside the bounds validate() checked the timeout against.
  return std::clamp(d, shortest_, longest_);
}

}  // namespace staticgate::health

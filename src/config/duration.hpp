// Durations as written in the configuration: "500ms", "30s", "5m", "1h", "1m30s".
#pragma once

#include <optional>
#include <string_view>

#include "config/model.hpp"

namespace staticgate::config {

// Accepts one or more <digits><unit> parts with unit h, m, s or ms, each unit
// at most once and from largest to smallest ("1h2m3s4ms"), so that a typo
// like "1m1m" or "30s1m" is reported rather than silently summed.
// Rejects "", a bare number ("10": seconds or milliseconds?), signs, spaces,
// fractions, unknown units, and totals that do not fit in
// std::chrono::nanoseconds (so later conversions to clock durations are safe).
// Zero ("0s") is accepted here; whether zero makes sense is up to the caller.
std::optional<duration> parse_duration(std::string_view text);

}  // namespace staticgate::config

// The timestamps AWS credential endpoints answer with ("Expiration": "2024-05-01T12:00:00Z"),
// parsed without the C library's time zone machinery (timegm, strptime and the TZ variable),
// so parsing is pure and the same on every host.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace staticgate::aws {

// Accepts YYYY-MM-DDThh:mm:ss, optional fraction (.s to .sssssssss, truncated to whole
// seconds: expirations are coarse and rounding up would be wrong), then Z or +hh:mm / -hh:mm.
// 't' and 'z' are accepted in lower case too (RFC 3339 allows it). Rejects local times without
// an offset, out-of-range fields (month 13, 31 April, hour 24, leap second 60) and trailing text.
std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text);

// "2024-05-01T12:00:00Z", the form AWS uses.
std::string format_iso8601(std::chrono::sys_seconds time);

}  // namespace staticgate::aws

#include "discovery/state_codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace staticgate::discovery {
namespace {

using json = nlohmann::json;

// A non-negative integer no larger than `max`; false for floats, negatives, other types.
bool read_unsigned(const json& value, std::uint64_t max, std::uint64_t& out) {
  if (value.is_number_unsigned()) {
    out = value.get<std::uint64_t>();
  } else if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0) return false;
    out = static_cast<std::uint64_t>(v);
  } else {
    return false;
  }
  return out <= max;
}

const json* member(const json& object, const char* key, std::string& error) {
  const auto it = object.find(key);
  if (it == object.end()) {
    error = std::string("missing member \"") + key + "\"";
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> valid_ip(const std::string& text, const std::string& where, std::string& error) {
  auto canonical = canonical_ip(text);
  if (!canonical) {
    error = where + ": \"" + text + "\" is not an IP address";
    return std::nullopt;
  }
  if (*canonical != text) {
    error = where + ": \"" + text + "\" is not canonical (expected \"" + *canonical + "\")";
    return std::nullopt;
  }
  return canonical;
}

constexpr std::uint64_t max_timestamp = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::optional<stored_state> decode_json(const json& doc, std::string& error) {
  if (!doc.is_object()) {
    error = "top level is not a JSON object";
    return std::nullopt;
  }
  stored_state out;

  const json* schema = member(doc, "schema", error);
  if (!schema) return std::nullopt;
  std::uint64_t version = 0;
  if (!read_unsigned(*schema, std::numeric_limits<std::uint64_t>::max(), version)) {
    error = "schema: not a non-negative integer";
    return std::nullopt;
  }
  if (version != state_schema_version) {
    error = "schema: version " + std::to_string(version) + " is not supported (expected " +
            std::to_string(state_schema_version) + ")";
    return std::nullopt;
  }

  for (auto [key, target] : {std::pair{"target_group", &out.target_group}, std::pair{"name", &out.name}}) {
    const json* value = member(doc, key, error);
    if (!value) return std::nullopt;
    if (!value->is_string()) {
      error = std::string(key) + ": not a string";
      return std::nullopt;
    }
    *target = value->get<std::string>();
  }

  const json* active = member(doc, "active", error);
  if (!active) return std::nullopt;
  if (!active->is_array()) {
    error = "active: not an array";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < active->size(); ++i) {
    const json& item = (*active)[i];
    const std::string where = "active[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      error = where + ": not a string";
      return std::nullopt;
    }
    auto ip = valid_ip(item.get<std::string>(), where, error);
    if (!ip) return std::nullopt;
    if (!out.state.active.insert(*ip).second) {
      error = where + ": \"" + *ip + "\" listed twice";
      return std::nullopt;
    }
  }

  const json* pending = member(doc, "pending", error);
  if (!pending) return std::nullopt;
  if (!pending->is_object()) {
    error = "pending: not an object";
    return std::nullopt;
  }
  for (const auto& [address, entry] : pending->items()) {
    const std::string where = "pending[\"" + address + "\"]";
    auto ip = valid_ip(address, where, error);
    if (!ip) return std::nullopt;
    if (!out.state.active.contains(*ip)) {
      error = where + ": not in active";
      return std::nullopt;
    }
    if (!entry.is_object()) {
      error = where + ": not an object";
      return std::nullopt;
    }
    const json* misses = member(entry, "misses", error);
    if (!misses) {
      error = where + ": " + error;
      return std::nullopt;
    }
    std::uint64_t miss_count = 0;
    if (!read_unsigned(*misses, std::numeric_limits<std::uint32_t>::max(), miss_count) || miss_count == 0) {
      error = where + ".misses: not an integer in 1.." + std::to_string(std::numeric_limits<std::uint32_t>::max());
      return std::nullopt;
    }
    const json* first = member(entry, "first_missed_unix_ms", error);
    if (!first) {
      error = where + ": " + error;
      return std::nullopt;
    }
    std::uint64_t first_ms = 0;
    if (!read_unsigned(*first, max_timestamp, first_ms)) {
      error = where + ".first_missed_unix_ms: not a non-negative integer";
      return std::nullopt;
    }
    out.state.pending[*ip] = pending_entry{static_cast<std::uint32_t>(miss_count), static_cast<std::int64_t>(first_ms)};
  }

  const json* last = member(doc, "last_success_unix_ms", error);
  if (!last) return std::nullopt;
  std::uint64_t last_ms = 0;
  if (!read_unsigned(*last, max_timestamp, last_ms)) {
    error = "last_success_unix_ms: not a non-negative integer";
    return std::nullopt;
  }
  out.state.last_success_unix_ms = static_cast<std::int64_t>(last_ms);

  const json* runs = member(doc, "runs", error);
  if (!runs) return std::nullopt;
  if (!read_unsigned(*runs, std::numeric_limits<std::uint64_t>::max(), out.state.runs)) {
    error = "runs: not a non-negative integer";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<std::string> canonical_ip(std::string_view text) {
  // inet_pton needs a NUL terminator, and would stop at an embedded one.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  char buf[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    if (::inet_ntop(AF_INET, &v4, buf, sizeof buf) == nullptr) return std::nullopt;
    return std::string(buf);
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    if (::inet_ntop(AF_INET6, &v6, buf, sizeof buf) == nullptr) return std::nullopt;
    return std::string(buf);
  }
  return std::nullopt;
}

std::string encode_state(const stored_state& stored) {
  json pending = json::object();
  for (const auto& [address, entry] : stored.state.pending) {
    pending[address] = {{"misses", entry.misses}, {"first_missed_unix_ms", entry.first_missed_unix_ms}};
  }
  const json doc = {
      {"schema", state_schema_version},
      {"target_group", stored.target_group},
      {"name", stored.name},
      {"active", stored.state.active},
      {"pending", std::move(pending)},
      {"last_success_unix_ms", stored.state.last_success_unix_ms},
      {"runs", stored.state.runs},
  };
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<stored_state> decode_state(std::string_view bytes, std::string& error) {
  error.clear();
  try {
    const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      error = "not valid JSON";
      return std::nullopt;
    }
    return decode_json(doc, error);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // Not expected (every access above is type-checked), but a corrupt file must never crash us.
    error = std::string("invalid state: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace staticgate::discovery

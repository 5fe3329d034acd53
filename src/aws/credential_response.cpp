#include "aws/credential_response.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <nlohmann/json.hpp>

#include "aws/iso8601.hpp"

namespace staticgate::aws {
namespace {

using json = nlohmann::json;

// The member whose name matches `name` ignoring case, or null.
const json* member(const json& doc, std::string_view name) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return &it.value();
  }
  return nullptr;
}

std::string string_member(const json& doc, std::string_view name) {
  const json* m = member(doc, name);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

std::optional<json> parse_object(std::string_view body, std::string_view what, std::string& error) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = std::string(what) + ": the answer is not a JSON object";
    return std::nullopt;
  }
  return doc;
}

// An Expiration member as a time point; nullopt with `error` when it is not an ISO 8601 time
// with a zone that system_clock can hold.
std::optional<std::chrono::system_clock::time_point> expiration_from(const json& value, std::string_view what,
                                                                     std::string& error) {
  auto expiration = value.is_string() ? parse_iso8601(value.get_ref<const std::string&>()) : std::nullopt;
  // system_clock counts nanoseconds in 64 bits: only 1678-2262 fit. A later (valid ISO 8601)
  // year would overflow on conversion, so it is refused like a malformed time.
  constexpr auto earliest = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::time_point::min());
  constexpr auto latest = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::time_point::max());
  if (expiration && (*expiration < earliest || *expiration > latest)) expiration.reset();
  if (!expiration) {
    // The date is not secret, but keep to the rule: messages never quote the body.
    error = std::string(what) + ": Expiration is not an ISO 8601 time with a zone (2024-05-01T12:00:00Z)";
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(*expiration);
}

// The four fields both endpoints share, exact names as AWS sends them.
std::optional<credentials> credentials_from(const json& doc, std::string_view what, std::string& error) {
  credentials out;
  for (auto [name, field] : {std::pair{"AccessKeyId", &out.access_key_id},
                             std::pair{"SecretAccessKey", &out.secret_access_key}, std::pair{"Token", &out.session_token}}) {
    const auto it = doc.find(name);
    if (it == doc.end()) {
      error = std::string(what) + ": " + name + " is missing";
      return std::nullopt;
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      error = std::string(what) + ": " + name + " is not a non-empty string";
      return std::nullopt;
    }
    *field = it->get<std::string>();
  }
  const auto it = doc.find("Expiration");
  if (it == doc.end()) {
    error = std::string(what) + ": Expiration is missing";
    return std::nullopt;
  }
  const auto expiration = expiration_from(*it, what, error);
  if (!expiration) return std::nullopt;
  out.expiration = *expiration;
  out.source = std::string(what);
  return out;
}

}  // namespace

std::optional<credentials> parse_container_credentials(std::string_view body, std::string& error) {
  const auto doc = parse_object(body, "container credentials", error);
  if (!doc) return std::nullopt;
  if (!doc->contains("AccessKeyId") && (member(*doc, "code") || member(*doc, "message"))) {
    error = "container credentials: error " + string_member(*doc, "code") + ": " + string_member(*doc, "message");
    return std::nullopt;
  }
  return credentials_from(*doc, "container credentials", error);
}

std::optional<credentials> parse_imds_credentials(std::string_view body, std::string& error) {
  const auto doc = parse_object(body, "instance metadata credentials", error);
  if (!doc) return std::nullopt;
  if (const auto code = doc->find("Code"); code != doc->end()) {
    if (!code->is_string() || code->get_ref<const std::string&>() != "Success") {
      error = "instance metadata credentials: Code " + (code->is_string() ? code->get<std::string>() : code->dump()) +
              ": " + string_member(*doc, "Message");
      return std::nullopt;
    }
  }
  return credentials_from(*doc, "instance metadata credentials", error);
}

std::optional<std::string> parse_imds_role_name(std::string_view body, std::string& error) {
  std::string_view line = body.substr(0, body.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty()) {
    error = "instance metadata: no IAM role is attached to this instance";
    return std::nullopt;
  }
  if (line.find_first_of("/?#% \t") != std::string_view::npos) {
    error = "instance metadata: the role name holds characters a role name cannot have";
    return std::nullopt;
  }
  return std::string(line);
}

std::optional<credentials> parse_process_credentials(std::string_view body, std::string& error) {
  constexpr std::string_view what = "credential_process";
  const auto doc = parse_object(body, what, error);
  if (!doc) return std::nullopt;
  const auto version = doc->find("Version");
  if (version == doc->end()) {
    error = "credential_process: Version is missing";
    return std::nullopt;
  }
  // A number equal to 1 (1.0 too, as Python's comparison in botocore accepts it).
  if (!version->is_number() || version->get<double>() != 1.0) {
    error = "credential_process: Version must be 1";
    return std::nullopt;
  }
  credentials out;
  for (auto [name, field, required] : {std::tuple{"AccessKeyId", &out.access_key_id, true},
                                       std::tuple{"SecretAccessKey", &out.secret_access_key, true},
                                       std::tuple{"SessionToken", &out.session_token, false}}) {
    const auto it = doc->find(name);
    if (it == doc->end() || it->is_null()) {
      if (!required) continue;
      error = std::string("credential_process: ") + name + " is missing";
      return std::nullopt;
    }
    if (!it->is_string() || (required && it->get_ref<const std::string&>().empty())) {
      error = std::string("credential_process: ") + name + (required ? " is not a non-empty string" : " is not a string");
      return std::nullopt;
    }
    *field = it->get<std::string>();
  }
  if (const auto it = doc->find("Expiration"); it != doc->end() && !it->is_null()) {
    const auto expiration = expiration_from(*it, what, error);
    if (!expiration) return std::nullopt;
    out.expiration = *expiration;
  }
  out.source = std::string(what);
  return out;
}

}  // namespace staticgate::aws

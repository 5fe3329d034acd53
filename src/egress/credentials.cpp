#include "egress/credentials.hpp"

#include <stdexcept>

namespace staticgate::egress {

namespace {

constexpr std::size_t max_user_length = 255;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string quoted(std::string_view user) { return "\"" + std::string(user) + "\""; }

}  // namespace

std::optional<std::string> check_user_name(std::string_view user) {
  if (user.empty()) return "the user name is empty";
  if (user.size() > max_user_length) return "the user name is longer than 255 bytes";
  for (const char c : user) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == ':') {
      return "the user name contains a blank, ':' or a control character";
    }
  }
  return std::nullopt;
}

std::optional<std::string> credential_store::add(std::string_view user, std::string_view hash) {
  if (auto problem = check_user_name(user)) return problem;
  if (hashes_.contains(user)) return "user " + quoted(user) + " is already defined";
  const auto check = check_password_hash(hash);
  if (!check.scheme) return "user " + quoted(user) + ": " + check.error;
  hashes_.emplace(std::string(user), std::string(hash));
  return std::nullopt;
}

bool credential_store::verify(std::string_view user, std::string_view password) const {
  const auto it = hashes_.find(user);
  if (it == hashes_.end()) {
    if (!hashes_.empty()) static_cast<void>(verify_password(password, hashes_.begin()->second));
    return false;
  }
  return verify_password(password, it->second);
}

credentials_parse_result parse_credentials(std::string_view text) {
  credentials_parse_result result;
  std::map<std::string, std::uint32_t, std::less<>> first_line;
  std::uint32_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    const auto line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;

    const auto report = [&](std::string message) {
      result.errors.push_back({.line = line_number, .message = std::move(message)});
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      report("expected \"user:hash\", found no ':'");
      continue;
    }
    const auto user = line.substr(0, colon);
    const auto hash = line.substr(colon + 1);
    if (auto problem = check_user_name(user)) {
      report(std::move(*problem));
      continue;
    }
    if (const auto previous = first_line.find(user); previous != first_line.end()) {
      report("user " + quoted(user) + " is already defined on line " + std::to_string(previous->second));
      continue;
    }
    first_line.emplace(std::string(user), line_number);
    if (hash.find(':') != std::string_view::npos) {
      report("user " + quoted(user) + ": more than one ':' (one \"user:hash\" per line; no shadow-style fields)");
      continue;
    }
    if (auto problem = result.store.add(user, hash)) report(std::move(*problem));
  }
  return result;
}

std::optional<std::string> add_from_environment(credential_store& store, const environment_credential& entry,
                                                const getenv_function& getenv) {
  const std::string where = "environment variable " + entry.variable + " (user " + quoted(entry.user) + ")";
  if (auto problem = check_user_name(entry.user)) return where + ": " + *problem;
  const char* value = getenv(entry.variable.c_str());
  if (value == nullptr) return where + " is not set";
  const std::string_view secret(value);
  if (secret.empty()) return where + " is empty";
  if (entry.form == secret_form::password_hash) {
    if (auto problem = store.add(entry.user, secret)) return where + ": " + *problem;
    return std::nullopt;
  }
  if (store.contains(entry.user)) return where + ": user " + quoted(entry.user) + " is already defined";
  std::string hash;
  try {
    hash = hash_password(secret);
  } catch (const std::exception& e) {
    return where + ": " + e.what();
  }
  if (auto problem = store.add(entry.user, hash)) return where + ": " + *problem;
  return std::nullopt;
}

}  // namespace staticgate::egress

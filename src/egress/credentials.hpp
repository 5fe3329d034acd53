// The egress proxy's users and their password hashes, loaded from a credentials file (the
// htpasswd shape: "user:hash" per line) or from environment variables. Text in, store out: the
// caller reads the file, so this stays testable without a file system.
//
// File format:
//   # comment           (a line whose first non-blank character is '#')
//                       (blank lines are ignored)
//   alice:$y$j9T$...    (user, one ':', a hash accepted by check_password_hash())
// Leading and trailing blanks and a CR before the newline are ignored. User names are 1..255
// bytes (the SOCKS5 limit, RFC 1929) without ':' (HTTP Basic splits there), blanks or control
// characters. Every problem is reported with its line number, and parsing goes on so that one
// run shows them all; a user defined twice is an error (which line would win is a guess).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "egress/password_hash.hpp"

namespace staticgate::egress {

class credential_store {
 public:
  // Adds a user with a hash; on failure returns why and changes nothing (invalid name, user
  // already present, hash refused by check_password_hash()).
  std::optional<std::string> add(std::string_view user, std::string_view hash);

  // True only if the user exists and the password matches. For an unknown user the cost of a
  // real verification is still paid (against another user's hash, with the answer discarded)
  // so timing does not reveal which user names exist.
  bool verify(std::string_view user, std::string_view password) const;

  bool contains(std::string_view user) const { return hashes_.contains(user); }
  std::size_t size() const { return hashes_.size(); }
  // Every user and its hash, by name: for the config loader, which copies them into the model.
  const std::map<std::string, std::string, std::less<>>& entries() const { return hashes_; }

 private:
  std::map<std::string, std::string, std::less<>> hashes_;
};

// Empty when `user` is an acceptable user name, else why not.
std::optional<std::string> check_user_name(std::string_view user);

struct credentials_error {
  std::uint32_t line = 0;  // 1-based; 0 when the problem is not at a line (environment)
  std::string message;
};

struct credentials_parse_result {
  credential_store store;  // the valid lines; use only when errors is empty
  std::vector<credentials_error> errors;
};

credentials_parse_result parse_credentials(std::string_view text);

// Where a user's secret comes from when it is kept in the environment.
enum class secret_form {
  password_hash,  // the variable holds a crypt(3) hash, checked like a file's
  plain_text,     // the variable holds the password; it is hashed (yescrypt) when loaded
};

struct environment_credential {
  std::string user;
  std::string variable;  // e.g. "STATICGATE_PASSWORD_ALICE"
  secret_form form = secret_form::plain_text;
};

// Same contract as ::getenv, so production passes ::getenv and tests a lambda over a map.
using getenv_function = std::function<const char*(const char*)>;

// Adds the user to `store`; on failure returns why (variable unset or empty, user invalid or
// already present, hash refused) and changes nothing. The value is never part of a message.
std::optional<std::string> add_from_environment(credential_store& store, const environment_credential& entry,
                                                const getenv_function& getenv);

}  // namespace staticgate::egress

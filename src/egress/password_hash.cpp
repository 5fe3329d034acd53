#include "egress/password_hash.hpp"

#include <crypt.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace staticgate::egress {

namespace {

constexpr std::string_view supported_list = "yescrypt \"$y$\", sha512-crypt \"$6$\" or bcrypt \"$2b$\"";

// Runs crypt_rn; empty when libxcrypt refuses. crypt_data is about 32 KiB, so it lives on the
// heap, zeroed as libxcrypt requires before first use.
std::optional<std::string> run_crypt(std::string_view password, std::string_view setting) {
  if (password.find('\0') != std::string_view::npos || password.size() >= CRYPT_MAX_PASSPHRASE_SIZE) {
    return std::nullopt;
  }
  std::string phrase(password);
  const std::string settings(setting);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(phrase.c_str(), settings.c_str(), data.get(), sizeof(crypt_data));
  // libxcrypt answers failures with null from crypt_rn; the "*0"/"*1" failure tokens are only
  // produced by the crypt/crypt_r entry points, but checking costs nothing.
  std::optional<std::string> result;
  if (out != nullptr && out[0] != '*') result.emplace(out);
  // The password's copies should not linger in freed memory.
  explicit_bzero(phrase.data(), phrase.size());
  explicit_bzero(data.get(), sizeof(crypt_data));
  return result;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // A length difference is not secret: the stored hash's length follows from its scheme.
  if (a.size() != b.size()) return false;
  unsigned difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return difference == 0;
}

hash_check refuse(std::string message) { return {.scheme = std::nullopt, .error = std::move(message)}; }

std::string_view prefix_of(hash_scheme scheme) {
  switch (scheme) {
    case hash_scheme::yescrypt: return "$y$";
    case hash_scheme::sha512_crypt: return "$6$";
    case hash_scheme::bcrypt: return "$2b$";
  }
  return "$y$";
}

}  // namespace

std::string_view to_string(hash_scheme scheme) {
  switch (scheme) {
    case hash_scheme::yescrypt: return "yescrypt";
    case hash_scheme::sha512_crypt: return "sha512-crypt";
    case hash_scheme::bcrypt: return "bcrypt";
  }
  return "yescrypt";
}

hash_check check_password_hash(std::string_view hash) {
  std::optional<hash_scheme> scheme;
  if (hash.empty()) return refuse("the password hash is empty");
  if (hash.starts_with("$y$")) {
    scheme = hash_scheme::yescrypt;
  } else if (hash.starts_with("$6$")) {
    scheme = hash_scheme::sha512_crypt;
  } else if (hash.starts_with("$2b$") || hash.starts_with("$2y$")) {
    scheme = hash_scheme::bcrypt;
  } else if (hash.front() == '!' || hash.front() == '*') {
    return refuse("the hash is a locked or disabled entry (starts with '" + std::string(1, hash.front()) +
                  "'); remove the line to remove the user");
  } else if (hash.starts_with("$1$")) {
    return refuse("MD5-crypt (\"$1$\") is too weak; use " + std::string(supported_list));
  } else if (hash.starts_with("$2a$")) {
    return refuse("bcrypt \"$2a$\" is the variant with the 8-bit bug in some implementations; rehash as \"$2b$\"");
  } else if (hash.front() == '_') {
    return refuse("BSDi extended DES crypt (\"_\") is too weak; use " + std::string(supported_list));
  } else if (hash.front() != '$') {
    return refuse("traditional DES crypt (no \"$id$\" prefix) is too weak; use " + std::string(supported_list));
  } else {
    const auto end = hash.find('$', 1);
    const auto id = hash.substr(0, end == std::string_view::npos ? hash.size() : end + 1);
    return refuse("unsupported password hash scheme \"" + std::string(id.substr(0, 16)) + "\"; use " +
                  std::string(supported_list));
  }
  // The hash is its own setting; a trial run shows whether libxcrypt can compute it at all and
  // whether the stored text is complete (a cut-off hash could never match any password).
  const auto trial = run_crypt("staticgate trial", hash);
  if (!trial) return refuse("malformed " + std::string(to_string(*scheme)) + " hash (libxcrypt rejects it)");
  if (trial->size() != hash.size()) {
    return refuse("malformed " + std::string(to_string(*scheme)) + " hash (wrong length; truncated or damaged?)");
  }
  return {.scheme = scheme, .error = {}};
}

bool verify_password(std::string_view password, std::string_view hash) {
  const auto computed = run_crypt(password, hash);
  return computed && equal_constant_time(*computed, hash);
}

std::string hash_password(std::string_view password, hash_scheme scheme) {
  if (password.find('\0') != std::string_view::npos || password.size() >= CRYPT_MAX_PASSPHRASE_SIZE) {
    throw std::invalid_argument("a password must not contain NUL bytes or exceed " +
                                std::to_string(CRYPT_MAX_PASSPHRASE_SIZE - 1) + " bytes");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE] = {};
  // count 0: the scheme's default cost; null random bytes: libxcrypt reads the OS's randomness.
  const std::string prefix(prefix_of(scheme));
  if (crypt_gensalt_rn(prefix.c_str(), 0, nullptr, 0, setting, sizeof setting) == nullptr) {
    throw std::runtime_error(std::string("crypt_gensalt_rn failed: ") + std::strerror(errno));
  }
  auto hash = run_crypt(password, setting);
  if (!hash) throw std::runtime_error(std::string("crypt_rn failed: ") + std::strerror(errno));
  return std::move(*hash);
}

}  // namespace staticgate::egress

// Password hashes in crypt(3) form, checked and computed with libxcrypt. Only strong schemes
// are accepted: yescrypt "$y$", SHA-512-crypt "$6$" and bcrypt "$2b$" (also spelled "$2y$").
// No sockets; hash_password() reads system randomness for the salt.
//
// Cost: every verification runs the hash on purpose (yescrypt at its default cost takes tens of
// milliseconds of CPU). Callers on an event loop should run verify_password() elsewhere.
// bcrypt only looks at the first 72 bytes of a password; yescrypt and SHA-512-crypt have no
// such limit, which is one more reason hash_password() defaults to yescrypt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staticgate::egress {

enum class hash_scheme { yescrypt, sha512_crypt, bcrypt };

std::string_view to_string(hash_scheme scheme);  // "yescrypt", "sha512-crypt", "bcrypt"

struct hash_check {
  std::optional<hash_scheme> scheme;  // set when the hash is acceptable
  std::string error;                  // why not, otherwise
};

// Whether `hash` is a well-formed hash of a supported scheme. Refuses with a message naming
// the problem: DES crypt (13 characters, no '$'), BSDi DES ("_"), MD5-crypt ("$1$"), the older
// bcrypt "$2a$", other schemes ("$5$", "$7$", ...), locked entries ("!", "*"), and hashes that
// libxcrypt cannot compute or that come out a different length (truncated or damaged text).
// Runs the hash once, so it costs what one verification costs.
hash_check check_password_hash(std::string_view hash);

// Hashes `password` with the settings stored in `hash` and compares the result with `hash` in
// time independent of where they differ. False for any failure, for a password containing a
// NUL byte (crypt(3) would cut it there) and for one longer than libxcrypt accepts (512 bytes).
// Does not check that the scheme is supported: check_password_hash() does that at load time.
bool verify_password(std::string_view password, std::string_view hash);

// A new hash of `password` with a random salt and the scheme's default cost; for the
// `staticgate hash-password` command and for passwords given in plain text. Throws
// std::invalid_argument for a password verify_password() could never accept, and
// std::runtime_error if libxcrypt fails (no randomness available).
std::string hash_password(std::string_view password, hash_scheme scheme = hash_scheme::yescrypt);

}  // namespace staticgate::egress

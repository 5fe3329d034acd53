// Remembers, per worker, the last password each user proved, as a SHA-256 digest, so that only
// a user's first connection (and one after a password change) pays for crypt(3): yescrypt costs
// tens of milliseconds of CPU by design, which would stall every other connection of the worker.
// A wrong password is never cached and always goes through the full check. An entry is bound
// to the stored hash it was proven against, so a reload that changes or removes the user's
// password invalidates it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "egress/credentials.hpp"

namespace staticgate::egress {

class password_cache {
 public:
  bool verify(const credential_store& store, std::string_view user, std::string_view password);

 private:
  struct proof {
    std::string stored_hash;              // the crypt(3) hash the password matched
    std::array<std::uint8_t, 32> digest;  // SHA-256 of user and password
  };
  std::map<std::string, proof, std::less<>> proven_;
};

}  // namespace staticgate::egress

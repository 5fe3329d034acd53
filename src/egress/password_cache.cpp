#include "egress/password_cache.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace staticgate::egress {
namespace {

std::array<std::uint8_t, 32> digest(std::string_view user, std::string_view password) {
  std::array<std::uint8_t, 32> out{};
  std::string input;
  input.reserve(user.size() + password.size() + 1);
  input.append(user).push_back('\0');
  input.append(password);
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data());
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

}  // namespace

bool password_cache::verify(const credential_store& store, std::string_view user, std::string_view password) {
  const auto d = digest(user, password);
  const auto stored = store.entries().find(user);
  if (auto it = proven_.find(user); it != proven_.end() && stored != store.entries().end() &&
                                    it->second.stored_hash == stored->second &&
                                    CRYPTO_memcmp(it->second.digest.data(), d.data(), d.size()) == 0)
    return true;
  if (!store.verify(user, password)) return false;
  if (stored != store.entries().end()) proven_[std::string(user)] = {stored->second, d};
  return true;
}

}  // namespace staticgate::egress

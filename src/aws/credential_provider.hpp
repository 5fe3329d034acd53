// Where the AWS clients get credentials at signing time. Implementations (credential_provider_factory.hpp)
// fetch them from the environment, the shared files, STS, the container endpoint or instance
// metadata, cache them and refresh them before they expire (credential_refresh.hpp).
#pragma once

#include <optional>
#include <string>

#include "aws/credentials.hpp"

namespace staticgate::aws {

class credential_provider {
 public:
  virtual ~credential_provider() = default;

  // Credentials valid for signing now, refreshed first when due. nullopt with `error` when none
  // can be had (the error never contains a secret). Thread-safe; may block on a refresh.
  virtual std::optional<credentials> get(std::string& error) = 0;
  // AWS refused the credentials as expired (ExpiredToken) although they looked valid: a role
  // session revoked or shortened, a clock that ran behind. Forget them so the next get()
  // fetches anew. Providers of fixed keys have nothing to forget.
  virtual void invalidate() {}
};

// Always the same credentials (environment keys, a profile's static keys, tests).
class static_credential_provider final : public credential_provider {
 public:
  explicit static_credential_provider(credentials creds) : creds_(std::move(creds)) {}
  std::optional<credentials> get(std::string&) override { return creds_; }

 private:
  credentials creds_;
};

}  // namespace staticgate::aws

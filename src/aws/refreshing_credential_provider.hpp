// A credential_provider for temporary credentials: fetches them on first use through a fetch
// function (instance metadata, container endpoint, STS, credential_process), caches them, and
// fetches again per credential_refresh.hpp:
//   - advisory window: one caller fetches while the others keep signing with the cached
//     credentials; a failure (or the same key with no later expiration, as instance metadata
//     gives before it rotates) keeps the cached ones and is retried after retry_after().
//   - mandatory window: the caller fetches before signing. If that fails the cached
//     credentials, still valid for a few minutes, are returned with `error` describing the
//     failure; attempts are then at most one per mandatory_retry, so that every signature
//     does not wait for a dead endpoint.
//   - expired (or nothing cached yet): a fetch must succeed; concurrent callers wait for one
//     fetch and share its outcome instead of each trying again.
// Fetched credentials that are already expired (a host clock far ahead) count as a failure.
// Thread-safe; the fetch function runs without the provider's lock held, on one thread at a
// time. Time and randomness are injected for tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "aws/credential_provider.hpp"
#include "aws/credential_refresh.hpp"

namespace staticgate::aws {

// One attempt at new credentials; nullopt with `error` (never holding a secret) on failure.
using credential_fetch_fn = std::function<std::optional<credentials>(std::string& error)>;
using system_now_fn = std::function<std::chrono::system_clock::time_point()>;

struct refresh_options {
  refresh_policy policy;
  std::chrono::seconds mandatory_retry{10};
  system_now_fn now;                    // default: system_clock::now
  std::function<double()> random;       // uniform in [0, 1); default: a thread-local engine
};

class refreshing_credential_provider final : public credential_provider {
 public:
  explicit refreshing_credential_provider(credential_fetch_fn fetch, refresh_options options = {});

  std::optional<credentials> get(std::string& error) override;
  void invalidate() override;

  // The last fetch failure since the last success ("" if none), for status pages.
  std::string last_error() const;

 private:
  // What to do with a successful or failed fetch; runs under mutex_.
  void apply(std::optional<credentials> fetched, std::string fetch_error, std::chrono::system_clock::time_point now,
             refresh_need need);

  credential_fetch_fn fetch_;
  refresh_options options_;
  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  std::optional<credentials> cached_;
  double jitter_ = 0.0;  // drawn once per set of credentials
  std::chrono::system_clock::time_point next_attempt_{};  // before this, no advisory/mandatory retry
  bool fetching_ = false;
  unsigned long fetches_ = 0;  // completed fetches, to tell a waiter that one happened
  std::string last_error_;
};

}  // namespace staticgate::aws

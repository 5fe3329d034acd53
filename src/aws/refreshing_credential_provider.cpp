#include "aws/refreshing_credential_provider.hpp"

#include <random>

namespace staticgate::aws {
namespace {

using clock = std::chrono::system_clock;

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

refreshing_credential_provider::refreshing_credential_provider(credential_fetch_fn fetch, refresh_options options)
    : fetch_(std::move(fetch)), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return clock::now(); };
  if (!options_.random) options_.random = default_random;
}

std::string refreshing_credential_provider::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::optional<credentials> refreshing_credential_provider::get(std::string& error) {
  std::unique_lock lock(mutex_);
  const unsigned long fetches_seen = fetches_;
  for (;;) {
    const auto now = options_.now();
    const refresh_need need =
        cached_ ? refresh_needed(*cached_, now, jitter_, options_.policy) : refresh_need::expired;
    const bool usable = cached_ && need != refresh_need::expired;
    const bool may_try = now >= next_attempt_ || need == refresh_need::expired;
    if (usable && (need == refresh_need::none || !may_try || (need == refresh_need::advisory && fetching_))) {
      if (need == refresh_need::mandatory) error = last_error_;
      return cached_;
    }
    if (fetching_) {
      fetched_.wait(lock, [this] { return !fetching_; });
      // Someone else's fetch failed while nothing usable is cached: share its outcome.
      if (fetches_ != fetches_seen && !last_error_.empty() &&
          (!cached_ || refresh_needed(*cached_, options_.now(), jitter_, options_.policy) == refresh_need::expired)) {
        error = last_error_;
        return std::nullopt;
      }
      continue;
    }
    fetching_ = true;
    lock.unlock();
    std::string fetch_error;
    std::optional<credentials> fetched;
    try {
      fetched = fetch_(fetch_error);
    } catch (const std::exception& e) {  // a fetcher's bug must not leave fetching_ set
      fetch_error = std::string("credential fetch failed: ") + e.what();
    }
    lock.lock();
    fetching_ = false;
    ++fetches_;
    apply(std::move(fetched), std::move(fetch_error), options_.now(), need);
    fetched_.notify_all();
    const auto after = cached_ ? refresh_needed(*cached_, options_.now(), jitter_, options_.policy)
                               : refresh_need::expired;
    if (after != refresh_need::expired) {
      // Only in the mandatory window is a failed refresh worth the caller's attention.
      if (after == refresh_need::mandatory) error = last_error_;
      return cached_;
    }
    error = last_error_.empty() ? "no credentials" : last_error_;
    return std::nullopt;
  }
}

void refreshing_credential_provider::apply(std::optional<credentials> fetched, std::string fetch_error,
                                           clock::time_point now, refresh_need need) {
  if (fetched && fetched->expiration && *fetched->expiration <= now) {
    fetch_error = "the credentials fetched (" + to_string(*fetched) + ") have already expired; is the clock right?";
    fetched.reset();
  }
  if (fetched) {
    // Another key is what the endpoint hands out now, whatever its expiration; the same key
    // counts as new only with a later expiration (instance metadata repeats itself until it
    // rotates).
    const bool newer = !cached_ || fetched->access_key_id != cached_->access_key_id || !fetched->expiration ||
                       !cached_->expiration || *fetched->expiration > *cached_->expiration;
    if (newer) {
      cached_ = std::move(fetched);
      jitter_ = options_.random();
      next_attempt_ = {};
      last_error_.clear();
      return;
    }
    // The same credentials again (instance metadata before it rotates them): not a failure.
    last_error_.clear();
  } else {
    last_error_ = fetch_error.empty() ? "credential fetch failed" : std::move(fetch_error);
  }
  if (!cached_) return;
  next_attempt_ = need == refresh_need::advisory ? retry_after(*cached_, now, options_.random(), options_.policy)
                                                 : now + options_.mandatory_retry;
}

void refreshing_credential_provider::invalidate() {
  std::lock_guard lock(mutex_);
  cached_.reset();
  next_attempt_ = {};
}

}  // namespace staticgate::aws

// refreshing_credential_provider with an injected clock, jitter and fetch function: when it
// fetches, what it returns when a fetch fails in each refresh window, and that concurrent
// callers share one fetch.
#include "aws/refreshing_credential_provider.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>
#include <vector>

namespace staticgate::aws {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;

const clock::time_point t0 = clock::time_point(1'800'000'000s);

credentials expiring(const std::string& id, clock::time_point when) {
  return credentials{.access_key_id = id, .secret_access_key = "s-" + id, .session_token = "t", .expiration = when,
                     .source = "test"};
}

// A fetch function answering from a script: credentials, or an error string.
struct scripted_fetch {
  std::deque<std::optional<credentials>> answers;
  int calls = 0;
  credential_fetch_fn fn() {
    return [this](std::string& error) -> std::optional<credentials> {
      ++calls;
      if (answers.empty()) {
        error = "script exhausted";
        return std::nullopt;
      }
      auto next = answers.front();
      answers.pop_front();
      if (!next) error = "endpoint down";
      return next;
    };
  }
};

struct fixture {
  clock::time_point now = t0;
  scripted_fetch fetch;
  refreshing_credential_provider make() {
    // jitter 0: advisory window of exactly 15 minutes; retry after 60 s.
    return refreshing_credential_provider(fetch.fn(), refresh_options{.policy = {}, .mandatory_retry = 10s,
                                                                      .now = [this] { return now; },
                                                                      .random = [] { return 0.0; }});
  }
};

TEST(refreshing_provider, fetches_on_first_use_and_caches) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h)};
  auto provider = f.make();
  EXPECT_EQ(f.fetch.calls, 0);  // nothing before the first get()
  std::string error;
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  f.now = t0 + 44min;
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  EXPECT_EQ(f.fetch.calls, 1);
}

TEST(refreshing_provider, invalidate_makes_the_next_get_fetch_even_long_before_expiry) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), expiring("B", t0 + 1h)};
  auto provider = f.make();
  std::string error;
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  provider.invalidate();  // AWS answered ExpiredToken for A
  EXPECT_EQ(provider.get(error)->access_key_id, "B");
  EXPECT_EQ(f.fetch.calls, 2);
}

TEST(refreshing_provider, first_fetch_failure_is_an_error) {
  fixture f;
  f.fetch.answers = {std::nullopt};
  auto provider = f.make();
  std::string error;
  EXPECT_FALSE(provider.get(error));
  EXPECT_EQ(error, "endpoint down");
  EXPECT_EQ(provider.last_error(), "endpoint down");
}

TEST(refreshing_provider, advisory_refresh_replaces_the_credentials) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), expiring("B", t0 + 2h)};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now = t0 + 46min;  // 14 minutes left: advisory
  EXPECT_EQ(provider.get(error)->access_key_id, "B");
  EXPECT_EQ(f.fetch.calls, 2);
}

TEST(refreshing_provider, advisory_failure_keeps_the_old_credentials_and_waits_before_retrying) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), std::nullopt, expiring("B", t0 + 2h)};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now = t0 + 46min;
  error.clear();
  const auto kept = provider.get(error);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, "A");
  EXPECT_EQ(error, "");  // advisory: nothing is wrong yet
  EXPECT_EQ(provider.last_error(), "endpoint down");
  f.now += 30s;  // before retry_after (60 s with jitter 0)
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  EXPECT_EQ(f.fetch.calls, 2);
  f.now += 31s;
  EXPECT_EQ(provider.get(error)->access_key_id, "B");
  EXPECT_EQ(f.fetch.calls, 3);
  EXPECT_EQ(provider.last_error(), "");
}

TEST(refreshing_provider, the_same_credentials_again_are_kept_without_an_error) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), expiring("A", t0 + 1h)};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now = t0 + 46min;
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  EXPECT_EQ(provider.last_error(), "");
  f.now += 10s;
  EXPECT_EQ(provider.get(error)->access_key_id, "A");
  EXPECT_EQ(f.fetch.calls, 2);  // waits for retry_after before asking again
}

TEST(refreshing_provider, another_key_replaces_the_cache_even_with_the_same_expiration) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 10min), expiring("B", t0 + 10min)};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  EXPECT_EQ(provider.get(error)->access_key_id, "B");  // advisory from the start: fetched again
}

TEST(refreshing_provider, mandatory_failure_returns_the_still_valid_ones_with_the_error) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), std::nullopt, std::nullopt};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now = t0 + 57min;  // 3 minutes left: mandatory
  auto creds = provider.get(error);
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->access_key_id, "A");
  EXPECT_EQ(error, "endpoint down");
  f.now += 5s;  // within mandatory_retry: no new attempt
  error.clear();
  ASSERT_TRUE(provider.get(error));
  EXPECT_EQ(error, "endpoint down");
  EXPECT_EQ(f.fetch.calls, 2);
  f.now += 6s;
  ASSERT_TRUE(provider.get(error));
  EXPECT_EQ(f.fetch.calls, 3);
}

TEST(refreshing_provider, expired_credentials_need_a_successful_fetch) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 + 1h), std::nullopt, expiring("B", t0 + 3h)};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now = t0 + 1h;  // expired
  EXPECT_FALSE(provider.get(error));
  EXPECT_EQ(error, "endpoint down");
  // Expired: no waiting for a retry time, the next caller tries again.
  EXPECT_EQ(provider.get(error)->access_key_id, "B");
  EXPECT_EQ(f.fetch.calls, 3);
}

TEST(refreshing_provider, credentials_fetched_already_expired_are_refused) {
  fixture f;
  f.fetch.answers = {expiring("A", t0 - 1s)};
  auto provider = f.make();
  std::string error;
  EXPECT_FALSE(provider.get(error));
  EXPECT_NE(error.find("have already expired; is the clock right?"), std::string::npos) << error;
  EXPECT_EQ(error.find("s-A"), std::string::npos);  // the secret is never in a message
}

TEST(refreshing_provider, long_term_credentials_are_fetched_once) {
  fixture f;
  f.fetch.answers = {credentials{.access_key_id = "AKIA", .secret_access_key = "s", .session_token = "",
                                 .expiration = std::nullopt, .source = "process"}};
  auto provider = f.make();
  std::string error;
  ASSERT_TRUE(provider.get(error));
  f.now += 24h * 365;
  ASSERT_TRUE(provider.get(error));
  EXPECT_EQ(f.fetch.calls, 1);
}

TEST(refreshing_provider, jitter_moves_the_advisory_window) {
  clock::time_point now = t0;
  int calls = 0;
  refreshing_credential_provider provider(
      [&](std::string&) -> std::optional<credentials> {
        ++calls;
        return expiring("A" + std::to_string(calls), now + 1h);
      },
      refresh_options{.policy = {}, .mandatory_retry = 10s, .now = [&] { return now; }, .random = [] { return 1.0; }});
  std::string error;
  ASSERT_TRUE(provider.get(error));
  now = t0 + 41min;  // 19 minutes left: inside 15 + 1.0 * 5 minutes
  EXPECT_EQ(provider.get(error)->access_key_id, "A2");
}

TEST(refreshing_provider, concurrent_callers_share_one_fetch) {
  std::atomic<int> calls{0};
  refreshing_credential_provider provider([&](std::string&) -> std::optional<credentials> {
    ++calls;
    std::this_thread::sleep_for(100ms);
    return expiring("A", clock::now() + 1h);
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      std::string error;
      if (provider.get(error)) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(calls.load(), 1);
}

TEST(refreshing_provider, concurrent_callers_share_a_failure_instead_of_retrying_each) {
  std::atomic<int> calls{0};
  refreshing_credential_provider provider([&](std::string& error) -> std::optional<credentials> {
    ++calls;
    std::this_thread::sleep_for(100ms);
    error = "down";
    return std::nullopt;
  });
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      std::string error;
      if (!provider.get(error) && error == "down") ++failed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 6);
  EXPECT_LT(calls.load(), 6);  // threads that arrived during a fetch took its outcome
}

TEST(refreshing_provider, a_throwing_fetch_is_an_error_not_a_stuck_provider) {
  refreshing_credential_provider provider(
      [](std::string&) -> std::optional<credentials> { throw std::runtime_error("boom"); });
  std::string error;
  EXPECT_FALSE(provider.get(error));
  EXPECT_EQ(error, "credential fetch failed: boom");
  EXPECT_FALSE(provider.get(error));  // not deadlocked on a fetch that never finished
}

}  // namespace
}  // namespace staticgate::aws

// How many times to query a name per run. An ALB's DNS name answers at most m (= 8) addresses per
// query, a random subset of a larger pool, so one run asks repeatedly and takes the union. The
// planner keeps asking (the caller may send queries in parallel batches: next_batch()) while new
// addresses keep appearing, and stops when k consecutive answers brought nothing new, k chosen so
// that an address still unseen is unlikely; or at max_lookups; or at once when an answer is short.
//
// Derivation. Let N be the pool size and each answer m distinct addresses drawn uniformly from it.
// For one particular address, P(absent from one answer) = C(N-1, m) / C(N, m) = 1 - m/N, and
// answers are independent, so P(absent from k answers) = (1 - m/N)^k. If u addresses are still
// unseen, by the union bound
//     P(k answers in a row bring nothing new) <= u * (1 - m/N)^k.
// We estimate N by the number of distinct addresses seen so far, D, and bound u by N as well
// (deliberately generous: the estimate is low early on). Requiring N * (1 - m/N)^k <= epsilon:
//     k = ceil( ln(epsilon / N) / ln(1 - m/N) ).
// N <= m is special: a pool that small is returned whole, so an answer with fewer than m (but at
// least one) addresses means everything has been seen and the planner stops at once. Having
// seen only m distinct addresses from full answers says the pool is at least m, but possibly
// m + 1 with one address unlucky so far; the formula then uses N = m + 1 (the smallest pool that
// still hides something) instead of dividing by zero and stopping after one answer.
// Example: N = 100, m = 8, epsilon = 1e-3 gives k = 139; seeing all of a 100-pool takes about
// (N/m) * H(N) ~ 65 answers, so a typical run is ~200 lookups.
// Empty answers count as lookups that brought nothing new; whether an empty answer makes the run
// a failure is the caller's business (sync_decision.hpp treats an empty union as one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

namespace staticgate::discovery {

struct stopping_options {
  std::uint32_t answer_size = 8;   // m: most addresses one answer holds (>= 1; 0 is read as 1)
  double epsilon = 1e-3;           // bound on P(an address of the pool is still unseen)
  std::uint32_t max_lookups = 256; // hard cap per run
  std::uint32_t batch_size = 8;    // queries in flight at once (next_batch())
};

// k above: consecutive answers with nothing new needed before stopping, for an estimated pool of
// `pool_estimate` addresses (clamped up to answer_size + 1), answers of `answer_size` addresses,
// and `epsilon` (a value outside (0, 1) is read as 1e-3). Saturates at UINT32_MAX.
std::uint32_t quiet_answers_needed(std::size_t pool_estimate, std::uint32_t answer_size, double epsilon);

class lookup_planner {
 public:
  explicit lookup_planner(stopping_options options);

  // One answer (possibly empty) of one query. Answers may be recorded in any order.
  void record_answer(const std::set<std::string>& answer);

  bool should_continue() const;
  // How many queries to send next (0 when done): at most batch_size and at most what is left
  // of max_lookups. Answers to queries already in flight may still be recorded after a stop.
  std::uint32_t next_batch() const;

  std::uint32_t lookups() const { return lookups_; }
  std::size_t distinct() const { return seen_.size(); }
  const std::set<std::string>& seen() const { return seen_; }
  std::uint32_t quiet_streak() const { return quiet_; }
  bool saw_short_answer() const { return short_answer_; }

 private:
  const stopping_options options_;
  std::set<std::string> seen_;
  std::uint32_t lookups_ = 0;
  std::uint32_t quiet_ = 0;  // consecutive answers that brought nothing new
  bool short_answer_ = false;
};

}  // namespace staticgate::discovery

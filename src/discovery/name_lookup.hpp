// One sync run's lookup of one DNS name: query it repeatedly (in parallel batches, as
// lookup_planner says) for each asked family and take the union, because each answer holds only
// a random part of the name's addresses. I/O through a dns::resolver; the decision of what the
// union means is sync_decision's.
//
// How failures fold into the outcome (lookup_outcome in sync_decision.hpp):
//  - NODATA (the name exists, no record of that family) is an empty answer, not a failure.
//  - Any other error fails that query. A family stops after `parallel` failures in a row (the
//    server is down or refuses: asking more only waits longer) or when the planner stops.
//  - ok: at least one query of the name answered (possibly empty). complete: no query failed.
//    error: the failures by kind, "3 x timeout, 1 x servfail".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "discovery/stopping_rule.hpp"
#include "discovery/sync_decision.hpp"
#include "dns/resolver.hpp"
#include "net/event_loop.hpp"

namespace staticgate::discovery {

struct lookup_report {
  lookup_outcome outcome;
  std::uint32_t lookups = 0;                 // queries answered or failed, all families
  std::map<std::string, std::uint64_t> failures;  // by kind: "timeout", "servfail", ...
  std::uint32_t truncated_retried_over_tcp = 0;
  std::uint32_t min_ttl_seconds = 0;          // over every answer; 0 when none
  std::chrono::milliseconds elapsed{0};
};

struct name_lookup_options {
  bool ipv4 = true;
  bool ipv6 = false;
  stopping_options stopping;  // batch_size = queries in flight per family
};

// Short, stable names of dns::errc values for metrics labels and messages.
std::string failure_kind(std::error_code ec);

// Starts at once; `done` runs once on the loop thread when every family has finished. The
// resolver must outlive the lookup; destroying the lookup before `done` is not supported (the
// owner cancels the resolver first, which completes every query).
class name_lookup : public std::enable_shared_from_this<name_lookup> {
 public:
  using callback = std::function<void(const lookup_report&)>;
  static std::shared_ptr<name_lookup> start(net::event_loop& loop, dns::resolver& resolver, std::string name,
                                            name_lookup_options options, callback done);

  name_lookup(net::event_loop& loop, dns::resolver& resolver, std::string name, name_lookup_options options,
              callback done);

 private:
  struct family_run {
    int family;
    lookup_planner planner;
    std::uint32_t in_flight = 0;
    std::uint32_t failures_in_a_row = 0;
    std::uint32_t answered = 0;
    bool stopped = false;
  };

  void begin();
  void send_more(family_run& run);
  void on_answer(family_run& run, std::error_code ec, const dns::dns_answer& answer);
  void finish_if_done();

  net::event_loop& loop_;
  dns::resolver& resolver_;
  const std::string name_;
  const name_lookup_options options_;
  callback done_;
  std::vector<std::unique_ptr<family_run>> runs_;
  lookup_report report_;
  net::clock::time_point started_;
  bool finished_ = false;
};

}  // namespace staticgate::discovery

#include "discovery/name_lookup.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "discovery/state_codec.hpp"

namespace staticgate::discovery {

std::string failure_kind(std::error_code ec) {
  if (ec.category() != dns::category()) return "other";
  switch (static_cast<dns::errc>(ec.value())) {
    case dns::errc::nxdomain: return "nxdomain";
    case dns::errc::servfail: return "servfail";
    case dns::errc::refused: return "refused";
    case dns::errc::timeout: return "timeout";
    case dns::errc::no_data: return "no_data";
    case dns::errc::bad_response: return "bad_response";
    case dns::errc::connection_refused: return "connection_refused";
    case dns::errc::cancelled: return "cancelled";
    case dns::errc::other: return "other";
  }
  return "other";
}

std::shared_ptr<name_lookup> name_lookup::start(net::event_loop& loop, dns::resolver& resolver, std::string name,
                                                name_lookup_options options, callback done) {
  auto lookup = std::make_shared<name_lookup>(loop, resolver, std::move(name), options, std::move(done));
  lookup->begin();
  return lookup;
}

name_lookup::name_lookup(net::event_loop& loop, dns::resolver& resolver, std::string name,
                         name_lookup_options options, callback done)
    : loop_(loop), resolver_(resolver), name_(std::move(name)), options_(options), done_(std::move(done)) {}

void name_lookup::begin() {
  started_ = net::clock::now();
  report_.outcome.ok = false;
  if (options_.ipv4) runs_.push_back(std::make_unique<family_run>(family_run{AF_INET, lookup_planner(options_.stopping)}));
  if (options_.ipv6) runs_.push_back(std::make_unique<family_run>(family_run{AF_INET6, lookup_planner(options_.stopping)}));
  // Keep this object alive while queries are out, whoever holds the returned pointer.
  auto self = shared_from_this();
  for (auto& run : runs_) send_more(*run);
  finish_if_done();
}

void name_lookup::send_more(family_run& run) {
  if (run.stopped) return;
  const std::uint32_t batch = std::max<std::uint32_t>(options_.stopping.batch_size, 1);
  while (run.in_flight < batch) {
    // The planner counts answers already in; queries in flight will count too.
    const std::uint32_t asked = run.planner.lookups() + run.in_flight;
    if (!run.planner.should_continue() || asked >= options_.stopping.max_lookups) break;
    ++run.in_flight;
    resolver_.resolve(name_, run.family, [self = shared_from_this(), &run](std::error_code ec, dns::dns_answer answer) {
      self->on_answer(run, ec, answer);
    });
    if (run.stopped) break;
  }
}

void name_lookup::on_answer(family_run& run, std::error_code ec, const dns::dns_answer& answer) {
  --run.in_flight;
  ++report_.lookups;
  std::set<std::string> addresses;
  if (!ec || ec == dns::errc::no_data) {
    run.failures_in_a_row = 0;
    ++run.answered;
    report_.outcome.ok = true;
    for (const auto& text : answer.addresses)
      if (auto canonical = canonical_ip(text)) addresses.insert(*canonical);
    if (answer.truncated_retried_over_tcp) ++report_.truncated_retried_over_tcp;
    if (!ec && (report_.min_ttl_seconds == 0 || answer.ttl_seconds < report_.min_ttl_seconds))
      report_.min_ttl_seconds = answer.ttl_seconds;
    report_.outcome.addresses.insert(addresses.begin(), addresses.end());
  } else {
    ++report_.failures[failure_kind(ec)];
    report_.outcome.complete = false;
    if (++run.failures_in_a_row >= std::max<std::uint32_t>(options_.stopping.batch_size, 1) ||
        ec == dns::errc::cancelled)
      run.stopped = true;
  }
  run.planner.record_answer(addresses);
  if (!run.planner.should_continue()) run.stopped = true;
  // A failure is not replaced while other queries are out: if the server is down they are
  // failing too, and the family stops after `parallel` failures without sending more.
  if (!ec || ec == dns::errc::no_data || run.in_flight == 0) send_more(run);
  finish_if_done();
}

void name_lookup::finish_if_done() {
  if (finished_) return;
  for (const auto& run : runs_)
    if (run->in_flight > 0 || (!run->stopped && run->planner.should_continue())) return;
  finished_ = true;
  report_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(net::clock::now() - started_);
  if (!report_.failures.empty()) {
    std::string error;
    for (const auto& [kind, count] : report_.failures)
      error += (error.empty() ? "" : ", ") + std::to_string(count) + " x " + kind;
    report_.outcome.error = error + " of " + std::to_string(report_.lookups) + " queries";
  }
  if (!report_.outcome.ok && report_.outcome.error.empty()) report_.outcome.error = "no query was sent";
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(report_);
}

}  // namespace staticgate::discovery

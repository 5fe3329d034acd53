#include "discovery/sync_report_format.hpp"

#include <fmt/format.h>

namespace staticgate::discovery {
namespace {

std::string list(const std::set<std::string>& items) {
  if (items.empty()) return "-";
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

}  // namespace

int exit_status(const run_report& report) {
  if (report.any_failure()) return sync_lookup_or_state_failed;
  for (const auto& n : report.names)
    if (n.decision.breaker_tripped) return sync_breaker_tripped;
  return sync_ok;
}

nlohmann::json report_to_json(const run_report& report, bool dry_run) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& n : report.names) {
    nlohmann::json pending = nlohmann::json::object();
    for (const auto& [address, entry] : n.decision.next.pending)
      pending[address] = {{"misses", entry.misses}, {"first_missed_unix_ms", entry.first_missed_unix_ms}};
    nlohmann::json failures = nlohmann::json::object();
    for (const auto& [kind, count] : n.lookup.failures) failures[kind] = count;
    names.push_back({
        {"target_group", n.target_group},
        {"name", n.name},
        {"ok", n.lookup.outcome.ok && !n.decision.changed_nothing_because_of_failure},
        {"complete", n.lookup.outcome.complete},
        {"error", n.lookup.outcome.error},
        {"lookups", n.lookup.lookups},
        {"elapsed_ms", n.lookup.elapsed.count()},
        {"min_ttl_seconds", n.lookup.min_ttl_seconds},
        {"truncated_retried_over_tcp", n.lookup.truncated_retried_over_tcp},
        {"failures", failures},
        {"seen", n.lookup.outcome.addresses},
        {"register", n.decision.to_register},
        {"deregister", n.decision.to_deregister},
        {"active", n.decision.next.active},
        {"pending", pending},
        {"breaker_tripped", n.decision.breaker_tripped},
        {"warnings", n.decision.warnings},
        {"state_error", n.state_error},
    });
  }
  return {{"dry_run", dry_run}, {"exit_status", exit_status(report)}, {"names", names}};
}

std::string report_to_table(const run_report& report, bool dry_run) {
  std::string out;
  for (const auto& n : report.names) {
    out += fmt::format("{}/{}: {} address(es) seen in {} lookup(s), {} ms{}\n", n.target_group, n.name,
                       n.lookup.outcome.addresses.size(), n.lookup.lookups, n.lookup.elapsed.count(),
                       n.lookup.outcome.error.empty() ? "" : " (" + n.lookup.outcome.error + ")");
    const char* verb = dry_run ? "would " : "";
    out += fmt::format("  {}register:   {}\n", verb, list(n.decision.to_register));
    out += fmt::format("  {}deregister: {}\n", verb, list(n.decision.to_deregister));
    std::string pending;
    for (const auto& [address, entry] : n.decision.next.pending)
      pending += (pending.empty() ? "" : " ") + address + " (" + std::to_string(entry.misses) + " miss" +
                 (entry.misses == 1 ? "" : "es") + ")";
    out += fmt::format("  active: {}   pending: {}\n", n.decision.next.active.size(), pending.empty() ? "-" : pending);
    for (const auto& w : n.decision.warnings) out += "  warning: " + w + "\n";
    if (!n.state_error.empty()) out += "  state: " + n.state_error + "\n";
  }
  if (dry_run) out += "dry run: no state saved\n";
  return out;
}

}  // namespace staticgate::discovery

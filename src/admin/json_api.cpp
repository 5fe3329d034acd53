#include "admin/json_api.hpp"

namespace staticgate::admin {

namespace {

// Seconds as a number; bucket counts cumulative, the last one (le "+Inf")
// equal to count.
nlohmann::json histogram_to_json(const ingress::histogram_snapshot& h) {
  auto buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < h.upper_bounds_us.size(); ++i) {
    buckets.push_back({{"le", static_cast<double>(h.upper_bounds_us[i]) / 1e6},
                       {"count", i < h.cumulative.size() ? h.cumulative[i] : h.count}});
  }
  buckets.push_back({{"le", "+Inf"}, {"count", h.count}});
  return {{"count", h.count}, {"sum_seconds", static_cast<double>(h.sum_us) / 1e6}, {"buckets", std::move(buckets)}};
}

}  // namespace

std::string target_state(const ingress::target_snapshot& t) {
  if (t.draining) return "draining";
  if (t.drained) return "drained";
  if (t.health_checked && !t.healthy) return "unhealthy";
  return "healthy";
}

nlohmann::json target_to_json(const ingress::target_snapshot& t) {
  return {
      {"address", t.address},
      {"state", target_state(t)},
      {"health_checked", t.health_checked},
      {"healthy", t.healthy},
      {"drained", t.drained},
      {"draining", t.draining},
      {"eligible", t.eligible},
      {"active", t.active},
      {"connections", t.connections},
      {"connect_failures", t.connect_failures},
      {"bytes_from_client", t.bytes_from_client},
      {"bytes_from_target", t.bytes_from_target},
      {"connect_time", histogram_to_json(t.connect_time)},
      {"duration", histogram_to_json(t.duration)},
  };
}

nlohmann::json listeners_to_json(const ingress::gateway_snapshot& s) {
  auto out = nlohmann::json::array();
  for (const auto& l : s.listeners) {
    out.push_back({
        {"name", l.name},
        {"target_group", l.target_group},
        {"binds", l.binds},
        {"max_connections", l.max_connections},
        {"active", l.active},
        {"accepted", l.accepted},
        {"rejected", l.rejected},
    });
  }
  return out;
}

nlohmann::json target_groups_to_json(const ingress::gateway_snapshot& s) {
  auto out = nlohmann::json::array();
  for (const auto& g : s.groups) {
    auto targets = nlohmann::json::array();
    for (const auto& t : g.targets) targets.push_back(target_to_json(t));
    out.push_back({{"name", g.name}, {"algorithm", g.algorithm}, {"targets", std::move(targets)}});
  }
  return out;
}

nlohmann::json discovery_to_json(const ingress::gateway_snapshot& s) {
  auto out = nlohmann::json::array();
  for (const auto& d : s.discovery) {
    out.push_back({
        {"target_group", d.target_group},
        {"name", d.name},
        {"addresses", d.addresses},
        {"pending", d.pending},
        {"runs", d.runs},
        {"failed_runs", d.failed_runs},
        {"last_lookups", d.last_lookups},
        {"last_run_seconds", d.last_run_seconds},
        {"lookup_failures", d.lookup_failures},
        {"registrations", d.registrations},
        {"deregistrations", d.deregistrations},
        {"breaker_trips", d.breaker_trips},
        {"last_success_unix_ms", d.last_success_unix_ms},
        {"state_error", d.state_error},
        {"external_target", d.external_target},
        {"target_error", d.target_error},
        {"target_failures", d.target_failures},
    });
  }
  return out;
}

nlohmann::json egress_to_json(const ingress::gateway_snapshot& s) {
  auto traffic = [](const std::vector<ingress::egress_traffic_snapshot>& list) {
    auto out = nlohmann::json::array();
    for (const auto& t : list)
      out.push_back({{"key", t.key},
                     {"tunnels", t.connections},
                     {"active", t.active},
                     {"bytes_from_client", t.bytes_from_client},
                     {"bytes_from_destination", t.bytes_from_target}});
    return out;
  };
  auto out = nlohmann::json::array();
  for (const auto& x : s.egress)
    out.push_back({{"name", x.name},
                   {"binds", x.binds},
                   {"accepted", x.accepted},
                   {"active", x.active},
                   {"results", x.results},
                   {"users", traffic(x.users)},
                   {"source_addresses", traffic(x.sources)}});
  return out;
}

nlohmann::json to_json(const ingress::gateway_snapshot& s) {
  return {
      {"egress", egress_to_json(s)},
      {"discovery", discovery_to_json(s)},
      {"version", s.version},
      {"workers", s.workers},
      {"uptime_seconds", s.uptime_seconds},
      {"listeners", listeners_to_json(s)},
      {"target_groups", target_groups_to_json(s)},
  };
}

}  // namespace staticgate::admin

#include "admin/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

namespace staticgate::admin {

namespace {

using label_list = std::vector<std::pair<std::string_view, std::string_view>>;

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

// Writes one family at a time: HELP and TYPE before its first sample, so a
// family without samples leaves no trace.
class exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    type_ = type;
    help_ = help;
    header_written_ = false;
  }

  // suffix: "" or "_bucket", "_sum", "_count" (histograms).
  void sample(std::string_view suffix, const label_list& labels, std::string_view value) {
    if (!header_written_) {
      out_ += "# HELP ";
      out_ += name_;
      out_ += ' ';
      out_ += help_;  // our help texts contain neither '\\' nor newlines
      out_ += "\n# TYPE ";
      out_ += name_;
      out_ += ' ';
      out_ += type_;
      out_ += '\n';
      header_written_ = true;
    }
    out_ += name_;
    out_ += suffix;
    if (!labels.empty()) {
      out_ += '{';
      bool first = true;
      for (const auto& [key, val] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += key;
        out_ += "=\"";
        out_ += escape_label_value(val);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  void sample(const label_list& labels, std::uint64_t value) { sample("", labels, std::to_string(value)); }
  void sample(const label_list& labels, std::int64_t value) { sample("", labels, std::to_string(value)); }
  void sample(const label_list& labels, double value) { sample("", labels, format_double(value)); }
  void sample(const label_list& labels, bool value) { sample("", labels, value ? "1" : "0"); }

  void histogram(const label_list& labels, const ingress::histogram_snapshot& h) {
    label_list with_le = labels;
    with_le.emplace_back("le", "");
    std::string le;
    for (std::size_t i = 0; i < h.upper_bounds_us.size(); ++i) {
      le = format_micros_as_seconds(h.upper_bounds_us[i]);
      with_le.back().second = le;
      sample("_bucket", with_le, std::to_string(i < h.cumulative.size() ? h.cumulative[i] : h.count));
    }
    // The +Inf bucket is the count by definition; taking both from one field
    // keeps them equal even if a snapshot were torn.
    with_le.back().second = "+Inf";
    sample("_bucket", with_le, std::to_string(h.count));
    sample("_sum", labels, format_micros_as_seconds(h.sum_us));
    sample("_count", labels, std::to_string(h.count));
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string_view name_, type_, help_;
  bool header_written_ = false;
};

using listener_fn = std::function<void(exposition&, const label_list&, const ingress::listener_snapshot&)>;
using target_fn = std::function<void(exposition&, const label_list&, const ingress::target_snapshot&)>;

void listener_family(exposition& e, const ingress::gateway_snapshot& s, std::string_view name, std::string_view type,
                     std::string_view help, const listener_fn& fn) {
  e.family(name, type, help);
  for (const auto& l : s.listeners) fn(e, {{"listener", l.name}}, l);
}

void target_family(exposition& e, const ingress::gateway_snapshot& s, std::string_view name, std::string_view type,
                   std::string_view help, const target_fn& fn) {
  e.family(name, type, help);
  for (const auto& g : s.groups) {
    for (const auto& t : g.targets) fn(e, {{"target_group", g.name}, {"target", t.address}}, t);
  }
}

using discovery_fn = std::function<void(exposition&, const label_list&, const ingress::discovery_name_snapshot&)>;

void discovery_family(exposition& e, const ingress::gateway_snapshot& s, std::string_view name, std::string_view type,
                      std::string_view help, const discovery_fn& fn) {
  e.family(name, type, help);
  for (const auto& d : s.discovery) fn(e, {{"target_group", d.target_group}, {"name", d.name}}, d);
}

// DNS discovery, per (target group, name). staticgate_discovery_addresses is the AWS recipe's
// LoadBalancerIPCount.
void render_discovery(exposition& e, const ingress::gateway_snapshot& s) {
  using D = ingress::discovery_name_snapshot;
  discovery_family(e, s, "staticgate_discovery_addresses", "gauge",
                   "Addresses DNS discovery keeps for the name (pending ones included).",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.addresses); });
  discovery_family(e, s, "staticgate_discovery_pending_addresses", "gauge",
                   "Addresses missing from recent answers, counting towards deregistration.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.pending); });
  discovery_family(e, s, "staticgate_discovery_runs_total", "counter", "Sync runs of the name.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.runs); });
  discovery_family(e, s, "staticgate_discovery_failed_runs_total", "counter",
                   "Runs whose lookup failed or answered nothing, so nothing changed.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.failed_runs); });
  discovery_family(e, s, "staticgate_discovery_last_run_lookups", "gauge", "DNS queries the last run sent.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, std::uint64_t{v.last_lookups}); });
  discovery_family(e, s, "staticgate_discovery_last_run_duration_seconds", "gauge",
                   "Wall time of the last run's lookups.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.last_run_seconds); });
  e.family("staticgate_discovery_lookup_failures_total", "counter", "Failed DNS queries by kind.");
  for (const auto& d : s.discovery)
    for (const auto& [kind, count] : d.lookup_failures)
      e.sample({{"target_group", d.target_group}, {"name", d.name}, {"kind", kind}}, count);
  discovery_family(e, s, "staticgate_discovery_registrations_total", "counter", "Addresses registered.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.registrations); });
  discovery_family(e, s, "staticgate_discovery_deregistrations_total", "counter", "Addresses deregistered.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.deregistrations); });
  discovery_family(e, s, "staticgate_discovery_breaker_trips_total", "counter",
                   "Runs whose deregistrations the circuit breaker deferred.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.breaker_trips); });
  discovery_family(e, s, "staticgate_discovery_last_success_timestamp_seconds", "gauge",
                   "Unix time of the last run with a complete successful lookup (0: never).",
                   [](exposition& x, const label_list& l, const D& v) {
                     x.sample(l, static_cast<double>(v.last_success_unix_ms) / 1000.0);
                   });
  discovery_family(e, s, "staticgate_discovery_state_ok", "gauge",
                   "0 when the name's state file cannot be read or written.",
                   [](exposition& x, const label_list& l, const D& v) { x.sample(l, v.state_error.empty()); });
  // Only names whose group also feeds an AWS target group ([target_group.discovery.aws]).
  e.family("staticgate_discovery_target_group_failures_total", "counter",
           "Runs in which reading or changing the name's AWS target group failed.");
  for (const auto& d : s.discovery)
    if (!d.external_target.empty())
      e.sample({{"target_group", d.target_group}, {"name", d.name}, {"aws_target_group", d.external_target}},
               d.target_failures);
}

// The egress proxy, per server, and its traffic per user and per source address.
void render_egress(exposition& e, const ingress::gateway_snapshot& s) {
  e.family("staticgate_egress_accepted_total", "counter", "Client connections accepted by the egress server.");
  for (const auto& x : s.egress) e.sample({{"egress", x.name}}, x.accepted);
  e.family("staticgate_egress_active_connections", "gauge", "Egress connections open now (handshakes and tunnels).");
  for (const auto& x : s.egress) e.sample({{"egress", x.name}}, x.active);
  e.family("staticgate_egress_connections_finished_total", "counter",
           "Finished egress connections by result (closed, denied, auth_failed, connect_failed, ...).");
  for (const auto& x : s.egress)
    for (const auto& [result, n] : x.results) e.sample({{"egress", x.name}, {"result", result}}, n);
  using T = ingress::egress_traffic_snapshot;
  auto traffic = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    e.family(name, type, help);
    for (const auto& x : s.egress) {
      for (const T& u : x.users) e.sample({{"egress", x.name}, {"by", "user"}, {"key", u.key}}, value(u));
      for (const T& a : x.sources) e.sample({{"egress", x.name}, {"by", "source_address"}, {"key", a.key}}, value(a));
    }
  };
  traffic("staticgate_egress_tunnels_total", "counter", "Tunnels established, by user and by source address.",
          [](const T& t) { return t.connections; });
  traffic("staticgate_egress_active_tunnels", "gauge", "Tunnels open now, by user and by source address.",
          [](const T& t) { return t.active; });
  traffic("staticgate_egress_bytes_from_client_total", "counter", "Bytes clients sent through tunnels.",
          [](const T& t) { return t.bytes_from_client; });
  traffic("staticgate_egress_bytes_from_destination_total", "counter", "Bytes destinations sent back.",
          [](const T& t) { return t.bytes_from_target; });
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_micros_as_seconds(std::uint64_t us) {
  std::string out = std::to_string(us / 1'000'000);
  std::uint64_t frac = us % 1'000'000;
  if (frac == 0) return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + '.' + digits;
}

std::string render_metrics(const ingress::gateway_snapshot& s, const process_stats& process) {
  exposition e;
  using L = ingress::listener_snapshot;
  using T = ingress::target_snapshot;

  e.family("staticgate_build_info", "gauge", "Always 1; the version label names the running build.");
  e.sample({{"version", s.version}}, std::uint64_t{1});
  e.family("staticgate_workers", "gauge", "Worker threads carrying connections.");
  e.sample({}, std::uint64_t{s.workers});

  e.family("staticgate_process_open_fds", "gauge", "Open file descriptors of the process.");
  e.sample({}, process.open_fds);
  e.family("staticgate_process_resident_memory_bytes", "gauge", "Resident memory of the process in bytes.");
  e.sample({}, process.rss_bytes);
  e.family("staticgate_process_uptime_seconds", "gauge", "Seconds since the process started.");
  e.sample({}, process.uptime_seconds);

  listener_family(e, s, "staticgate_listener_active_connections", "gauge",
                  "Client connections currently open on the listener.",
                  [](exposition& x, const label_list& l, const L& v) { x.sample(l, v.active); });
  listener_family(e, s, "staticgate_listener_max_connections", "gauge",
                  "Configured limit of concurrent connections; 0 means unlimited.",
                  [](exposition& x, const label_list& l, const L& v) {
                    x.sample(l, std::uint64_t{v.max_connections});
                  });
  listener_family(e, s, "staticgate_listener_accepted_total", "counter", "Client connections accepted.",
                  [](exposition& x, const label_list& l, const L& v) { x.sample(l, v.accepted); });
  listener_family(e, s, "staticgate_listener_rejected_total", "counter",
                  "Client connections closed at once because max_connections was reached.",
                  [](exposition& x, const label_list& l, const L& v) { x.sample(l, v.rejected); });

  target_family(e, s, "staticgate_target_active_connections", "gauge", "Connections currently open to the target.",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.active); });
  target_family(e, s, "staticgate_target_connections_total", "counter", "Connections established to the target.",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.connections); });
  target_family(e, s, "staticgate_target_connect_failures_total", "counter",
                "Connection attempts to the target that failed (refused, timed out, ...).",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.connect_failures); });
  target_family(e, s, "staticgate_target_bytes_total", "counter",
                "Bytes forwarded, by direction: from_client (to the target) or from_target (to the client).",
                [](exposition& x, const label_list& l, const T& v) {
                  label_list with = l;
                  with.emplace_back("direction", "from_client");
                  x.sample(with, v.bytes_from_client);
                  with.back().second = "from_target";
                  x.sample(with, v.bytes_from_target);
                });
  target_family(e, s, "staticgate_target_healthy", "gauge",
                "1 when the last health verdict was healthy (always 1 without health checks).",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.healthy); });
  target_family(e, s, "staticgate_target_drained", "gauge", "1 when the target was drained by hand.",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.drained); });
  target_family(e, s, "staticgate_target_draining", "gauge",
                "1 when a reload removed the target and its connections are finishing (deregistration_delay).",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.draining); });
  target_family(e, s, "staticgate_target_eligible", "gauge", "1 when the target receives new connections now.",
                [](exposition& x, const label_list& l, const T& v) { x.sample(l, v.eligible); });
  target_family(e, s, "staticgate_target_connect_duration_seconds", "histogram",
                "Time to establish a connection to the target.",
                [](exposition& x, const label_list& l, const T& v) { x.histogram(l, v.connect_time); });
  target_family(e, s, "staticgate_target_connection_duration_seconds", "histogram",
                "Lifetime of established connections to the target, observed when they close.",
                [](exposition& x, const label_list& l, const T& v) { x.histogram(l, v.duration); });
  render_discovery(e, s);
  render_egress(e, s);
  return e.take();
}

}  // namespace staticgate::admin

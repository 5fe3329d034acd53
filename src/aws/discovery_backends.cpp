#include "aws/discovery_backends.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>

#include "aws/cloudwatch_publisher.hpp"
#include "aws/elbv2_target_group.hpp"
#include "aws/s3_state_store.hpp"

namespace staticgate::aws {

sync_figures figures_of(const discovery::name_run& run) {
  sync_figures f;
  f.target_group = run.target_group;
  f.name = run.name;
  const auto& outcome = run.lookup.outcome;
  if (outcome.ok) f.address_count = outcome.addresses.size();
  f.pending_deregistration = run.decision.next.pending.size();
  f.registered = run.decision.to_register.size();
  f.deregistered = run.decision.to_deregister.size();
  f.lookup_failures = std::accumulate(run.lookup.failures.begin(), run.lookup.failures.end(), std::size_t{0},
                                      [](std::size_t sum, const auto& kind) { return sum + kind.second; });
  f.sync_failed = !outcome.ok || !run.state_error.empty() || !run.target_error.empty();
  return f;
}

discovery::backends make_discovery_backends(const std::shared_ptr<aws_runtime>& runtime, const config::config& cfg,
                                            bool dry_run) {
  discovery::backends out;
  if (!runtime) return out;
  const auto& settings = runtime->settings();
  if (!settings.state_bucket.empty()) {
    s3_state_location where;
    where.region = runtime->region();
    where.bucket = settings.state_bucket;
    where.prefix = settings.state_prefix;
    if (auto it = settings.endpoints.find("s3"); it != settings.endpoints.end()) where.endpoint_url = it->second;
    out.store_description = "s3://" + where.bucket + "/" + where.prefix;
    out.store = std::make_unique<s3_state_store>(std::move(where), runtime->credentials(), runtime->options());
  }
  const bool any_target_group =
      std::any_of(cfg.target_groups.begin(), cfg.target_groups.end(), [](const auto& g) { return g.aws.has_value(); });
  if (any_target_group) {
    out.external_targets = [runtime](const config::target_group& g) -> std::shared_ptr<discovery::external_target_group> {
      if (!g.aws || !g.discovery) return nullptr;
      return std::make_shared<elbv2_target_group>(runtime->client("elasticloadbalancing", g.aws->region),
                                                  g.aws->target_group_arn, g.discovery->port,
                                                  g.aws->availability_zone_all);
    };
  }
  if (!settings.cloudwatch_namespace.empty() && !dry_run) {
    auto publisher = std::make_shared<cloudwatch_publisher>(*runtime->client("monitoring"), settings.cloudwatch_namespace);
    // The publisher holds a reference to the client; the runtime keeps the client alive.
    out.observer = [runtime, publisher](const discovery::run_report& report) {
      const auto at = std::chrono::system_clock::now();
      std::vector<metric_datum> data;
      for (const auto& run : report.names) {
        auto more = sync_metric_data(figures_of(run), at);
        data.insert(data.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      }
      if (data.empty()) return;
      auto result = publisher->publish(data);
      if (!result.ok)
        spdlog::warn("cloudwatch: publishing {} figures failed: {}", data.size(), result.error);
    };
  }
  return out;
}

}  // namespace staticgate::aws

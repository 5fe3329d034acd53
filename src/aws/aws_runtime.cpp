#include "aws/aws_runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "aws/credential_provider_factory.hpp"
#include "config/model.hpp"

namespace staticgate::aws {

bool uses_aws(const config::config& cfg) {
  const auto& a = cfg.aws;
  return !a.state_bucket.empty() || !a.cloudwatch_namespace.empty() || !a.elastic_ips.empty() ||
         std::any_of(cfg.target_groups.begin(), cfg.target_groups.end(), [](const auto& g) { return g.aws.has_value(); });
}

std::shared_ptr<aws_runtime> aws_runtime::create(const config::config& cfg, std::string& error) {
  const auto& a = cfg.aws;
  provider_options options;
  options.region = a.region;
  if (auto it = a.endpoints.find("sts"); it != a.endpoints.end()) options.sts_endpoint_url = it->second;
  // [aws] profile stands in for AWS_PROFILE, so the chain reads it exactly as the CLI would.
  auto environment = process_environment();
  if (!a.profile.empty()) {
    options.getenv = [environment, profile = a.profile](std::string_view name) -> std::optional<std::string> {
      if (name == "AWS_PROFILE") return profile;
      return environment(name);
    };
  }
  auto setup = find_credential_provider(options);
  if (!setup.provider) {
    error = "AWS credentials: " + setup.error;
    return nullptr;
  }
  const bool needs_region = !a.state_bucket.empty() || !a.cloudwatch_namespace.empty() || !a.elastic_ips.empty();
  if (needs_region && setup.region.empty()) {
    error = "no AWS region: set region in [aws], or AWS_REGION, or region in the profile";
    return nullptr;
  }
  spdlog::info("aws: region {}, credentials from profile {} chain", setup.region.empty() ? "(from ARNs)" : setup.region,
               setup.profile);
  return std::make_shared<aws_runtime>(a, setup.provider, setup.region);
}

aws_runtime::aws_runtime(config::aws_settings settings, std::shared_ptr<credential_provider> credentials,
                         std::string region, service_client_options options)
    : settings_(std::move(settings)),
      credentials_(std::move(credentials)),
      region_(std::move(region)),
      options_(std::move(options)) {
  // Short enough that a stuck endpoint cannot hold a discovery run (or a shutdown) for long:
  // three attempts of at most 10 s each.
  if (options_.http.timeout > std::chrono::seconds(10)) options_.http.timeout = std::chrono::seconds(10);
}

std::shared_ptr<service_client> aws_runtime::client(std::string_view service, std::string_view region) {
  const std::string where(region.empty() ? std::string_view(region_) : region);
  const std::string key = std::string(service) + "|" + where;
  std::lock_guard lock(mutex_);
  auto& slot = clients_[key];
  if (!slot) {
    std::string override_url;
    if (auto it = settings_.endpoints.find(std::string(service)); it != settings_.endpoints.end())
      override_url = it->second;
    slot = std::make_shared<service_client>(endpoint_for(service, where.empty() ? "us-east-1" : where, override_url),
                                            credentials_, options_);
  }
  return slot;
}

}  // namespace staticgate::aws

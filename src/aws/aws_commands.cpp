#include "aws/aws_commands.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "aws/aws_runtime.hpp"
#include "aws/discovery_backends.hpp"
#include "aws/eip_reconciler.hpp"
#include "aws/eip_report_format.hpp"
#include "aws/iam_policy.hpp"
#include "discovery/sync_command.hpp"
#include "discovery/sync_report_format.hpp"

namespace staticgate::aws {

namespace {

// [aws] region, else the environment's (as the SDKs), else the first target group ARN's.
std::string policy_region(const config::config& cfg) {
  if (!cfg.aws.region.empty()) return cfg.aws.region;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (const char* v = std::getenv(name); v && *v) return v;
  for (const auto& g : cfg.target_groups)
    if (g.aws) return g.aws->region;
  return {};
}

}  // namespace

int run_iam_policy_command(const config::config& cfg, std::ostream& out, std::ostream& err) {
  if (!uses_aws(cfg)) {
    err << "aws iam-policy: the config uses no AWS feature ([target_group.discovery.aws], [aws.state], "
           "[aws.cloudwatch], [[aws.elastic_ip]])\n";
    return aws_command_usage_error;
  }
  std::string error;
  auto policy = render_iam_policy(iam_policy_input_for(cfg, policy_region(cfg)), error);
  if (!policy) {
    err << "aws iam-policy: " << error << "\n";
    return aws_command_usage_error;
  }
  out << *policy << "\n";
  return aws_command_ok;
}

int run_reconcile_command(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err) {
  if (cfg.aws.elastic_ips.empty()) {
    err << "aws reconcile: the config has no [[aws.elastic_ip]] binding\n";
    return aws_command_usage_error;
  }
  std::string error;
  auto runtime = aws_runtime::create(cfg, error);
  if (!runtime) {
    err << "aws reconcile: " << error << "\n";
    return aws_command_usage_error;
  }
  auto ec2 = runtime->client("ec2");
  std::size_t errors = 0;
  nlohmann::json document = nlohmann::json::array();
  for (const auto& binding : cfg.aws.elastic_ips) {
    eip_reconcile_options options;
    options.dry_run = dry_run;
    auto result = reconcile_eip_binding(*ec2, binding, options);
    // An interface left without an address is a function without its fixed egress address.
    errors += result.error_count() + result.plan.interfaces_without_address.size();
    if (json)
      document.push_back(eip_result_to_json(result));
    else
      out << eip_result_to_text(result);
  }
  if (json) out << document.dump(2) << "\n";
  return errors == 0 ? aws_command_ok : aws_command_failed;
}

int run_sync_once_with_aws(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err) {
  if (!uses_aws(cfg)) return discovery::run_sync_once(cfg, dry_run, json, out, err);
  std::string error;
  auto runtime = aws_runtime::create(cfg, error);
  if (!runtime) {
    err << "sync: " << error << "\n";
    return discovery::sync_usage_error;
  }
  return discovery::run_sync_once(cfg, dry_run, json, out, err, make_discovery_backends(runtime, cfg, dry_run));
}

}  // namespace staticgate::aws

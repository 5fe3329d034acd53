#include "aws/lambda_function.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

#include "aws/aws_runtime.hpp"
#include "aws/discovery_backends.hpp"
#include "aws/eip_reconciler.hpp"
#include "aws/eip_report_format.hpp"
#include "aws/lambda_runtime.hpp"
#include "config/load.hpp"
#include "discovery/sync_command.hpp"
#include "discovery/sync_report_format.hpp"

namespace staticgate::aws {

namespace {

// {"dry_run": true} in the event decides and reports without changing anything; any other
// event (EventBridge's scheduled-event document, {}) is a normal run.
bool dry_run_requested(const std::string& payload) {
  auto event = nlohmann::json::parse(payload, nullptr, false);
  if (!event.is_object()) return false;
  auto it = event.find("dry_run");
  return it != event.end() && it->is_boolean() && it->get<bool>();
}

lambda::invocation_result handle(const config::config& cfg, const std::shared_ptr<aws_runtime>& runtime,
                                 const lambda::invocation& call) {
  const bool dry_run = dry_run_requested(call.payload);
  nlohmann::json response = {{"dry_run", dry_run}};
  std::vector<std::string> failures;
  if (discovery::has_discovery(cfg)) {
    std::ostringstream out, err;
    const int status =
        discovery::run_sync_once(cfg, dry_run, true, out, err, make_discovery_backends(runtime, cfg, dry_run));
    auto report = nlohmann::json::parse(out.str(), nullptr, false);
    response["sync"] = report.is_discarded() ? nlohmann::json(nullptr) : report;
    response["sync_exit_status"] = status;
    if (!err.str().empty()) response["sync_errors"] = err.str();
    if (status == discovery::sync_lookup_or_state_failed || status == discovery::sync_usage_error)
      failures.push_back("sync exit status " + std::to_string(status) + (err.str().empty() ? "" : ": " + err.str()));
  }
  if (!cfg.aws.elastic_ips.empty()) {
    auto ec2 = runtime->client("ec2");
    nlohmann::json bindings = nlohmann::json::array();
    for (const auto& binding : cfg.aws.elastic_ips) {
      eip_reconcile_options options;
      options.dry_run = dry_run;
      auto result = reconcile_eip_binding(*ec2, binding, options);
      if (result.error_count() > 0 || !result.plan.interfaces_without_address.empty())
        failures.push_back("elastic ip " + result.summary());
      bindings.push_back(eip_result_to_json(result));
    }
    response["elastic_ips"] = std::move(bindings);
  }
  // A failed run is a failed invocation, so Lambda's Errors metric and alarms see it; the
  // next scheduled run retries.
  if (!failures.empty()) {
    std::string message;
    for (const auto& f : failures) message += (message.empty() ? "" : "; ") + f;
    spdlog::error("invocation {}: {}", call.request_id, message);
    spdlog::info("report: {}", response.dump());
    return lambda::invocation_result::failure("StaticgateRunFailed", message);
  }
  return lambda::invocation_result::success(std::move(response));
}

}  // namespace

std::string lambda_config_path() {
  if (const char* path = std::getenv("STATICGATE_CONFIG"); path && *path) return path;
  if (const char* root = std::getenv("LAMBDA_TASK_ROOT"); root && *root) return std::string(root) + "/staticgate.toml";
  return "staticgate.toml";
}

int run_lambda_function(const std::string& config_path) {
  std::string error;
  auto options = lambda::options_from_environment(error);
  if (!options) {
    spdlog::critical("lambda: {}", error);
    return 1;
  }
  auto loaded = config::load_file(config_path);
  if (!loaded.ok()) {
    std::string errors;
    for (const auto& d : loaded.errors) errors += d.to_string() + "\n";
    spdlog::critical("lambda: config {}:\n{}", config_path, errors);
    lambda::report_init_error(*options, "ConfigError", errors);
    return 1;
  }
  const auto& cfg = *loaded.value;
  if (discovery::has_discovery(cfg) && cfg.aws.state_bucket.empty()) {
    // A sandbox's disk does not outlive it: state files would be forgotten between
    // invocations, and with them every pending deregistration.
    const std::string why = "discovery in Lambda needs its state in S3: add [aws.state] bucket = \"...\"";
    spdlog::critical("lambda: {}", why);
    lambda::report_init_error(*options, "ConfigError", why);
    return 1;
  }
  auto runtime = aws_runtime::create(cfg, error);
  if (!runtime) {
    spdlog::critical("lambda: {}", error);
    lambda::report_init_error(*options, "AwsSetupError", error);
    return 1;
  }
  spdlog::info("lambda: config {}, waiting for invocations", config_path);
  return lambda::run_runtime(*options, [&](const lambda::invocation& call) { return handle(cfg, runtime, call); })
      .exit_code();
}

}  // namespace staticgate::aws

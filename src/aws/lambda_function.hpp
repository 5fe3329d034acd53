// staticgate as an AWS Lambda function (provided.al2023, the binary renamed `bootstrap`): the
// replacement for the recipe's scheduled Python function. Each invocation (an EventBridge
// schedule) is one `sync --once` of every discovery group plus one reconcile of every Elastic
// IP binding; the response is their JSON report. The config is read once per sandbox.
#pragma once

#include <string>

namespace staticgate::aws {

// Where the config is: $STATICGATE_CONFIG, else $LAMBDA_TASK_ROOT/staticgate.toml (the zip's
// root), else ./staticgate.toml.
std::string lambda_config_path();

// Runs the Runtime API loop (AWS_LAMBDA_RUNTIME_API) until the runtime goes away; returns the
// process exit status. A config or credential problem is reported as an init error.
int run_lambda_function(const std::string& config_path);

}  // namespace staticgate::aws

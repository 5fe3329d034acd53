// The `staticgate aws ...` commands and the AWS side of `sync --once`: each loads what it needs
// from the config, talks to AWS through aws_runtime and returns the process exit status.
#pragma once

#include <ostream>

#include "config/model.hpp"

namespace staticgate::aws {

// Exit statuses shared by the AWS commands.
inline constexpr int aws_command_ok = 0;
inline constexpr int aws_command_failed = 1;       // an AWS call failed, or a binding has errors
inline constexpr int aws_command_usage_error = 2;  // bad config, nothing to do, no credentials

// `staticgate aws iam-policy -c FILE`: the least-privilege IAM policy for the config, as JSON.
// Needs no credentials: the account and region come from the target group ARNs and [aws].
int run_iam_policy_command(const config::config& cfg, std::ostream& out, std::ostream& err);

// `staticgate aws reconcile -c FILE [--dry-run] [--json]`: one pass of the Elastic IP
// reconciler over every [[aws.elastic_ip]] binding; --dry-run prints the plan only.
int run_reconcile_command(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err);

// `staticgate sync --once` with AWS mode when the config uses it (S3 state, NLB target groups,
// CloudWatch), else the plain file-state run.
int run_sync_once_with_aws(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err);

}  // namespace staticgate::aws

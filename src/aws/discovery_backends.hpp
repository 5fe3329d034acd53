// AWS mode for DNS discovery: the discovery::backends that make a controller keep its state in
// S3 ([aws.state]), feed NLB target groups ([target_group.discovery.aws]) and publish its
// figures to CloudWatch ([aws.cloudwatch]). Discovery itself knows nothing of AWS; the app
// passes these in.
#pragma once

#include <memory>

#include "aws/aws_runtime.hpp"
#include "aws/cloudwatch_metrics.hpp"
#include "discovery/backends.hpp"

namespace staticgate::aws {

// dry_run: no CloudWatch observer (a dry run reports, it does not publish).
discovery::backends make_discovery_backends(const std::shared_ptr<aws_runtime>& runtime, const config::config& cfg,
                                            bool dry_run);

// The CloudWatch figures of one (group, name) run: the address count is what DNS answered
// this run (the recipe's LoadBalancerIPCount), absent when the lookup failed.
sync_figures figures_of(const discovery::name_run& run);

}  // namespace staticgate::aws

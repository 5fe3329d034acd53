// What each statement grants, and the sources checked for it (the Service Authorization
// Reference tables "Actions, resources, and condition keys for ..."; the same data ships in
// cfn-lint's data/AdditionalSpecs/Policies.json; the unit test runs cfn-lint when installed):
//
// ELBv2 (list_elasticloadbalancingv2): DescribeTargetHealth has no resource type, so it takes
//   Resource "*"; RegisterTargets and DeregisterTargets require "targetgroup"
//   (arn:${Partition}:elasticloadbalancing:${Region}:${Account}:targetgroup/NAME/ID), so they get
//   the configured target groups only.
//   Not granted: the EC2 Describe* calls the ELB guide's "Elastic Load Balancing API permissions"
//   page lists beside RegisterTargets (DescribeInstances, DescribeInternetGateways,
//   DescribeSubnets, DescribeVpcs). Deployments of AWS's recipe for ALB addresses in an NLB
//   target group (e.g. the Terraform module Adaptavist/terraform-module-aws-static-ip-nlb-alb)
//   register ip targets with RegisterTargets on the target group ARN and no EC2 permission at
//   all; add them here if AccessDenied ever names one.
// CloudWatch (list_amazoncloudwatch, and "Using condition keys to limit access to CloudWatch
//   namespaces"): PutMetricData has no resource type; Resource "*" with StringEquals on
//   cloudwatch:namespace confines it to our namespace.
// S3 (list_amazons3): GetObject and PutObject take "object" (arn:${Partition}:s3:::BUCKET/KEY),
//   ListBucket takes "bucket". GetObject's API reference: for a missing key S3 answers 404 only
//   to a caller that may s3:ListBucket the bucket, 403 otherwise; the state store needs the 404
//   to tell "no state yet" from "denied". S3 evaluates s3:prefix as the requested key for that
//   decision (Ceph RGW copied this behaviour in ceph/ceph#68577), so ListBucket stays limited to
//   the prefix. Conditional writes (If-Match / If-None-Match) need nothing beyond s3:PutObject.
// EC2 (list_amazonec2): DescribeNetworkInterfaces and DescribeAddresses have no resource type;
//   AssociateAddress takes "elastic-ip" (arn:${Partition}:ec2:${Region}:${Account}:elastic-ip/
//   ALLOCATION-ID), "network-interface" and "instance". We grant the configured allocations and
//   network-interface/* (Lambda creates the interfaces at any time; their ids cannot be known in
//   advance), and no instance.
#include "aws/iam_policy.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/aws_identifiers.hpp"
#include "config/model.hpp"

namespace staticgate::aws {

namespace {

using json = nlohmann::ordered_json;

// Values in order, each once.
std::vector<std::string> unique(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values)
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Why `prefix` cannot go into an S3 ARN, or "". '*' and '?' are IAM wildcards and "${" opens a
// policy variable: a key prefix holding them would grant more (or other) than it says.
std::string s3_prefix_problem(std::string_view prefix) {
  if (prefix.starts_with('/')) return "must not start with '/' (S3 keys have no leading slash)";
  if (prefix.size() > 1024) return "must be at most 1024 characters (an S3 key's limit)";
  if (prefix.find_first_of("*?") != std::string_view::npos || prefix.find("${") != std::string_view::npos)
    return "must not hold '*', '?' or \"${\": IAM would read them as wildcards or a policy variable";
  return {};
}

json statement(std::string_view sid, std::vector<std::string> actions, json resource) {
  return json{{"Sid", sid}, {"Effect", "Allow"}, {"Action", std::move(actions)}, {"Resource", std::move(resource)}};
}

bool check(const iam_policy_input& in, std::string& error) {
  if (!config::is_aws_region(in.region)) {
    error = "region " + quote(in.region) + " is not an AWS region name such as \"eu-west-1\"";
    return false;
  }
  if (!in.account_id.empty() && !is_account_id(in.account_id)) {
    error = "account id " + quote(in.account_id) + " is not 12 digits";
    return false;
  }
  for (const auto& arn : in.target_group_arns) {
    if (!config::target_group_arn_region(arn)) {
      error = "target group ARN " + quote(arn) +
              " is not arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID";
      return false;
    }
  }
  if (in.state) {
    if (!config::is_s3_bucket_name(in.state->bucket)) {
      error = "state bucket " + quote(in.state->bucket) + " is not an S3 bucket name (3-63 of a-z 0-9 . -)";
      return false;
    }
    if (auto problem = s3_prefix_problem(in.state->prefix); !problem.empty()) {
      error = "state prefix " + quote(in.state->prefix) + ": " + problem;
      return false;
    }
  }
  if (in.metric_namespace) {
    if (auto problem = config::cloudwatch_namespace_problem(*in.metric_namespace); !problem.empty()) {
      error = "CloudWatch namespace " + quote(*in.metric_namespace) + ": " + problem;
      return false;
    }
  }
  if (in.elastic_ips) {
    if (in.elastic_ips->allocation_ids.empty()) {
      error = "Elastic IPs: no allocation ids to grant";
      return false;
    }
    for (const auto& id : in.elastic_ips->allocation_ids) {
      if (!config::is_aws_resource_id(id, "eipalloc-")) {
        error = "allocation id " + quote(id) + " is not eipalloc- followed by 8 or 17 hexadecimal digits";
        return false;
      }
    }
  }
  if (in.target_group_arns.empty() && !in.state && !in.metric_namespace && !in.elastic_ips) {
    error = "nothing to grant: no [target_group.discovery.aws], [aws.state], [aws.cloudwatch] or [[aws.elastic_ip]]";
    return false;
  }
  return true;
}

}  // namespace

std::string partition_for_region(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  if (region.starts_with("us-isob-")) return "aws-iso-b";
  if (region.starts_with("us-iso-")) return "aws-iso";
  return "aws";
}

std::optional<std::string> render_iam_policy(const iam_policy_input& in, std::string& error) {
  if (!check(in, error)) return std::nullopt;
  const std::string partition = partition_for_region(in.region);
  const std::string account = in.account_id.empty() ? "*" : in.account_id;

  json statements = json::array();
  if (!in.target_group_arns.empty()) {
    statements.push_back(
        statement("ReadRegisteredTargets", {"elasticloadbalancing:DescribeTargetHealth"}, "*"));
    statements.push_back(statement("RegisterDiscoveredTargets",
                                   {"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
                                   unique(in.target_group_arns)));
  }
  if (in.state) {
    const std::string bucket_arn = "arn:" + partition + ":s3:::" + in.state->bucket;
    statements.push_back(statement("ReadWriteDiscoveryState", {"s3:GetObject", "s3:PutObject"},
                                   json::array({bucket_arn + "/" + in.state->prefix + "*"})));
    json list = statement("ListStateSoMissingKeysRead404", {"s3:ListBucket"}, json::array({bucket_arn}));
    // Without a prefix the whole bucket is ours: no condition (a ListObjects call without a
    // prefix has no s3:prefix key, which StringLike would not match).
    if (!in.state->prefix.empty()) list["Condition"] = {{"StringLike", {{"s3:prefix", in.state->prefix + "*"}}}};
    statements.push_back(std::move(list));
  }
  if (in.metric_namespace) {
    json publish = statement("PublishSyncMetrics", {"cloudwatch:PutMetricData"}, "*");
    publish["Condition"] = {{"StringEquals", {{"cloudwatch:namespace", *in.metric_namespace}}}};
    statements.push_back(std::move(publish));
  }
  if (in.elastic_ips) {
    statements.push_back(statement("FindInterfacesAndElasticIps",
                                   {"ec2:DescribeNetworkInterfaces", "ec2:DescribeAddresses"}, "*"));
    const std::string ec2_prefix = "arn:" + partition + ":ec2:" + in.region + ":" + account + ":";
    json resources = json::array();
    for (const auto& id : unique(in.elastic_ips->allocation_ids)) resources.push_back(ec2_prefix + "elastic-ip/" + id);
    resources.push_back(ec2_prefix + "network-interface/*");
    statements.push_back(statement("KeepElasticIpsOnInterfaces", {"ec2:AssociateAddress"}, std::move(resources)));
  }
  const json policy = {{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
  return policy.dump(2);
}

iam_policy_input iam_policy_input_for(const config::config& cfg, std::string_view region) {
  iam_policy_input in;
  in.region = region.empty() ? cfg.aws.region : std::string(region);
  for (const auto& group : cfg.target_groups)
    if (group.aws) in.target_group_arns.push_back(group.aws->target_group_arn);
  in.target_group_arns = unique(in.target_group_arns);
  if (!in.target_group_arns.empty()) {
    // arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:targetgroup/...: the fifth field.
    std::string_view arn = in.target_group_arns.front();
    for (int field = 0; field < 4 && !arn.empty(); ++field) {
      const auto colon = arn.find(':');
      arn = colon == std::string_view::npos ? std::string_view{} : arn.substr(colon + 1);
    }
    in.account_id = std::string(arn.substr(0, arn.find(':')));
  }
  if (!cfg.aws.state_bucket.empty())
    in.state = iam_policy_input::s3_state{.bucket = cfg.aws.state_bucket, .prefix = cfg.aws.state_prefix};
  if (!cfg.aws.cloudwatch_namespace.empty()) in.metric_namespace = cfg.aws.cloudwatch_namespace;
  if (!cfg.aws.elastic_ips.empty()) {
    iam_policy_input::eip_reconciler eips;
    for (const auto& binding : cfg.aws.elastic_ips)
      eips.allocation_ids.insert(eips.allocation_ids.end(), binding.allocation_ids.begin(), binding.allocation_ids.end());
    eips.allocation_ids = unique(eips.allocation_ids);
    in.elastic_ips = std::move(eips);
  }
  return in;
}

}  // namespace staticgate::aws

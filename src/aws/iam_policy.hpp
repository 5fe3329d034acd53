// The least-privilege IAM policy staticgate's AWS mode needs, rendered from what the
// configuration uses: only the statements for features that are on, each limited to the
// resources the configuration names where the action allows it. Pure: no I/O, never throws.
//
// What each action accepts in Resource was checked against the Service Authorization Reference
// (see iam_policy.cpp for the findings); the unit tests pin every statement, and when cfn-lint is
// installed they also run its IAM policy checks (grammar, action names) over the document.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staticgate::config {
struct config;
}

namespace staticgate::aws {

struct iam_policy_input {
  std::string region;      // where staticgate runs (the Elastic IP ARNs, and the partition)
  std::string account_id;  // 12 digits; "" puts "*" in the ARNs built here
  std::vector<std::string> target_group_arns;  // [target_group.discovery.aws]: used as given
  struct s3_state {
    std::string bucket;
    std::string prefix;  // "" = the whole bucket
  };
  std::optional<s3_state> state;                // [aws.state]
  std::optional<std::string> metric_namespace;  // [aws.cloudwatch]
  struct eip_reconciler {
    std::vector<std::string> allocation_ids;  // eipalloc-...
  };
  std::optional<eip_reconciler> elastic_ips;  // [[aws.elastic_ip]]
};

// A pretty-printed (2-space) IAM policy document, Version 2012-10-17, statements in a fixed
// order with Sids that say what each is for. nullopt with `error` set when the input is not
// usable (a malformed region, account, ARN, bucket, prefix, namespace or allocation id), or when
// nothing would be granted (an IAM policy must hold a statement).
std::optional<std::string> render_iam_policy(const iam_policy_input& in, std::string& error);

// The ARN partition of a region, as botocore's partitions.json: "aws-cn" for cn-*, "aws-us-gov"
// for us-gov-*, "aws-iso" for us-iso-*, "aws-iso-b" for us-isob-*, "aws" otherwise.
std::string partition_for_region(std::string_view region);

// From a loaded configuration: the target groups of every [target_group.discovery.aws] (in
// order, each once), [aws.state], [aws.cloudwatch] and the allocation ids of all
// [[aws.elastic_ip]]. `region` is the one staticgate resolved (AWS_REGION, the profile, ...);
// "" falls back to [aws] region. The account is taken from the first target group ARN ("" when
// there is none, so the Elastic IP ARNs say "*").
iam_policy_input iam_policy_input_for(const config::config& cfg, std::string_view region);

}  // namespace staticgate::aws

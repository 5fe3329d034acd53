// [aws] and [target_group.discovery.aws]: AWS mode (docs/aws.md). Discovery decisions applied to
// an AWS NLB target group, state in S3, figures in CloudWatch, Elastic IPs kept on Lambda's
// network interfaces. The model holds validated text only; src/aws turns it into clients.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace staticgate::config {

// [target_group.discovery.aws]: the group's discovery also registers and deregisters in this
// NLB target group (as well as in the built-in ingress when a listener uses the group).
struct aws_target_group {
  std::string target_group_arn;  // arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID
  std::string region;            // from the ARN: the call goes where the target group is
  // availability_zone = "all": register targets outside the target group's VPC (an ALB's
  // addresses seen from another VPC, or on-premises), as RegisterTargets requires for them.
  bool availability_zone_all = false;
};

// [[aws.elastic_ip]]: keep one Elastic IP on each network interface Lambda (or another service)
// made for these subnets and security groups.
struct aws_elastic_ip_binding {
  std::string name;
  std::vector<std::string> subnet_ids;          // subnet-...
  std::vector<std::string> security_group_ids;  // sg-...: the interface's set must equal this set
  std::vector<std::string> allocation_ids;      // eipalloc-...
  std::string interface_type = "lambda";
  std::string description_prefix;  // optional, e.g. "AWS Lambda VPC ENI-my-function-"
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
};

struct aws_settings {
  bool present = false;  // an [aws] table was given
  std::string region;    // "" = AWS_REGION / AWS_DEFAULT_REGION / the profile's
  std::string profile;   // "" = AWS_PROFILE or "default"
  // endpoint_url per service: elasticloadbalancing, ec2, monitoring, s3, sts (tests, VPC
  // endpoints, other partitions).
  std::map<std::string, std::string> endpoints;
  // [aws.state]: discovery state in S3 instead of [global] state_dir, shareable by several
  // controllers (conditional writes).
  std::string state_bucket;
  std::string state_prefix;
  // [aws.cloudwatch]: publish the sync figures under this namespace ("" = off).
  std::string cloudwatch_namespace;
  std::vector<aws_elastic_ip_binding> elastic_ips;
};

}  // namespace staticgate::config

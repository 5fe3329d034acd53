// The shapes of the identifiers AWS hands out (regions, bucket names, resource ids, target
// group ARNs), checked while loading the config so a typo is reported at its line instead of
// as an AWS error minutes after start. Hand-written rather than std::regex: GCC 12's <regex>
// trips -Wmaybe-uninitialized under -O2 with the sanitizers, and these shapes are simple.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace staticgate::config {

// "eu-west-1", "us-gov-east-1", "ap-southeast-2": two letters, one or more words, a number.
bool is_aws_region(std::string_view s);

// General-purpose bucket names: 3-63 of a-z 0-9 . - starting and ending with a letter or digit.
bool is_s3_bucket_name(std::string_view s);

// prefix followed by 8 or 17 lowercase hexadecimal digits ("subnet-0123abcd").
bool is_aws_resource_id(std::string_view s, std::string_view prefix);

// The region of an ELBv2 target group ARN
// (arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID), nullopt when `arn`
// is not one.
std::optional<std::string> target_group_arn_region(std::string_view arn);

// "" when `ns` may be a CloudWatch namespace, else why not: 1-255 of letters, digits, space and
// . - _ / # :, not blank, and not under the AWS/ prefix PutMetricData refuses. Shared by the
// config loader and the CloudWatch publisher (aws/cloudwatch_publisher.hpp).
std::string cloudwatch_namespace_problem(std::string_view ns);

}  // namespace staticgate::config

// The loader on [aws] and [target_group.discovery.aws]: a config with no listener that only
// keeps an NLB target group in sync, every AWS identifier checked for shape at its position.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config_test_support.hpp"

namespace staticgate::config {
namespace {

using testing::has_error;
using testing::has_only_error;
using testing::load;
using namespace std::chrono_literals;

constexpr std::string_view arn =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-targets/73e2d6bc24d8a067";

// Lines 1-6: a listener-less group whose discovery feeds an NLB target group; `aws_body` from line 7.
std::string nlb_only(std::string_view aws_body, std::string_view tail = "") {
  return std::string("[[target_group]]\nname = \"alb\"\n[target_group.discovery.dns]\nnames = [\"alb.example.com\"]\n"
                     "port = 443\n[target_group.discovery.aws]\n") +
         std::string(aws_body) + "\n" + std::string(tail);
}

TEST(config_aws, a_group_feeding_an_nlb_target_group_needs_no_listener) {
  auto r = load(nlb_only("target_group_arn = \"" + std::string(arn) + "\"\navailability_zone = \"all\""));
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& g = r.value->target_groups[0];
  ASSERT_TRUE(g.aws);
  EXPECT_EQ(g.aws->target_group_arn, arn);
  EXPECT_EQ(g.aws->region, "eu-west-1");
  EXPECT_TRUE(g.aws->availability_zone_all);
  EXPECT_FALSE(r.value->aws.present);
}

TEST(config_aws, the_arn_and_the_zone_are_checked) {
  EXPECT_TRUE(has_only_error(load(nlb_only("target_group_arn = \"arn:aws:elasticloadbalancing:eu-west-1:1234:tg\"")), 7,
                             20, "is not a target group ARN"));
  EXPECT_TRUE(has_only_error(
      load(nlb_only("target_group_arn = \"" + std::string(arn) + "\"\navailability_zone = \"eu-west-1a\"")), 8, 21,
      "the only value is \"all\""));
  EXPECT_TRUE(has_error(load(nlb_only("arn = \"x\"")), 7, 1, "unknown key"));
  EXPECT_TRUE(has_error(load(nlb_only("arn = \"x\"")), 6, 1, "missing required key \"target_group_arn\""));
}

TEST(config_aws, aws_table_with_every_key) {
  auto r = load(nlb_only("target_group_arn = \"" + std::string(arn) + "\"", R"([aws]
region = "eu-west-1"
profile = "ops"
[aws.endpoints]
elasticloadbalancing = "http://127.0.0.1:4566"
s3 = "http://127.0.0.1:4567/"
[aws.state]
bucket = "my-state"
prefix = "staticgate/"
[aws.cloudwatch]
namespace = "StaticGate"
[[aws.elastic_ip]]
name = "lambda-egress"
subnet_ids = ["subnet-0123456789abcdef0", "subnet-89abcdef"]
security_group_ids = ["sg-0123456789abcdef0"]
allocation_ids = ["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef1"]
description_prefix = "AWS Lambda VPC ENI-my-function-"
interval = "30s"
)"));
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  const auto& a = r.value->aws;
  EXPECT_TRUE(a.present);
  EXPECT_EQ(a.region, "eu-west-1");
  EXPECT_EQ(a.profile, "ops");
  EXPECT_EQ(a.endpoints.at("elasticloadbalancing"), "http://127.0.0.1:4566");
  EXPECT_EQ(a.endpoints.size(), 2u);
  EXPECT_EQ(a.state_bucket, "my-state");
  EXPECT_EQ(a.state_prefix, "staticgate/");
  EXPECT_EQ(a.cloudwatch_namespace, "StaticGate");
  ASSERT_EQ(a.elastic_ips.size(), 1u);
  const auto& b = a.elastic_ips[0];
  EXPECT_EQ(b.name, "lambda-egress");
  EXPECT_EQ(b.subnet_ids.size(), 2u);
  EXPECT_EQ(b.security_group_ids, std::vector<std::string>{"sg-0123456789abcdef0"});
  EXPECT_EQ(b.allocation_ids.size(), 2u);
  EXPECT_EQ(b.interface_type, "lambda");
  EXPECT_EQ(b.interval, 30s);
}

TEST(config_aws, the_reserved_cloudwatch_namespace_is_refused) {
  auto r = load(nlb_only("target_group_arn = \"" + std::string(arn) + "\"",
                         "[aws]\n[aws.cloudwatch]\nnamespace = \"AWS/ApplicationELB\"\n"));
  EXPECT_TRUE(has_only_error(r, 10, 13, "the AWS/ prefix is reserved"));
}

TEST(config_aws, bad_values_are_reported_where_they_are) {
  auto r = load(nlb_only("target_group_arn = \"" + std::string(arn) + "\"", R"([aws]
region = "Ireland"
[aws.endpoints]
elb = "http://x"
ec2 = "ftp://x"
[aws.state]
bucket = "Bad_Bucket"
[[aws.elastic_ip]]
name = "e"
subnet_ids = ["subnet-12"]
security_group_ids = []
allocation_ids = ["eipalloc-0123456789abcdef0", "eipalloc-0123456789abcdef0"]
)"));
  EXPECT_TRUE(has_error(r, 9, 10, "is not an AWS region name"));
  EXPECT_TRUE(has_error(r, 11, 1, "unknown key"));
  EXPECT_TRUE(has_error(r, 12, 7, "expected an http:// or https:// URL"));
  EXPECT_TRUE(has_error(r, 14, 10, "is not an S3 bucket name"));
  EXPECT_TRUE(has_error(r, 17, 15, "is not subnet-followed by 8 or 17 hexadecimal digits"));
  EXPECT_TRUE(has_error(r, 18, 22, "expected a non-empty array of sg-... ids"));
  EXPECT_TRUE(has_error(r, 19, 49, "is listed twice"));
  EXPECT_EQ(r.errors.size(), 7u) << testing::all_errors(r);
}

TEST(config_aws, only_elastic_ip_bindings_is_a_valid_config) {
  auto r = load(R"([[aws.elastic_ip]]
name = "e"
subnet_ids = ["subnet-0123456789abcdef0"]
security_group_ids = ["sg-01234567"]
allocation_ids = ["eipalloc-01234567"]
)");
  ASSERT_TRUE(r.ok()) << testing::all_errors(r);
  EXPECT_EQ(r.value->aws.elastic_ips[0].interval, 60s);
}

TEST(config_aws, a_group_without_aws_still_needs_a_listener) {
  EXPECT_TRUE(has_only_error(
      load("[[target_group]]\nname = \"g\"\ntargets = [\"127.0.0.1:1\"]\n"), 1, 1, "at least one [[listener]] is required"));
}

}  // namespace
}  // namespace staticgate::config

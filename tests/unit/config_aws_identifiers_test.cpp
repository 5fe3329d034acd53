#include "config/aws_identifiers.hpp"

#include <gtest/gtest.h>

using namespace staticgate::config;

TEST(AwsIdentifiers, Regions) {
  for (const char* ok : {"eu-west-1", "us-gov-east-1", "ap-southeast-2", "cn-north-1", "us-iso-east-1"})
    EXPECT_TRUE(is_aws_region(ok)) << ok;
  for (const char* bad : {"", "eu", "eu-west", "eu-west-", "EU-west-1", "eu--west-1", "e-west-1", "eu-west-1a", "-west-1",
                          "eu-1", "eu-west-x"})
    EXPECT_FALSE(is_aws_region(bad)) << bad;
}

TEST(AwsIdentifiers, BucketNames) {
  for (const char* ok : {"abc", "my.state-bucket", "0bucket9"}) EXPECT_TRUE(is_s3_bucket_name(ok)) << ok;
  EXPECT_TRUE(is_s3_bucket_name(std::string(63, 'a')));
  EXPECT_FALSE(is_s3_bucket_name(std::string(64, 'a')));
  for (const char* bad : {"ab", "-abc", "abc-", ".abc", "Abc", "a_b_c", "a bc"}) EXPECT_FALSE(is_s3_bucket_name(bad)) << bad;
}

TEST(AwsIdentifiers, ResourceIds) {
  EXPECT_TRUE(is_aws_resource_id("subnet-0123abcd", "subnet-"));
  EXPECT_TRUE(is_aws_resource_id("eipalloc-0123456789abcdef0", "eipalloc-"));
  EXPECT_FALSE(is_aws_resource_id("subnet-0123abc", "subnet-"));       // 7 digits
  EXPECT_FALSE(is_aws_resource_id("subnet-0123ABCD", "subnet-"));      // upper case
  EXPECT_FALSE(is_aws_resource_id("sg-0123abcd", "subnet-"));          // other kind
  EXPECT_FALSE(is_aws_resource_id("subnet-0123456789abcdef", "subnet-"));  // 16 digits
}

TEST(AwsIdentifiers, TargetGroupArns) {
  EXPECT_EQ(target_group_arn_region("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-ips/0123456789abcdef"),
            "eu-west-1");
  EXPECT_EQ(target_group_arn_region("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/A-b/0123456789abcdef"),
            "us-gov-west-1");
  for (const char* bad : {
           "",
           "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-ips/0123456789abcde",    // short id
           "arn:aws:elasticloadbalancing:eu-west-1:12345678901:targetgroup/alb-ips/0123456789abcdef",    // account
           "arn:aws:ec2:eu-west-1:123456789012:targetgroup/alb-ips/0123456789abcdef",                    // service
           "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/alb-ips/0123456789abcdef",  // kind
           "arn:aws:elasticloadbalancing:eu-west:123456789012:targetgroup/alb-ips/0123456789abcdef",     // region
           "arn:xyz:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-ips/0123456789abcdef",   // partition
           "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb_ips/0123456789abcdef",   // name char
           "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup//0123456789abcdef",          // empty name
           "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/a/b/0123456789abcdef",       // extra part
       })
    EXPECT_FALSE(target_group_arn_region(bad).has_value()) << bad;
}

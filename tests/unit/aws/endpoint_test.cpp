#include "aws/endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace aws = staticgate::aws;

TEST(Endpoint, RegionalServices) {
  EXPECT_EQ(aws::endpoint_for("ec2", "eu-west-1").url, "https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws::endpoint_for("elasticloadbalancing", "us-east-1").url,
            "https://elasticloadbalancing.us-east-1.amazonaws.com");
  EXPECT_EQ(aws::endpoint_for("monitoring", "ap-southeast-2").url,
            "https://monitoring.ap-southeast-2.amazonaws.com");
  // STS: regional, also in us-east-1.
  EXPECT_EQ(aws::endpoint_for("sts", "us-east-1").url, "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ(aws::endpoint_for("s3", "us-east-1").url, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(aws::endpoint_for("ec2", "us-gov-west-1").url, "https://ec2.us-gov-west-1.amazonaws.com");
}

TEST(Endpoint, AliasesAndSigningNames) {
  const aws::endpoint cw = aws::endpoint_for("cloudwatch", "eu-central-1");
  EXPECT_EQ(cw.url, "https://monitoring.eu-central-1.amazonaws.com");
  EXPECT_EQ(cw.signing_service, "monitoring");
  EXPECT_EQ(cw.signing_region, "eu-central-1");
  EXPECT_EQ(aws::endpoint_for("elbv2", "eu-west-1").url, "https://elasticloadbalancing.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws::endpoint_for("elbv2", "eu-west-1").signing_service, "elasticloadbalancing");
}

TEST(Endpoint, OtherPartitions) {
  EXPECT_EQ(aws::endpoint_for("ec2", "cn-north-1").url, "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(aws::endpoint_for("sts", "cn-northwest-1").url, "https://sts.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(aws::endpoint_for("ec2", "us-iso-east-1").url, "https://ec2.us-iso-east-1.c2s.ic.gov");
  EXPECT_EQ(aws::endpoint_for("ec2", "us-isob-east-1").url, "https://ec2.us-isob-east-1.sc2s.sgov.gov");
}

TEST(Endpoint, OverrideIsVerbatim) {
  const aws::endpoint e = aws::endpoint_for("ec2", "eu-west-1", "http://127.0.0.1:4566/");
  EXPECT_EQ(e.url, "http://127.0.0.1:4566");
  EXPECT_EQ(e.signing_region, "eu-west-1");
  EXPECT_EQ(e.signing_service, "ec2");
  EXPECT_EQ(aws::endpoint_for("sts", "eu-west-1", "https://vpce-123.sts.eu-west-1.vpce.amazonaws.com").url,
            "https://vpce-123.sts.eu-west-1.vpce.amazonaws.com");
  EXPECT_THROW(aws::endpoint_for("ec2", "eu-west-1", "127.0.0.1:4566"), std::invalid_argument);
}

TEST(Endpoint, RejectsMalformedNames) {
  EXPECT_THROW(aws::endpoint_for("ec2", ""), std::invalid_argument);
  EXPECT_THROW(aws::endpoint_for("ec2", "eu-west-1.evil.com"), std::invalid_argument);
  EXPECT_THROW(aws::endpoint_for("EC2", "eu-west-1"), std::invalid_argument);
  EXPECT_THROW(aws::endpoint_for("", "eu-west-1"), std::invalid_argument);
}

TEST(Endpoint, S3Styles) {
  EXPECT_EQ(aws::s3_object_url("eu-west-1", "my-bucket", "a/b c.txt"),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c.txt");
  EXPECT_EQ(aws::s3_object_url("cn-north-1", "my-bucket", ""), "https://my-bucket.s3.cn-north-1.amazonaws.com.cn/");
  // Dotted names do not fit the TLS wildcard: path style.
  EXPECT_EQ(aws::s3_object_url("eu-west-1", "my.bucket", "k"), "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
  EXPECT_EQ(aws::s3_object_url("eu-west-1", "My_Bucket", "k"), "https://s3.eu-west-1.amazonaws.com/My_Bucket/k");
  // An override is always path style.
  EXPECT_EQ(aws::s3_object_url("eu-west-1", "my-bucket", "k", "http://127.0.0.1:9000"),
            "http://127.0.0.1:9000/my-bucket/k");
  EXPECT_TRUE(aws::s3_virtual_host_compatible("abc"));
  EXPECT_FALSE(aws::s3_virtual_host_compatible("ab"));
  EXPECT_FALSE(aws::s3_virtual_host_compatible("-abc"));
  EXPECT_FALSE(aws::s3_virtual_host_compatible(std::string(64, 'a')));
}

TEST(SplitUrl, Parts) {
  aws::url_parts want;
  want.scheme = "http";
  want.host = "127.0.0.1:8080";
  want.path = "/a/b";
  want.query = "x=1&y=2";
  EXPECT_EQ(aws::split_url("http://127.0.0.1:8080/a/b?x=1&y=2"), want);
  const aws::url_parts bare = aws::split_url("https://ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(bare.host, "ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ(bare.path, "/");
  EXPECT_EQ(bare.query, "");
  EXPECT_EQ(aws::split_url("https://h?Action=X").path, "/");
  EXPECT_EQ(aws::split_url("https://h?Action=X").query, "Action=X");
  EXPECT_THROW(aws::split_url("ftp://h/"), std::invalid_argument);
  EXPECT_THROW(aws::split_url("https:///x"), std::invalid_argument);
}

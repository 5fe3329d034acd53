// The rendered IAM policy, parsed back and checked statement by statement: only what the
// configuration uses, each write limited to the configured resources, partitions for China and
// GovCloud, and clear errors for input that would make a wrong or empty policy. When cfn-lint is
// installed, its IAM checks (grammar, action names) run over the document too.
#include "aws/iam_policy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../config_test_support.hpp"
#include "config/model.hpp"

namespace aws = staticgate::aws;
using json = nlohmann::json;

namespace {

constexpr const char* tg1 = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-a/73e2d6bc24d8a067";
constexpr const char* tg2 = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-b/0123456789abcdef";

aws::iam_policy_input everything() {
  return aws::iam_policy_input{
      .region = "eu-west-1",
      .account_id = "123456789012",
      .target_group_arns = {tg1, tg2, tg1},
      .state = aws::iam_policy_input::s3_state{.bucket = "my-state", .prefix = "staticgate/"},
      .metric_namespace = "StaticGate",
      .elastic_ips = aws::iam_policy_input::eip_reconciler{
          .allocation_ids = {"eipalloc-0123456789abcdef0", "eipalloc-89abcdef", "eipalloc-0123456789abcdef0"}}};
}

json render(const aws::iam_policy_input& in) {
  std::string error;
  const auto text = aws::render_iam_policy(in, error);
  EXPECT_TRUE(text) << error;
  if (!text) return json::object();
  EXPECT_EQ(error, "");
  return json::parse(*text);
}

std::string render_error(const aws::iam_policy_input& in) {
  std::string error;
  const auto text = aws::render_iam_policy(in, error);
  EXPECT_FALSE(text) << *text;
  return error;
}

std::vector<std::string> sids(const json& policy) {
  std::vector<std::string> out;
  for (const auto& s : policy.at("Statement")) out.push_back(s.at("Sid").get<std::string>());
  return out;
}

const json* find_statement(const json& policy, std::string_view sid) {
  for (const auto& s : policy.at("Statement"))
    if (s.at("Sid") == sid) return &s;
  return nullptr;
}

// Every action any statement grants, as "service:Action".
std::vector<std::string> all_actions(const json& policy) {
  std::vector<std::string> out;
  for (const auto& s : policy.at("Statement"))
    for (const auto& a : s.at("Action")) out.push_back(a.get<std::string>());
  return out;
}

}  // namespace

TEST(IamPolicy, EveryFeatureStatementByStatement) {
  const json policy = render(everything());
  EXPECT_EQ(policy.at("Version"), "2012-10-17");
  ASSERT_EQ(policy.at("Statement").size(), 7u);
  const std::vector<json> expected = {
      // ELBv2's Describe* actions take no resource: "*" is the only possible Resource.
      {{"Sid", "ReadRegisteredTargets"},
       {"Effect", "Allow"},
       {"Action", {"elasticloadbalancing:DescribeTargetHealth"}},
       {"Resource", "*"}},
      {{"Sid", "RegisterDiscoveredTargets"},
       {"Effect", "Allow"},
       {"Action", {"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}},
       {"Resource", {tg1, tg2}}},
      {{"Sid", "ReadWriteDiscoveryState"},
       {"Effect", "Allow"},
       {"Action", {"s3:GetObject", "s3:PutObject"}},
       {"Resource", {"arn:aws:s3:::my-state/staticgate/*"}}},
      {{"Sid", "ListStateSoMissingKeysRead404"},
       {"Effect", "Allow"},
       {"Action", {"s3:ListBucket"}},
       {"Resource", {"arn:aws:s3:::my-state"}},
       {"Condition", {{"StringLike", {{"s3:prefix", "staticgate/*"}}}}}},
      {{"Sid", "PublishSyncMetrics"},
       {"Effect", "Allow"},
       {"Action", {"cloudwatch:PutMetricData"}},
       {"Resource", "*"},
       {"Condition", {{"StringEquals", {{"cloudwatch:namespace", "StaticGate"}}}}}},
      {{"Sid", "FindInterfacesAndElasticIps"},
       {"Effect", "Allow"},
       {"Action", {"ec2:DescribeNetworkInterfaces", "ec2:DescribeAddresses"}},
       {"Resource", "*"}},
      {{"Sid", "KeepElasticIpsOnInterfaces"},
       {"Effect", "Allow"},
       {"Action", {"ec2:AssociateAddress"}},
       {"Resource",
        {"arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0123456789abcdef0",
         "arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-89abcdef",
         "arn:aws:ec2:eu-west-1:123456789012:network-interface/*"}}},
  };
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(policy.at("Statement").at(i), expected[i]) << "statement " << i << ":\n"
                                                        << policy.at("Statement").at(i).dump(2);
}

TEST(IamPolicy, IsPrettyPrintedJsonWithPlainSids) {
  std::string error;
  const auto text = aws::render_iam_policy(everything(), error);
  ASSERT_TRUE(text) << error;
  EXPECT_EQ(text->rfind("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n", 0), 0u) << *text;
  // IAM allows only A-Z, a-z and 0-9 in a Sid; each names one statement.
  const auto names = sids(json::parse(*text));
  for (const auto& sid : names) {
    EXPECT_FALSE(sid.empty());
    for (char c : sid) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << sid;
  }
  auto sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(IamPolicy, OnlyTheFeaturesInUse) {
  auto in = everything();
  in.state.reset();
  in.metric_namespace.reset();
  in.elastic_ips.reset();
  const json policy = render(in);
  EXPECT_EQ(sids(policy), (std::vector<std::string>{"ReadRegisteredTargets", "RegisterDiscoveredTargets"}));
  for (const auto& action : all_actions(policy)) EXPECT_EQ(action.rfind("elasticloadbalancing:", 0), 0u) << action;

  in = everything();
  in.target_group_arns.clear();
  in.elastic_ips.reset();
  EXPECT_EQ(sids(render(in)), (std::vector<std::string>{"ReadWriteDiscoveryState", "ListStateSoMissingKeysRead404",
                                                        "PublishSyncMetrics"}));

  in = everything();
  in.target_group_arns.clear();
  in.state.reset();
  in.metric_namespace.reset();
  EXPECT_EQ(sids(render(in)), (std::vector<std::string>{"FindInterfacesAndElasticIps", "KeepElasticIpsOnInterfaces"}));
}

TEST(IamPolicy, NoS3StatementWithoutState) {
  auto in = everything();
  in.state.reset();
  const json policy = render(in);
  for (const auto& action : all_actions(policy)) EXPECT_NE(action.rfind("s3:", 0), 0u) << action;
  EXPECT_EQ(policy.dump().find("arn:aws:s3"), std::string::npos);
}

TEST(IamPolicy, AStateBucketWithoutPrefixIsTheWholeBucketWithNoCondition) {
  auto in = everything();
  in.state->prefix = "";
  const json policy = render(in);
  EXPECT_EQ(find_statement(policy, "ReadWriteDiscoveryState")->at("Resource"), json({"arn:aws:s3:::my-state/*"}));
  const json* list = find_statement(policy, "ListStateSoMissingKeysRead404");
  ASSERT_NE(list, nullptr);
  EXPECT_FALSE(list->contains("Condition"));
  EXPECT_EQ(list->at("Resource"), json({"arn:aws:s3:::my-state"}));
}

TEST(IamPolicy, ChinaAndGovCloudPartitions) {
  auto in = everything();
  in.region = "cn-north-1";
  in.target_group_arns = {"arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a/73e2d6bc24d8a067"};
  json policy = render(in);
  EXPECT_EQ(find_statement(policy, "ReadWriteDiscoveryState")->at("Resource"),
            json({"arn:aws-cn:s3:::my-state/staticgate/*"}));
  EXPECT_EQ(find_statement(policy, "ListStateSoMissingKeysRead404")->at("Resource"), json({"arn:aws-cn:s3:::my-state"}));
  EXPECT_EQ(find_statement(policy, "KeepElasticIpsOnInterfaces")->at("Resource").at(0),
            "arn:aws-cn:ec2:cn-north-1:123456789012:elastic-ip/eipalloc-0123456789abcdef0");
  EXPECT_EQ(find_statement(policy, "RegisterDiscoveredTargets")->at("Resource"), json({in.target_group_arns[0]}));

  in.region = "us-gov-west-1";
  in.target_group_arns = {"arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/a/73e2d6bc24d8a067"};
  policy = render(in);
  EXPECT_EQ(find_statement(policy, "ReadWriteDiscoveryState")->at("Resource"),
            json({"arn:aws-us-gov:s3:::my-state/staticgate/*"}));
  EXPECT_EQ(find_statement(policy, "KeepElasticIpsOnInterfaces")->at("Resource").back(),
            "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:network-interface/*");
}

TEST(IamPolicy, PartitionForRegion) {
  EXPECT_EQ(aws::partition_for_region("eu-west-1"), "aws");
  EXPECT_EQ(aws::partition_for_region("us-east-1"), "aws");
  EXPECT_EQ(aws::partition_for_region("cn-north-1"), "aws-cn");
  EXPECT_EQ(aws::partition_for_region("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(aws::partition_for_region("us-gov-east-1"), "aws-us-gov");
  EXPECT_EQ(aws::partition_for_region("us-iso-east-1"), "aws-iso");
  EXPECT_EQ(aws::partition_for_region("us-isob-east-1"), "aws-iso-b");
}

TEST(IamPolicy, AnUnknownAccountIsAWildcardInTheArnsWeBuild) {
  auto in = everything();
  in.account_id = "";
  const json policy = render(in);
  EXPECT_EQ(find_statement(policy, "KeepElasticIpsOnInterfaces")->at("Resource"),
            json({"arn:aws:ec2:eu-west-1:*:elastic-ip/eipalloc-0123456789abcdef0",
                  "arn:aws:ec2:eu-west-1:*:elastic-ip/eipalloc-89abcdef", "arn:aws:ec2:eu-west-1:*:network-interface/*"}));
}

TEST(IamPolicy, InputThatWouldMakeAWrongPolicyIsRefused) {
  auto in = everything();
  in.region = "";
  EXPECT_NE(render_error(in).find("is not an AWS region name"), std::string::npos);
  in = everything();
  in.account_id = "12345";
  EXPECT_NE(render_error(in).find("is not 12 digits"), std::string::npos);
  in = everything();
  in.target_group_arns = {"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/x/1"};
  EXPECT_NE(render_error(in).find("is not arn:PARTITION:elasticloadbalancing"), std::string::npos);
  in = everything();
  in.state->bucket = "My_Bucket";
  EXPECT_NE(render_error(in).find("is not an S3 bucket name"), std::string::npos);
  for (const char* prefix : {"state/*", "a?b/", "${aws:username}/", "/abs/"}) {
    in = everything();
    in.state->prefix = prefix;
    EXPECT_NE(render_error(in).find("state prefix"), std::string::npos) << prefix;
  }
  in = everything();
  in.metric_namespace = "AWS/ApplicationELB";
  EXPECT_NE(render_error(in).find("reserved"), std::string::npos);
  in = everything();
  in.elastic_ips->allocation_ids = {"eipalloc-xyz"};
  EXPECT_NE(render_error(in).find("is not eipalloc-"), std::string::npos);
  in = everything();
  in.elastic_ips->allocation_ids.clear();
  EXPECT_NE(render_error(in).find("no allocation ids"), std::string::npos);
  aws::iam_policy_input nothing;
  nothing.region = "eu-west-1";
  EXPECT_NE(render_error(nothing).find("nothing to grant"), std::string::npos);
}

TEST(IamPolicy, InputFromAConfig) {
  const auto r = staticgate::config::testing::load(R"(
[[target_group]]
name = "alb"
[target_group.discovery.dns]
names = ["alb.example.com"]
port = 443
[target_group.discovery.aws]
target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/alb-a/73e2d6bc24d8a067"
[[target_group]]
name = "alb2"
[target_group.discovery.dns]
names = ["alb2.example.com"]
port = 443
[target_group.discovery.aws]
target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-b/0123456789abcdef"
[aws]
region = "eu-west-1"
[aws.state]
bucket = "my-state"
prefix = "sg/"
[aws.cloudwatch]
namespace = "StaticGate"
[[aws.elastic_ip]]
name = "one"
subnet_ids = ["subnet-0123456789abcdef0"]
security_group_ids = ["sg-0123456789abcdef0"]
allocation_ids = ["eipalloc-0123456789abcdef0"]
[[aws.elastic_ip]]
name = "two"
subnet_ids = ["subnet-89abcdef"]
security_group_ids = ["sg-89abcdef"]
allocation_ids = ["eipalloc-89abcdef", "eipalloc-0123456789abcdef1"]
)");
  ASSERT_TRUE(r.ok()) << staticgate::config::testing::all_errors(r);
  auto in = aws::iam_policy_input_for(*r.value, "");
  EXPECT_EQ(in.region, "eu-west-1");  // [aws] region when none was resolved
  EXPECT_EQ(in.account_id, "210987654321");  // from the first target group
  EXPECT_EQ(in.target_group_arns,
            (std::vector<std::string>{
                "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/alb-a/73e2d6bc24d8a067",
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb-b/0123456789abcdef"}));
  ASSERT_TRUE(in.state);
  EXPECT_EQ(in.state->bucket, "my-state");
  EXPECT_EQ(in.state->prefix, "sg/");
  EXPECT_EQ(in.metric_namespace, "StaticGate");
  ASSERT_TRUE(in.elastic_ips);
  EXPECT_EQ(in.elastic_ips->allocation_ids,
            (std::vector<std::string>{"eipalloc-0123456789abcdef0", "eipalloc-89abcdef", "eipalloc-0123456789abcdef1"}));
  EXPECT_EQ(render(in).at("Statement").size(), 7u);

  EXPECT_EQ(aws::iam_policy_input_for(*r.value, "eu-central-1").region, "eu-central-1");
}

TEST(IamPolicy, InputFromAConfigWithoutAwsTablesHasNothingToGrant) {
  const auto r = staticgate::config::testing::load(R"(
[[target_group]]
name = "web"
targets = ["127.0.0.1:8080"]
[[listener]]
name = "web"
bind = ["127.0.0.1:8443"]
target_group = "web"
)");
  ASSERT_TRUE(r.ok()) << staticgate::config::testing::all_errors(r);
  auto in = aws::iam_policy_input_for(*r.value, "eu-west-1");
  EXPECT_EQ(in.account_id, "");
  EXPECT_TRUE(in.target_group_arns.empty());
  EXPECT_FALSE(in.state);
  EXPECT_FALSE(in.metric_namespace);
  EXPECT_FALSE(in.elastic_ips);
  EXPECT_NE(render_error(in).find("nothing to grant"), std::string::npos);
}

// cfn-lint validates IAM policies inside CloudFormation templates: the policy grammar (Sid
// characters, Effect, Condition operators, ...) and every action against the service's list of
// actions. One run (it takes seconds to start) over the policy for two partitions. Skipped where
// cfn-lint is not installed.
TEST(IamPolicy, CfnLintAcceptsTheRenderedPolicy) {
  if (std::system("command -v cfn-lint >/dev/null 2>&1") != 0) GTEST_SKIP() << "cfn-lint is not installed";
  json resources = json::object();
  for (const char* region : {"eu-west-1", "cn-north-1"}) {
    auto in = everything();
    in.region = region;
    if (std::string_view(region) == "cn-north-1")
      in.target_group_arns = {"arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a/73e2d6bc24d8a067"};
    std::string name = "Policy" + std::string(region);
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());  // logical ids are alphanumeric
    resources[name] = {{"Type", "AWS::IAM::ManagedPolicy"}, {"Properties", {{"PolicyDocument", render(in)}}}};
  }
  const json tmpl = {{"AWSTemplateFormatVersion", "2010-09-09"}, {"Resources", resources}};
  const auto path =
      std::filesystem::temp_directory_path() / ("staticgate-iam-policy-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << tmpl.dump(2);
  const std::string command = "cfn-lint --format parseable -- '" + path.string() + "' 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) output += buffer.data();
  const int status = ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

#include "admin/json_api.hpp"

#include <gtest/gtest.h>

#include "sample_snapshot.hpp"

namespace staticgate::admin {
namespace {

TEST(JsonApiTest, DiscoveryShowsTheAwsTargetGroupAndItsError) {
  auto s = testing::sample_snapshot();
  ingress::discovery_name_snapshot d;
  d.target_group = "nlb";
  d.name = "alb.example.";
  d.external_target = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb/0123456789abcdef";
  d.target_error = "Throttling: Rate exceeded";
  d.target_failures = 3;
  s.discovery = {d};
  auto j = to_json(s)["discovery"][0];
  EXPECT_EQ(j["external_target"], d.external_target);
  EXPECT_EQ(j["target_error"], "Throttling: Rate exceeded");
  EXPECT_EQ(j["target_failures"], 3);
}

TEST(JsonApiTest, TopLevel) {
  auto j = to_json(testing::sample_snapshot());
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_EQ(j["workers"], 4);
  EXPECT_DOUBLE_EQ(j["uptime_seconds"].get<double>(), 3723.5);
  ASSERT_EQ(j["listeners"].size(), 2u);
  ASSERT_EQ(j["target_groups"].size(), 2u);
  EXPECT_EQ(j["listeners"], listeners_to_json(testing::sample_snapshot()));
  EXPECT_EQ(j["target_groups"], target_groups_to_json(testing::sample_snapshot()));
}

TEST(JsonApiTest, Listener) {
  auto l = to_json(testing::sample_snapshot())["listeners"][0];
  EXPECT_EQ(l, (nlohmann::json{{"name", "web"},
                               {"target_group", "backends"},
                               {"binds", {"0.0.0.0:8080", "[::]:8080"}},
                               {"max_connections", 1000},
                               {"active", 3},
                               {"accepted", 120},
                               {"rejected", 2}}));
}

TEST(JsonApiTest, TargetsAndStates) {
  auto groups = to_json(testing::sample_snapshot())["target_groups"];
  EXPECT_EQ(groups[0]["name"], "backends");
  EXPECT_EQ(groups[0]["algorithm"], "round_robin");
  auto a = groups[0]["targets"][0];
  EXPECT_EQ(a["address"], "10.0.0.1:80");
  EXPECT_EQ(a["state"], "healthy");
  EXPECT_EQ(a["healthy"], true);
  EXPECT_EQ(a["eligible"], true);
  EXPECT_EQ(a["drained"], false);
  EXPECT_EQ(a["health_checked"], true);
  EXPECT_EQ(a["active"], 2);
  EXPECT_EQ(a["connections"], 100);
  EXPECT_EQ(a["connect_failures"], 1);
  EXPECT_EQ(a["bytes_from_client"], 1536);
  EXPECT_EQ(a["bytes_from_target"], 3221225472ULL);
  EXPECT_EQ(groups[0]["targets"][1]["state"], "unhealthy");
  EXPECT_EQ(groups[0]["targets"][1]["eligible"], false);
  EXPECT_EQ(groups[1]["targets"][0]["state"], "drained");
  EXPECT_EQ(groups[1]["targets"][0]["address"], "[::1]:80");
}

TEST(JsonApiTest, DrainedWinsOverUnhealthy) {
  ingress::target_snapshot t;
  t.health_checked = true;
  t.healthy = false;
  EXPECT_EQ(target_state(t), "unhealthy");
  t.drained = true;
  EXPECT_EQ(target_state(t), "drained");
  ingress::target_snapshot unchecked;
  unchecked.healthy = false;  // ignored without a health check
  EXPECT_EQ(target_state(unchecked), "healthy");
}

TEST(JsonApiTest, HistogramInSeconds) {
  auto h = to_json(testing::sample_snapshot())["target_groups"][0]["targets"][0]["connect_time"];
  EXPECT_EQ(h["count"], 5);
  EXPECT_DOUBLE_EQ(h["sum_seconds"].get<double>(), 3.00215);
  ASSERT_EQ(h["buckets"].size(), 4u);
  EXPECT_DOUBLE_EQ(h["buckets"][0]["le"].get<double>(), 0.0001);
  EXPECT_EQ(h["buckets"][1]["count"], 3);
  EXPECT_EQ(h["buckets"][3]["le"], "+Inf");
  EXPECT_EQ(h["buckets"][3]["count"], 5);
}

}  // namespace
}  // namespace staticgate::admin

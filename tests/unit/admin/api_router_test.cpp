#include "admin/api_router.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_control.hpp"

namespace staticgate::admin {
namespace {

class ApiRouterTest : public ::testing::Test {
 protected:
  testing::fake_control control;
  api_router router{control, [] { return process_stats{.open_fds = 5, .rss_bytes = 4096, .uptime_seconds = 1}; }};
};

TEST_F(ApiRouterTest, Healthz) {
  auto r = router.handle("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(ApiRouterTest, Metrics) {
  auto r = router.handle("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("staticgate_process_open_fds 5\n"), std::string::npos);
}

TEST_F(ApiRouterTest, StatusListenersAndGroups) {
  auto status = router.handle("GET", "/api/v1/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.content_type, "application/json");
  auto j = nlohmann::json::parse(status.body);
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_EQ(nlohmann::json::parse(router.handle("GET", "/api/v1/listeners").body), j["listeners"]);
  EXPECT_EQ(nlohmann::json::parse(router.handle("HEAD", "/api/v1/target_groups").body), j["target_groups"]);
}

TEST_F(ApiRouterTest, UnknownPathIs404AndWrongMethod405) {
  auto r = router.handle("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(nlohmann::json::parse(r.body).contains("error"));
  EXPECT_EQ(router.handle("GET", "/metrics/").status, 404);
  EXPECT_EQ(router.handle("GET", "/api/v1/target_groups/backends/targets/10.0.0.1:80/pause").status, 404);
  auto m = router.handle("POST", "/metrics");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET, HEAD");
  auto d = router.handle("GET", "/api/v1/target_groups/backends/targets/10.0.0.1:80/drain");
  EXPECT_EQ(d.status, 405);
  EXPECT_EQ(d.allow, "POST");
}

TEST_F(ApiRouterTest, DrainAndUndrain) {
  auto r = router.handle("POST", "/api/v1/target_groups/backends/targets/10.0.0.1:80/drain");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["target_group"], "backends");
  EXPECT_EQ(j["address"], "10.0.0.1:80");
  EXPECT_EQ(j["state"], "drained");
  EXPECT_EQ(j["eligible"], false);
  EXPECT_TRUE(control.snapshot().groups[0].targets[0].drained);

  r = router.handle("POST", "/api/v1/target_groups/backends/targets/10.0.0.1:80/undrain");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["state"], "healthy");
  EXPECT_FALSE(control.snapshot().groups[0].targets[0].drained);
}

TEST_F(ApiRouterTest, DrainIpv6Target) {
  // The server hands over the decoded path: %5B%3A%3A1%5D%3A80 -> [::1]:80.
  auto r = router.handle("POST", "/api/v1/target_groups/v6/targets/[::1]:80/undrain");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["address"], "[::1]:80");
}

TEST_F(ApiRouterTest, DrainUnknownIs404) {
  auto g = router.handle("POST", "/api/v1/target_groups/nope/targets/10.0.0.1:80/drain");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(nlohmann::json::parse(g.body)["error"], "no target group named nope");
  auto t = router.handle("POST", "/api/v1/target_groups/backends/targets/10.9.9.9:80/drain");
  EXPECT_EQ(t.status, 404);
  EXPECT_EQ(nlohmann::json::parse(t.body)["error"], "target group backends has no target 10.9.9.9:80");
}

TEST_F(ApiRouterTest, Reload) {
  EXPECT_EQ(router.handle("GET", "/api/v1/reload").status, 405);
  EXPECT_EQ(control.reloads, 0);
  auto ok = router.handle("POST", "/api/v1/reload");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["reloaded"], true);
  control.reload_errors = "line 3: unknown key\n";
  auto refused = router.handle("POST", "/api/v1/reload");
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(nlohmann::json::parse(refused.body)["details"], "line 3: unknown key\n");
  EXPECT_EQ(control.reloads, 2);
}

}  // namespace
}  // namespace staticgate::admin

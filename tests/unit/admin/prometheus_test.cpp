#include "admin/prometheus.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <vector>

#include "sample_snapshot.hpp"

namespace staticgate::admin {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

const process_stats sample_process{.open_fds = 17, .rss_bytes = 12345678, .uptime_seconds = 61.5};

TEST(PrometheusTest, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
}

TEST(PrometheusTest, FormatsMicrosecondsAsExactSeconds) {
  EXPECT_EQ(format_micros_as_seconds(0), "0");
  EXPECT_EQ(format_micros_as_seconds(100), "0.0001");
  EXPECT_EQ(format_micros_as_seconds(2500), "0.0025");
  EXPECT_EQ(format_micros_as_seconds(1'000'000), "1");
  EXPECT_EQ(format_micros_as_seconds(1'500'001), "1.500001");
  EXPECT_EQ(format_micros_as_seconds(14'400'000'000), "14400");
}

TEST(PrometheusTest, HelpAndTypeOncePerFamilyAndSamplesContiguous) {
  auto text = render_metrics(testing::sample_snapshot(), sample_process);
  std::map<std::string, int> help, type;
  std::string current;
  std::map<std::string, bool> closed;
  for (const auto& line : lines_of(text)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) {
      auto name = line.substr(7, line.find(' ', 7) - 7);
      ++help[name];
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      auto name = line.substr(7, line.find(' ', 7) - 7);
      ++type[name];
      ASSERT_FALSE(closed[name]) << name;
      if (!current.empty()) closed[current] = true;
      current = name;
      continue;
    }
    ASSERT_EQ(line.rfind("staticgate_", 0), 0u) << line;
    ASSERT_EQ(line.rfind(current, 0), 0u) << "sample outside its family: " << line;
  }
  EXPECT_EQ(help.size(), type.size());
  for (const auto& [name, n] : type) {
    EXPECT_EQ(n, 1) << name;
    EXPECT_EQ(help[name], 1) << name;
  }
  EXPECT_EQ(type.size(), 19u);
  EXPECT_TRUE(has_line(text, "# TYPE staticgate_target_connect_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, "# TYPE staticgate_listener_accepted_total counter"));
  EXPECT_TRUE(has_line(text, "# TYPE staticgate_target_active_connections gauge"));
}

TEST(PrometheusTest, ProcessAndBuildFamilies) {
  auto text = render_metrics(testing::sample_snapshot(), sample_process);
  EXPECT_TRUE(has_line(text, R"(staticgate_build_info{version="0.1.0"} 1)"));
  EXPECT_TRUE(has_line(text, "staticgate_workers 4"));
  EXPECT_TRUE(has_line(text, "staticgate_process_open_fds 17"));
  EXPECT_TRUE(has_line(text, "staticgate_process_resident_memory_bytes 12345678"));
  EXPECT_TRUE(has_line(text, "staticgate_process_uptime_seconds 61.5"));
}

TEST(PrometheusTest, ListenerSamples) {
  auto text = render_metrics(testing::sample_snapshot(), sample_process);
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_active_connections{listener="web"} 3)"));
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_max_connections{listener="web"} 1000)"));
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_max_connections{listener="raw"} 0)"));
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_accepted_total{listener="web"} 120)"));
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_rejected_total{listener="web"} 2)"));
}

ingress::gateway_snapshot with_discovery() {
  auto s = testing::sample_snapshot();
  ingress::discovery_name_snapshot local;
  local.target_group = "backends";
  local.name = "alb.example.";
  ingress::discovery_name_snapshot aws = local;
  aws.target_group = "nlb";
  aws.external_target = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb/0123456789abcdef";
  aws.target_error = "Throttling: Rate exceeded";
  aws.target_failures = 2;
  s.discovery = {local, aws};
  return s;
}

TEST(PrometheusTest, TargetGroupFailuresOnlyForNamesFeedingAnAwsTargetGroup) {
  auto text = render_metrics(with_discovery(), sample_process);
  EXPECT_TRUE(has_line(text,
                       R"(staticgate_discovery_target_group_failures_total{target_group="nlb",name="alb.example.",)"
                       R"(aws_target_group="arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/alb/0123456789abcdef"} 2)"));
  EXPECT_EQ(text.find(R"(staticgate_discovery_target_group_failures_total{target_group="backends")"), std::string::npos);
}

TEST(PrometheusTest, TargetSamples) {
  auto text = render_metrics(testing::sample_snapshot(), sample_process);
  const std::string a = R"({target_group="backends",target="10.0.0.1:80")";
  const std::string b = R"({target_group="backends",target="10.0.0.2:80"})";
  const std::string c = R"({target_group="v6",target="[::1]:80"})";
  EXPECT_TRUE(has_line(text, "staticgate_target_active_connections" + a + "} 2"));
  EXPECT_TRUE(has_line(text, "staticgate_target_connections_total" + a + "} 100"));
  EXPECT_TRUE(has_line(text, "staticgate_target_connect_failures_total" + a + "} 1"));
  EXPECT_TRUE(has_line(text, "staticgate_target_bytes_total" + a + R"(,direction="from_client"} 1536)"));
  EXPECT_TRUE(has_line(text, "staticgate_target_bytes_total" + a + R"(,direction="from_target"} 3221225472)"));
  EXPECT_TRUE(has_line(text, "staticgate_target_healthy" + a + "} 1"));
  EXPECT_TRUE(has_line(text, "staticgate_target_healthy" + b + " 0"));
  EXPECT_TRUE(has_line(text, "staticgate_target_eligible" + b + " 0"));
  EXPECT_TRUE(has_line(text, "staticgate_target_drained" + b + " 0"));
  EXPECT_TRUE(has_line(text, "staticgate_target_drained" + c + " 1"));
  EXPECT_TRUE(has_line(text, "staticgate_target_healthy" + c + " 1"));  // not checked
}

TEST(PrometheusTest, HistogramBucketsAreCumulativeInSecondsAndEndAtCount) {
  auto text = render_metrics(testing::sample_snapshot(), sample_process);
  const std::string n = "staticgate_target_connect_duration_seconds";
  const std::string l = R"({target_group="backends",target="10.0.0.1:80")";
  EXPECT_TRUE(has_line(text, n + "_bucket" + l + R"(,le="0.0001"} 1)"));
  EXPECT_TRUE(has_line(text, n + "_bucket" + l + R"(,le="0.0025"} 3)"));
  EXPECT_TRUE(has_line(text, n + "_bucket" + l + R"(,le="1"} 4)"));
  EXPECT_TRUE(has_line(text, n + "_bucket" + l + R"(,le="+Inf"} 5)"));
  EXPECT_TRUE(has_line(text, n + "_sum" + l + "} 3.00215"));
  EXPECT_TRUE(has_line(text, n + "_count" + l + "} 5"));
  // An empty histogram still has every bucket, at 0.
  const std::string e = R"({target_group="backends",target="10.0.0.2:80")";
  EXPECT_TRUE(has_line(text, n + "_bucket" + e + R"(,le="+Inf"} 0)"));
  EXPECT_TRUE(has_line(text, n + "_sum" + e + "} 0"));
  EXPECT_TRUE(has_line(text, "staticgate_target_connection_duration_seconds_count" + l + "} 5"));
}

TEST(PrometheusTest, RealBucketBoundsConvert) {
  auto s = testing::sample_snapshot();
  auto& h = s.groups[0].targets[0].duration;
  h.upper_bounds_us = {1000, 14'400'000'000};
  h.cumulative = {0, 0, 0};
  h.count = 0;
  h.sum_us = 0;
  auto text = render_metrics(s, sample_process);
  const std::string p =
      R"(staticgate_target_connection_duration_seconds_bucket{target_group="backends",target="10.0.0.1:80",)";
  EXPECT_TRUE(has_line(text, p + R"(le="0.001"} 0)"));
  EXPECT_TRUE(has_line(text, p + R"(le="14400"} 0)"));
}

TEST(PrometheusTest, EscapesLabelsInOutput) {
  auto s = testing::sample_snapshot();
  s.listeners[0].name = "we\"b\\1\n";
  auto text = render_metrics(s, sample_process);
  EXPECT_TRUE(has_line(text, R"(staticgate_listener_accepted_total{listener="we\"b\\1\n"} 120)"));
}

TEST(PrometheusTest, EmptyFamiliesAreLeftOut) {
  ingress::gateway_snapshot s;
  s.version = "x";
  auto text = render_metrics(s, {});
  EXPECT_EQ(text.find("staticgate_listener_"), std::string::npos);
  EXPECT_EQ(text.find("staticgate_target_"), std::string::npos);
  EXPECT_TRUE(has_line(text, "staticgate_workers 0"));
}

}  // namespace
}  // namespace staticgate::admin

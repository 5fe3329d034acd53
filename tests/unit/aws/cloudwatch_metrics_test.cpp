// The sync figures as CloudWatch data, and the PutMetricData parameters: exact names, batches of
// at most 1000 data under the body budget, and the checks that keep a bad datum from being sent.
#include "aws/cloudwatch_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aws = staticgate::aws;
using namespace std::chrono;
using dimensions = std::vector<std::pair<std::string, std::string>>;

namespace {

// 2024-05-01T12:00:00.750Z: the fraction is dropped in the Timestamp.
const system_clock::time_point when = sys_days{2024y / 5 / 1} + 12h + 750ms;

aws::metric_datum datum(std::string name, double value, dimensions dims = {{"Name", "alb.example.com"}}) {
  return aws::metric_datum{.name = std::move(name), .dimensions = std::move(dims), .value = value, .unit = "Count",
                           .at = when};
}

std::size_t data_in(const aws::query_params& batch) {
  std::size_t n = 0;
  for (const auto& [key, value] : batch)
    if (key.ends_with(".MetricName")) ++n;
  return n;
}

std::string value_of(const aws::query_params& batch, const std::string& key) {
  for (const auto& [k, v] : batch)
    if (k == key) return v;
  return "(absent)";
}

}  // namespace

TEST(CloudwatchMetrics, SyncFiguresBecomeTheRecipeFigurePlusOurs) {
  const aws::sync_figures f{.target_group = "alb",
                            .name = "alb.example.com",
                            .address_count = 8,
                            .pending_deregistration = 2,
                            .registered = 3,
                            .deregistered = 1,
                            .lookup_failures = 4,
                            .sync_failed = true};
  const auto data = aws::sync_metric_data(f, when);
  const dimensions ours = {{"TargetGroup", "alb"}, {"Name", "alb.example.com"}};
  const std::vector<std::tuple<std::string, dimensions, double>> expected = {
      {"LoadBalancerIPCount", {{"LoadBalancerName", "alb.example.com"}}, 8},
      {"AddressCount", ours, 8},
      {"PendingDeregistration", ours, 2},
      {"Registered", ours, 3},
      {"Deregistered", ours, 1},
      {"LookupFailures", ours, 4},
      {"SyncFailed", ours, 1}};
  ASSERT_EQ(data.size(), expected.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].name, std::get<0>(expected[i]));
    EXPECT_EQ(data[i].dimensions, std::get<1>(expected[i])) << data[i].name;
    EXPECT_EQ(data[i].value, std::get<2>(expected[i])) << data[i].name;
    EXPECT_EQ(data[i].unit, "Count");
    EXPECT_EQ(data[i].at, when);
  }
}

TEST(CloudwatchMetrics, AFailedLookupSendsNoAddressCountRatherThanZero) {
  const aws::sync_figures f{.target_group = "alb", .name = "alb.example.com", .address_count = std::nullopt,
                            .lookup_failures = 256, .sync_failed = false};
  const auto data = aws::sync_metric_data(f, when);
  ASSERT_EQ(data.size(), 5u);
  for (const auto& d : data) {
    EXPECT_NE(d.name, "LoadBalancerIPCount");
    EXPECT_NE(d.name, "AddressCount");
  }
  EXPECT_EQ(data[0].name, "PendingDeregistration");
  EXPECT_EQ(data[3].name, "LookupFailures");
  EXPECT_EQ(data[3].value, 256);
  EXPECT_EQ(data[4].name, "SyncFailed");
  EXPECT_EQ(data[4].value, 0);
}

TEST(CloudwatchMetrics, AnAnswerWithNoAddressesIsAZeroNotAnAbsence) {
  const auto data = aws::sync_metric_data({.target_group = "alb", .name = "n", .address_count = 0}, when);
  ASSERT_EQ(data.size(), 7u);
  EXPECT_EQ(data[0].name, "LoadBalancerIPCount");
  EXPECT_EQ(data[0].value, 0);
}

TEST(CloudwatchMetrics, ExactParametersOfOneBatch) {
  const std::vector<aws::metric_datum> data = {
      datum("LoadBalancerIPCount", 8, {{"LoadBalancerName", "alb.example.com"}}),
      aws::metric_datum{.name = "Ratio", .dimensions = {{"TargetGroup", "alb"}, {"Name", "a b"}}, .value = 0.25,
                        .unit = "", .at = when}};
  const auto batches = aws::put_metric_data_batches("StaticGate", data);
  ASSERT_EQ(batches.size(), 1u);
  const aws::query_params expected = {
      {"Namespace", "StaticGate"},
      {"MetricData.member.1.MetricName", "LoadBalancerIPCount"},
      {"MetricData.member.1.Dimensions.member.1.Name", "LoadBalancerName"},
      {"MetricData.member.1.Dimensions.member.1.Value", "alb.example.com"},
      {"MetricData.member.1.Value", "8"},
      {"MetricData.member.1.Unit", "Count"},
      {"MetricData.member.1.Timestamp", "2024-05-01T12:00:00Z"},
      {"MetricData.member.2.MetricName", "Ratio"},
      {"MetricData.member.2.Dimensions.member.1.Name", "TargetGroup"},
      {"MetricData.member.2.Dimensions.member.1.Value", "alb"},
      {"MetricData.member.2.Dimensions.member.2.Name", "Name"},
      {"MetricData.member.2.Dimensions.member.2.Value", "a b"},
      {"MetricData.member.2.Value", "0.25"},  // no Unit: CloudWatch stores "None"
      {"MetricData.member.2.Timestamp", "2024-05-01T12:00:00Z"},
  };
  EXPECT_EQ(batches[0], expected);
}

TEST(CloudwatchMetrics, NoDataNoBatches) { EXPECT_TRUE(aws::put_metric_data_batches("StaticGate", {}).empty()); }

TEST(CloudwatchMetrics, AtMostAThousandDataPerCallNumberedFromOneInEach) {
  std::vector<aws::metric_datum> data;
  for (int i = 0; i < 2500; ++i) data.push_back(datum("M" + std::to_string(i), i));
  const auto batches = aws::put_metric_data_batches("StaticGate", data);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(data_in(batches[0]), 1000u);
  EXPECT_EQ(data_in(batches[1]), 1000u);
  EXPECT_EQ(data_in(batches[2]), 500u);
  for (const auto& batch : batches) {
    ASSERT_FALSE(batch.empty());
    EXPECT_EQ(batch.front(), (std::pair<std::string, std::string>{"Namespace", "StaticGate"}));
  }
  EXPECT_EQ(value_of(batches[0], "MetricData.member.1000.MetricName"), "M999");
  EXPECT_EQ(value_of(batches[0], "MetricData.member.1001.MetricName"), "(absent)");
  EXPECT_EQ(value_of(batches[1], "MetricData.member.1.MetricName"), "M1000");
  EXPECT_EQ(value_of(batches[1], "MetricData.member.1.Value"), "1000");
  EXPECT_EQ(value_of(batches[2], "MetricData.member.500.MetricName"), "M2499");
}

TEST(CloudwatchMetrics, ExactlyAThousandIsOneCall) {
  std::vector<aws::metric_datum> data(1000, datum("M", 1));
  EXPECT_EQ(aws::put_metric_data_batches("StaticGate", data).size(), 1u);
  data.push_back(datum("M", 1));
  EXPECT_EQ(aws::put_metric_data_batches("StaticGate", data).size(), 2u);
}

TEST(CloudwatchMetrics, LargeDataAreSplitToStayWellUnderTheBodyLimit) {
  // 30 dimensions with 1024-character values that each need percent-encoding: ~90 KB a datum.
  dimensions big;
  for (int i = 0; i < 30; ++i) big.emplace_back("D" + std::to_string(i), std::string(1024, '/'));
  const std::vector<aws::metric_datum> data(20, datum("Big", 1, big));
  const auto batches = aws::put_metric_data_batches("StaticGate", data);
  ASSERT_GT(batches.size(), 1u);
  std::size_t total = 0;
  for (const auto& batch : batches) {
    const auto body = aws::encode_query_body("PutMetricData", aws::cloudwatch_api_version, batch);
    EXPECT_LE(body.size(), aws::put_metric_data_body_budget);
    EXPECT_LT(aws::put_metric_data_body_budget, 1024u * 1024u);
    EXPECT_EQ(value_of(batch, "MetricData.member.1.MetricName"), "Big");
    total += data_in(batch);
  }
  EXPECT_EQ(total, data.size());
}

TEST(CloudwatchMetrics, ValuesReadBackExactly) {
  const std::vector<aws::metric_datum> data = {datum("A", 0), datum("B", 1e100), datum("C", -3.5),
                                               datum("D", 0.1)};
  const auto batch = aws::put_metric_data_batches("N", data).at(0);
  EXPECT_EQ(value_of(batch, "MetricData.member.1.Value"), "0");
  EXPECT_EQ(value_of(batch, "MetricData.member.2.Value"), "1e+100");
  EXPECT_EQ(value_of(batch, "MetricData.member.3.Value"), "-3.5");
  EXPECT_EQ(value_of(batch, "MetricData.member.4.Value"), "0.1");
}

TEST(CloudwatchMetrics, DatumProblems) {
  EXPECT_EQ(aws::metric_datum_problem(datum("Fine", 3)), "");
  EXPECT_NE(aws::metric_datum_problem(datum("", 3)).find("MetricName"), std::string::npos);
  EXPECT_NE(aws::metric_datum_problem(datum(std::string(256, 'm'), 3)).find("MetricName"), std::string::npos);
  EXPECT_NE(aws::metric_datum_problem(datum("N", std::nan(""))).find("finite"), std::string::npos);
  EXPECT_NE(aws::metric_datum_problem(datum("N", std::numeric_limits<double>::infinity())).find("finite"),
            std::string::npos);
  EXPECT_NE(aws::metric_datum_problem(datum("N", std::ldexp(1.0, 361))).find("2^360"), std::string::npos);
  EXPECT_EQ(aws::metric_datum_problem(datum("N", -std::ldexp(1.0, 360))), "");
  EXPECT_NE(aws::metric_datum_problem(datum("N", 1, {{"Name", ""}})).find("dimension Name"), std::string::npos);
  EXPECT_NE(aws::metric_datum_problem(datum("N", 1, {{"", "v"}})).find("dimension name"), std::string::npos);
  dimensions many;
  for (int i = 0; i < 31; ++i) many.emplace_back("D" + std::to_string(i), "v");
  EXPECT_NE(aws::metric_datum_problem(datum("N", 1, many)).find("30 dimensions"), std::string::npos);
  auto bad_unit = datum("N", 1);
  bad_unit.unit = "Counts";
  EXPECT_NE(aws::metric_datum_problem(bad_unit).find("not a CloudWatch unit"), std::string::npos);
  bad_unit.unit = "Count/Second";
  EXPECT_EQ(aws::metric_datum_problem(bad_unit), "");
}

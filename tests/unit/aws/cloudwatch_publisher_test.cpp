// The publisher against the scripted server: one PutMetricData per batch with the exact body,
// the first error kept while later batches still go, and nothing sent for data CloudWatch would
// refuse (a reserved AWS/ namespace, a NaN).
#include "aws/cloudwatch_publisher.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "scripted_http_server.hpp"

namespace aws = staticgate::aws;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono;

namespace {

constexpr const char* accepted =
    "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><ResponseMetadata>"
    "<RequestId>e16fc4d3-9a04-11e0-9362-093a1cae5385</RequestId></ResponseMetadata></PutMetricDataResponse>";

constexpr const char* refused =
    "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>The value for parameter "
    "MetricData.member.1.Value is invalid.</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";

const system_clock::time_point when = sys_days{2024y / 5 / 1} + 12h;

std::unique_ptr<aws::service_client> monitoring_for(const scripted_server& server) {
  aws::service_client_options o;
  o.http.connect_timeout = 300ms;
  o.http.timeout = 500ms;
  o.sleep = [](milliseconds) {};
  return std::make_unique<aws::service_client>(
      aws::endpoint_for("monitoring", "eu-west-1", server.url("")),
      std::make_shared<aws::static_credential_provider>(aws::credentials{
          .access_key_id = "AKIDEXAMPLE", .secret_access_key = "s", .session_token = "", .expiration = std::nullopt,
          .source = "test"}),
      o);
}

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

std::vector<aws::metric_datum> many(std::size_t n) {
  std::vector<aws::metric_datum> data;
  for (std::size_t i = 0; i < n; ++i)
    data.push_back({.name = "M", .dimensions = {{"I", std::to_string(i)}}, .value = 1, .unit = "Count", .at = when});
  return data;
}

}  // namespace

TEST(CloudwatchPublisher, SendsTheSyncFiguresInOneSignedCall) {
  scripted_server server({respond(200, accepted)});
  auto client = monitoring_for(server);
  aws::cloudwatch_publisher publisher(*client, "StaticGate");
  const auto data = aws::sync_metric_data({.target_group = "alb", .name = "alb.example.com", .address_count = 8}, when);
  const auto r = publisher.publish(data);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.sent, 7u);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(server.requests().size(), 1u);
  const std::string request = server.requests()[0];  // requests() returns a copy
  EXPECT_EQ(body_of(request), aws::encode_query_body("PutMetricData", "2010-08-01",
                                                     aws::put_metric_data_batches("StaticGate", data).at(0)));
  EXPECT_NE(body_of(request).find("Action=PutMetricData&Version=2010-08-01&Namespace=StaticGate&"
                                  "MetricData.member.1.MetricName=LoadBalancerIPCount&"
                                  "MetricData.member.1.Dimensions.member.1.Name=LoadBalancerName&"
                                  "MetricData.member.1.Dimensions.member.1.Value=alb.example.com&"
                                  "MetricData.member.1.Value=8&MetricData.member.1.Unit=Count&"
                                  "MetricData.member.1.Timestamp=2024-05-01T12%3A00%3A00Z&"),
            std::string::npos)
      << body_of(request);
  // Signed for CloudWatch's signing name, "monitoring".
  EXPECT_NE(request.find("/eu-west-1/monitoring/aws4_request"), std::string::npos);
}

TEST(CloudwatchPublisher, OneCallPerBatchAndTheFirstErrorIsKept) {
  scripted_server server({respond(400, refused), respond(200, accepted), respond(400, refused)});
  auto client = monitoring_for(server);
  aws::cloudwatch_publisher publisher(*client, "StaticGate");
  const auto r = publisher.publish(many(2500));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.sent, 1000u);  // the second batch only
  EXPECT_EQ(r.error.rfind("PutMetricData (data 1-1000): InvalidParameterValue", 0), 0u) << r.error;
  ASSERT_EQ(server.requests().size(), 3u);  // a refused batch does not stop the next ones
  EXPECT_NE(body_of(server.requests()[1]).find("&MetricData.member.1.Dimensions.member.1.Value=1000&"),
            std::string::npos);
  EXPECT_NE(body_of(server.requests()[2]).find("&MetricData.member.500.MetricName=M&"), std::string::npos);
}

TEST(CloudwatchPublisher, AnUnreadableAnswerIsAnError) {
  scripted_server server({respond(200, "<html>captive portal</html>")});
  auto client = monitoring_for(server);
  aws::cloudwatch_publisher publisher(*client, "StaticGate");
  const auto r = publisher.publish(many(3));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_NE(r.error.find("unreadable answer"), std::string::npos) << r.error;
}

TEST(CloudwatchPublisher, TheReservedAwsNamespaceIsRefusedWithoutACall) {
  scripted_server server({respond(200, accepted)});
  auto client = monitoring_for(server);
  // The AWS recipe published LoadBalancerIPCount under AWS/ApplicationELB; PutMetricData now
  // refuses AWS/ namespaces, so staticgate does not even try.
  aws::cloudwatch_publisher publisher(*client, "AWS/ApplicationELB");
  const auto r = publisher.publish(many(1));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_NE(r.error.find("AWS/ prefix is reserved"), std::string::npos) << r.error;
  EXPECT_EQ(server.requests().size(), 0u);

  aws::cloudwatch_publisher blank(*client, "  ");
  EXPECT_NE(blank.publish(many(1)).error.find("must not be blank"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(CloudwatchPublisher, ABadDatumStopsTheWholePublish) {
  scripted_server server({respond(200, accepted)});
  auto client = monitoring_for(server);
  aws::cloudwatch_publisher publisher(*client, "StaticGate");
  auto data = many(3);
  data[2].value = std::nan("");
  const auto r = publisher.publish(data);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_NE(r.error.find("finite"), std::string::npos) << r.error;
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(CloudwatchPublisher, NothingToSendIsFine) {
  scripted_server server({});
  auto client = monitoring_for(server);
  aws::cloudwatch_publisher publisher(*client, "StaticGate");
  const auto r = publisher.publish({});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_EQ(server.requests().size(), 0u);
}

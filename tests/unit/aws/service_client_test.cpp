// service_client against the scripted server: query bodies, SigV4 headers, XML error codes
// driving the retry mode, credential failures, REST calls.
#include "aws/service_client.hpp"

#include <gtest/gtest.h>

#include "scripted_http_server.hpp"

namespace aws = staticgate::aws;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<aws::credential_provider> test_keys() {
  return std::make_shared<aws::static_credential_provider>(
      aws::credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret", .session_token = "",
                       .expiration = std::nullopt, .source = "test"});
}

aws::service_client_options no_sleep(std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
  aws::service_client_options o;
  o.http.connect_timeout = 300ms;
  o.http.timeout = 500ms;
  o.sleep = [sleeps](std::chrono::milliseconds d) {
    if (sleeps) sleeps->push_back(d);
  };
  o.random = [] { return 0.5; };
  return o;
}

class failing_provider : public aws::credential_provider {
 public:
  std::optional<aws::credentials> get(std::string& error) override {
    error = "instance metadata: connection refused";
    return std::nullopt;
  }
};

const char* throttled =
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>r-1</RequestId></ErrorResponse>";

}  // namespace

TEST(QueryBody, EncodesActionVersionAndParamsLikeBotocore) {
  EXPECT_EQ(aws::encode_query_body("RegisterTargets", "2015-12-01",
                                   {{"TargetGroupArn", "arn:aws:x:1/a b"}, {"Targets.member.1.Id", "10.0.0.1"}}),
            "Action=RegisterTargets&Version=2015-12-01&TargetGroupArn=arn%3Aaws%3Ax%3A1%2Fa%20b"
            "&Targets.member.1.Id=10.0.0.1");
}

TEST(ServiceClient, SignsAFormPostAndSucceeds) {
  scripted_server server({respond(200, "<ok/>")});
  aws::service_client client(aws::endpoint_for("elasticloadbalancing", "eu-west-1", server.url("")), test_keys(),
                             no_sleep());
  const auto r = client.call("DescribeTargetHealth", "2015-12-01", {{"TargetGroupArn", "arn"}});
  ASSERT_TRUE(r.ok) << r.describe();
  EXPECT_EQ(r.response.body, "<ok/>");
  ASSERT_EQ(server.requests().size(), 1u);
  const std::string req = server.requests()[0];
  EXPECT_EQ(req.rfind("POST / HTTP/1.1", 0), 0u);
  EXPECT_NE(req.find("Content-Type: application/x-www-form-urlencoded; charset=utf-8"), std::string::npos);
  EXPECT_NE(req.find("Credential=AKIDEXAMPLE/"), std::string::npos);
  EXPECT_NE(req.find("/eu-west-1/elasticloadbalancing/aws4_request"), std::string::npos);
  EXPECT_NE(req.find("Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn"), std::string::npos);
}

TEST(ServiceClient, RetriesAnXmlThrottlingErrorWithBackoff) {
  scripted_server server({respond(400, throttled), respond(200, "<ok/>")});
  std::vector<std::chrono::milliseconds> sleeps;
  aws::service_client client(aws::endpoint_for("monitoring", "us-east-1", server.url("")), test_keys(),
                             no_sleep(&sleeps));
  const auto r = client.call("PutMetricData", "2010-08-01", {});
  ASSERT_TRUE(r.ok) << r.describe();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(sleeps.size(), 1u);
}

TEST(ServiceClient, ReportsTheAwsErrorWhenRetriesRunOut) {
  scripted_server server({respond(400, throttled), respond(400, throttled), respond(400, throttled)});
  aws::service_client client(aws::endpoint_for("monitoring", "us-east-1", server.url("")), test_keys(), no_sleep());
  const auto r = client.call("PutMetricData", "2010-08-01", {});
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "Throttling");
  EXPECT_EQ(r.error->request_id, "r-1");
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.describe().find("after 3 attempts"), std::string::npos);
}

TEST(ServiceClient, DoesNotRetryAValidationError) {
  scripted_server server({respond(400,
                                  "<ErrorResponse><Error><Code>ValidationError</Code><Message>bad</Message></Error>"
                                  "</ErrorResponse>")});
  aws::service_client client(aws::endpoint_for("monitoring", "us-east-1", server.url("")), test_keys(), no_sleep());
  const auto r = client.call("PutMetricData", "2010-08-01", {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error->code, "ValidationError");
}

TEST(ServiceClient, NoCredentialsMeansNoRequest) {
  scripted_server server({respond(200, "<ok/>")});
  aws::service_client client(aws::endpoint_for("ec2", "us-east-1", server.url("")),
                             std::make_shared<failing_provider>(), no_sleep());
  const auto r = client.call("DescribeAddresses", "2016-11-15", {});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.describe().find("no AWS credentials: instance metadata: connection refused"), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

TEST(ServiceClient, NetworkFailureIsAnErrorWithoutStatus) {
  aws::service_client client(aws::endpoint_for("ec2", "us-east-1", "http://127.0.0.1:9"), test_keys(), no_sleep());
  const auto r = client.call("DescribeAddresses", "2016-11-15", {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.response.status, 0);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NE(r.describe().find("calling http://127.0.0.1:9"), std::string::npos);
}

TEST(ServiceClient, RestCallsCarryThePayloadHashForS3) {
  scripted_server server({respond(200, "", "ETag: \"abc\"\r\n")});
  aws::service_client client(aws::endpoint_for("s3", "us-east-1", server.url("")), test_keys(), no_sleep());
  aws::outgoing_request put;
  put.method = "PUT";
  put.url = server.url("/bucket/key");
  put.body = "{}";
  const auto r = client.send(put);
  ASSERT_TRUE(r.ok) << r.describe();
  EXPECT_NE(server.requests()[0].find("X-Amz-Content-SHA256: 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
            std::string::npos);
  ASSERT_NE(aws::find_header(r.response.headers, "etag"), nullptr);
}

namespace {

// Hands out AKID1 until invalidated, then AKID2.
class rotating_provider : public aws::credential_provider {
 public:
  std::optional<aws::credentials> get(std::string&) override {
    return aws::credentials{.access_key_id = invalidated ? "AKIDSECOND" : "AKIDFIRST", .secret_access_key = "s",
                            .session_token = "t", .expiration = std::nullopt, .source = "test"};
  }
  void invalidate() override { ++invalidated; }
  int invalidated = 0;
};

const char* expired_token =
    "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the "
    "request is expired</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";

}  // namespace

TEST(ServiceClient, AnExpiredTokenAnswerFetchesNewCredentialsAndTriesOnceMore) {
  scripted_server server({respond(403, expired_token), respond(200, "<ok/>")});
  auto provider = std::make_shared<rotating_provider>();
  aws::service_client client(aws::endpoint_for("elasticloadbalancing", "eu-west-1", server.url("")), provider,
                             no_sleep());
  const auto r = client.call("DescribeTargetHealth", "2015-12-01", {{"TargetGroupArn", "arn"}});
  ASSERT_TRUE(r.ok) << r.describe();
  EXPECT_EQ(provider->invalidated, 1);
  EXPECT_EQ(r.attempts, 2);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[0].find("Credential=AKIDFIRST/"), std::string::npos);
  EXPECT_NE(server.requests()[1].find("Credential=AKIDSECOND/"), std::string::npos);
}

TEST(ServiceClient, ASecondExpiredTokenAnswerIsTheCallsError) {
  scripted_server server({respond(403, expired_token), respond(403, expired_token), respond(200, "<ok/>")});
  auto provider = std::make_shared<rotating_provider>();
  aws::service_client client(aws::endpoint_for("elasticloadbalancing", "eu-west-1", server.url("")), provider,
                             no_sleep());
  const auto r = client.call("DescribeTargetHealth", "2015-12-01", {{"TargetGroupArn", "arn"}});
  ASSERT_FALSE(r.ok);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "ExpiredToken");
  EXPECT_EQ(server.requests().size(), 2u);
}

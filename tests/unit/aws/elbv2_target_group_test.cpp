// The NLB target group adapter against the scripted server: what counts as registered, the
// batched Register/Deregister bodies, and failures as "unknown" rather than "empty".
#include "aws/elbv2_target_group.hpp"

#include <gtest/gtest.h>

#include "scripted_http_server.hpp"

namespace aws = staticgate::aws;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono_literals;

namespace {

constexpr const char* arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0123456789abcdef";

std::shared_ptr<aws::service_client> client_for(const scripted_server& server) {
  aws::service_client_options o;
  o.http.connect_timeout = 300ms;
  o.http.timeout = 500ms;
  o.sleep = [](std::chrono::milliseconds) {};
  return std::make_shared<aws::service_client>(
      aws::endpoint_for("elasticloadbalancing", "eu-west-1", server.url("")),
      std::make_shared<aws::static_credential_provider>(aws::credentials{
          .access_key_id = "AKIDEXAMPLE", .secret_access_key = "s", .session_token = "", .expiration = std::nullopt,
          .source = "test"}),
      o);
}

std::string member(const std::string& id, int port, const std::string& state) {
  return "<member><Target><Id>" + id + "</Id><Port>" + std::to_string(port) + "</Port></Target><TargetHealth><State>" +
         state + "</State></TargetHealth></member>";
}

std::string health(const std::string& members) {
  return "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
         "<DescribeTargetHealthResult><TargetHealthDescriptions>" +
         members + "</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>r</RequestId>"
                   "</ResponseMetadata></DescribeTargetHealthResponse>";
}

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

}  // namespace

TEST(Elbv2TargetGroup, RegisteredIsTheDiscoveryPortLessDrainingTargets) {
  scripted_server server({respond(200, health(member("10.0.0.1", 443, "healthy") + member("10.0.0.2", 443, "draining") +
                                              member("10.0.0.3", 8443, "healthy") +
                                              member("2001:DB8::1", 443, "initial") + member("i-0abc", 443, "healthy")))});
  aws::elbv2_target_group tg(client_for(server), arn, 443, false);
  std::string error;
  const auto view = tg.registered(error);
  ASSERT_TRUE(view.known) << error;
  EXPECT_EQ(view.addresses, (std::set<std::string>{"10.0.0.1", "2001:db8::1"}));
  EXPECT_NE(body_of(server.requests()[0]).find("Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn%3Aaws"),
            std::string::npos);
}

TEST(Elbv2TargetGroup, AFailedReadIsUnknownNeverEmpty) {
  scripted_server server({respond(400, "<ErrorResponse><Error><Code>TargetGroupNotFound</Code><Message>no such"
                                       "</Message></Error></ErrorResponse>")});
  aws::elbv2_target_group tg(client_for(server), arn, 443, false);
  std::string error;
  const auto view = tg.registered(error);
  EXPECT_FALSE(view.known);
  EXPECT_NE(error.find("TargetGroupNotFound"), std::string::npos);
}

TEST(Elbv2TargetGroup, RegistersAndDeregistersInOneCallEach) {
  scripted_server server(
      {respond(200, "<RegisterTargetsResponse><RegisterTargetsResult/><ResponseMetadata><RequestId>a</RequestId>"
                    "</ResponseMetadata></RegisterTargetsResponse>"),
       respond(200, "<DeregisterTargetsResponse><DeregisterTargetsResult/><ResponseMetadata><RequestId>b</RequestId>"
                    "</ResponseMetadata></DeregisterTargetsResponse>")});
  aws::elbv2_target_group tg(client_for(server), arn, 443, true);
  const auto r = tg.apply({"10.0.0.1", "10.0.0.2"}, {"10.0.0.9"});
  EXPECT_EQ(r.registered, (std::set<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(r.deregistered, (std::set<std::string>{"10.0.0.9"}));
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(body_of(server.requests()[0]).find("Action=RegisterTargets&Version=2015-12-01&TargetGroupArn="),
            std::string::npos);
  EXPECT_NE(body_of(server.requests()[0])
                .find("&Targets.member.1.Id=10.0.0.1&Targets.member.1.Port=443&Targets.member.1.AvailabilityZone=all"
                      "&Targets.member.2.Id=10.0.0.2&Targets.member.2.Port=443"),
            std::string::npos);
  EXPECT_NE(body_of(server.requests()[1]).find("Action=DeregisterTargets"), std::string::npos);
}

TEST(Elbv2TargetGroup, AFailedCallReportsItsAddressesAsNotDone) {
  scripted_server server({respond(400, "<ErrorResponse><Error><Code>InvalidTarget</Code><Message>outside the VPC"
                                       "</Message></Error></ErrorResponse>")});
  aws::elbv2_target_group tg(client_for(server), arn, 443, false);
  const auto r = tg.apply({"192.0.2.1"}, {});
  EXPECT_TRUE(r.registered.empty());
  EXPECT_NE(r.register_error.find("InvalidTarget: outside the VPC"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 1u);
}

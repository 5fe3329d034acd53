// Successful AWS query-API answers (src/aws/query_responses.hpp), with bodies shaped as the API
// references' examples: ELBv2, EC2 (with pagination), CloudWatch and STS; plus malformed XML,
// error documents in place of a result, and missing required elements.
#include "aws/query_responses.hpp"

#include <gtest/gtest.h>

#include <string>

#include "aws/iso8601.hpp"

namespace staticgate::aws {
namespace {

using namespace std::chrono;

constexpr const char* describe_target_health_ok = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetHealthResult>
    <TargetHealthDescriptions>
      <member>
        <HealthCheckPort>80</HealthCheckPort>
        <TargetHealth>
          <State>healthy</State>
        </TargetHealth>
        <Target>
          <Port>80</Port>
          <Id>i-0376fadf</Id>
        </Target>
      </member>
      <member>
        <HealthCheckPort>8080</HealthCheckPort>
        <TargetHealth>
          <Description>Health checks failed with these codes: [502]</Description>
          <State>unhealthy</State>
          <Reason>Target.ResponseCodeMismatch</Reason>
        </TargetHealth>
        <Target>
          <AvailabilityZone>all</AvailabilityZone>
          <Port>8080</Port>
          <Id>10.0.1.17</Id>
        </Target>
      </member>
    </TargetHealthDescriptions>
  </DescribeTargetHealthResult>
  <ResponseMetadata>
    <RequestId>c534f810-f389-11e5-9192-3fff33344cfa</RequestId>
  </ResponseMetadata>
</DescribeTargetHealthResponse>
)";

TEST(query_responses, describe_target_health) {
  std::string error;
  const auto result = parse_describe_target_health(describe_target_health_ok, error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->request_id, "c534f810-f389-11e5-9192-3fff33344cfa");
  ASSERT_EQ(result->targets.size(), 2u);
  const auto& first = result->targets[0];
  EXPECT_EQ(first.id, "i-0376fadf");
  EXPECT_EQ(first.port, 80);
  EXPECT_FALSE(first.availability_zone);
  EXPECT_EQ(first.state, "healthy");
  EXPECT_EQ(first.reason, "");
  EXPECT_EQ(first.description, "");
  const auto& second = result->targets[1];
  EXPECT_EQ(second.id, "10.0.1.17");
  EXPECT_EQ(second.port, 8080);
  EXPECT_EQ(second.availability_zone, "all");
  EXPECT_EQ(second.state, "unhealthy");
  EXPECT_EQ(second.reason, "Target.ResponseCodeMismatch");
  EXPECT_EQ(second.description, "Health checks failed with these codes: [502]");
}

TEST(query_responses, describe_target_health_empty_and_lambda) {
  std::string error;
  auto result = parse_describe_target_health(
      "<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions/>"
      "</DescribeTargetHealthResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
      "</DescribeTargetHealthResponse>",
      error);
  ASSERT_TRUE(result) << error;
  EXPECT_TRUE(result->targets.empty());

  result = parse_describe_target_health(
      "<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions><member>"
      "<Target><Id>arn:aws:lambda:us-west-2:123456789012:function:f</Id></Target>"
      "<TargetHealth><State>unavailable</State><Reason>Target.HealthCheckDisabled</Reason></TargetHealth>"
      "</member></TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>",
      error);
  ASSERT_TRUE(result) << error;
  ASSERT_EQ(result->targets.size(), 1u);
  EXPECT_FALSE(result->targets[0].port);
  EXPECT_EQ(result->request_id, "");
}

std::string one_target(const std::string& target, const std::string& health) {
  return "<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions><member><Target>" +
         target + "</Target><TargetHealth>" + health +
         "</TargetHealth></member></TargetHealthDescriptions></DescribeTargetHealthResult>"
         "</DescribeTargetHealthResponse>";
}

TEST(query_responses, describe_target_health_rejects) {
  std::string error;
  EXPECT_FALSE(parse_describe_target_health(one_target("<Port>80</Port>", "<State>healthy</State>"), error));
  EXPECT_EQ(error, "DescribeTargetHealth: target 1 Target: Id is missing");
  EXPECT_FALSE(parse_describe_target_health(one_target("<Id>i-1</Id>", "<Reason>x</Reason>"), error));
  EXPECT_EQ(error, "DescribeTargetHealth: target 1 TargetHealth: State is missing");
  for (const char* port : {"0", "65536", "80x", "", "-1"}) {
    error.clear();
    EXPECT_FALSE(parse_describe_target_health(
        one_target(std::string("<Id>i-1</Id><Port>") + port + "</Port>", "<State>healthy</State>"), error))
        << port;
    EXPECT_EQ(error, "DescribeTargetHealth: target 1: Target Port is not a port number") << port;
  }
  EXPECT_FALSE(parse_describe_target_health(
      "<DescribeTargetHealthResponse><ResponseMetadata/></DescribeTargetHealthResponse>", error));
  EXPECT_EQ(error, "DescribeTargetHealth: DescribeTargetHealthResult is missing");
  EXPECT_FALSE(parse_describe_target_health("<DescribeTargetHealthResponse><DescribeTargetHealthResult>", error));
  EXPECT_EQ(error.rfind("DescribeTargetHealth: malformed XML at offset", 0), 0u) << error;
  EXPECT_FALSE(parse_describe_target_health("", error));
  EXPECT_EQ(error.rfind("DescribeTargetHealth: malformed XML", 0), 0u) << error;
  EXPECT_FALSE(parse_describe_target_health("<RegisterTargetsResponse/>", error));
  EXPECT_EQ(error, "DescribeTargetHealth: unexpected root element <RegisterTargetsResponse>");
  EXPECT_FALSE(parse_describe_target_health(
      "<ErrorResponse><Error><Type>Sender</Type><Code>TargetGroupNotFound</Code><Message>Target groups "
      "'arn:x' not found</Message></Error><RequestId>r</RequestId></ErrorResponse>",
      error));
  EXPECT_EQ(error, "DescribeTargetHealth: TargetGroupNotFound: Target groups 'arn:x' not found");
}

TEST(query_responses, register_and_deregister_targets) {
  std::string error;
  const auto registered = parse_register_targets(
      R"(<RegisterTargetsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <RegisterTargetsResult/>
  <ResponseMetadata>
    <RequestId>f9880f01-7852-629d-a6c3-3ae2-cf7b1EXAMPLE</RequestId>
  </ResponseMetadata>
</RegisterTargetsResponse>)",
      error);
  ASSERT_TRUE(registered) << error;
  EXPECT_EQ(registered->request_id, "f9880f01-7852-629d-a6c3-3ae2-cf7b1EXAMPLE");
  const auto deregistered = parse_deregister_targets(
      "<DeregisterTargetsResponse><DeregisterTargetsResult/><ResponseMetadata><RequestId>d</RequestId>"
      "</ResponseMetadata></DeregisterTargetsResponse>",
      error);
  ASSERT_TRUE(deregistered) << error;
  EXPECT_EQ(deregistered->request_id, "d");
  EXPECT_FALSE(parse_deregister_targets("<RegisterTargetsResponse/>", error));  // the wrong call's answer
  EXPECT_FALSE(parse_register_targets(
      "<ErrorResponse><Error><Code>InvalidTarget</Code><Message>m</Message></Error></ErrorResponse>", error));
  EXPECT_EQ(error, "RegisterTargets: InvalidTarget: m");
}

constexpr const char* describe_network_interfaces_page1 = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>fc45294c-006b-457b-bab9-012f5b3b0e40</requestId>
    <networkInterfaceSet>
        <item>
            <networkInterfaceId>eni-0f62d866</networkInterfaceId>
            <subnetId>subnet-c53c87ac</subnetId>
            <vpcId>vpc-cc3c87a5</vpcId>
            <availabilityZone>ap-southeast-1b</availabilityZone>
            <description>ELB net/my-nlb/50dc6c495c0c9188</description>
            <ownerId>053230519467</ownerId>
            <requesterId>amazon-elb</requesterId>
            <requesterManaged>true</requesterManaged>
            <status>in-use</status>
            <macAddress>02:81:60:cb:27:37</macAddress>
            <privateIpAddress>10.0.0.146</privateIpAddress>
            <sourceDestCheck>true</sourceDestCheck>
            <interfaceType>network_load_balancer</interfaceType>
            <groupSet>
                <item>
                    <groupId>sg-3f4b5653</groupId>
                    <groupName>default</groupName>
                </item>
                <item>
                    <groupId>sg-0a1b2c3d</groupId>
                    <groupName>web</groupName>
                </item>
            </groupSet>
            <attachment>
                <attachmentId>eni-attach-6537fc0c</attachmentId>
                <instanceOwnerId>amazon-elb</instanceOwnerId>
                <deviceIndex>1</deviceIndex>
                <status>attached</status>
                <attachTime>2013-11-30T23:36:42.000Z</attachTime>
                <deleteOnTermination>false</deleteOnTermination>
            </attachment>
            <association>
                <publicIp>203.0.113.12</publicIp>
                <publicDnsName>ec2-203-0-113-12.ap-southeast-1.compute.amazonaws.com</publicDnsName>
                <ipOwnerId>053230519467</ipOwnerId>
                <allocationId>eipalloc-0abc</allocationId>
                <associationId>eipassoc-0def</associationId>
            </association>
            <tagSet/>
            <privateIpAddressesSet>
                <item>
                    <privateIpAddress>10.0.0.146</privateIpAddress>
                    <primary>true</primary>
                    <association>
                        <publicIp>203.0.113.12</publicIp>
                        <allocationId>eipalloc-0abc</allocationId>
                        <associationId>eipassoc-0def</associationId>
                    </association>
                </item>
            </privateIpAddressesSet>
        </item>
        <item>
            <networkInterfaceId>eni-a66ed5cf</networkInterfaceId>
            <subnetId>subnet-cd8a35a4</subnetId>
            <description>Primary network interface</description>
            <status>available</status>
            <privateIpAddress>10.0.1.5</privateIpAddress>
            <interfaceType>interface</interfaceType>
            <groupSet/>
        </item>
    </networkInterfaceSet>
    <nextToken>eyJ2IjoiMiIsImMiOiJabz0ifQ==</nextToken>
</DescribeNetworkInterfacesResponse>
)";

TEST(query_responses, describe_network_interfaces_first_page) {
  std::string error;
  const auto result = parse_describe_network_interfaces(describe_network_interfaces_page1, error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->request_id, "fc45294c-006b-457b-bab9-012f5b3b0e40");
  EXPECT_EQ(result->next_token, "eyJ2IjoiMiIsImMiOiJabz0ifQ==");
  ASSERT_EQ(result->network_interfaces.size(), 2u);
  const auto& nlb = result->network_interfaces[0];
  EXPECT_EQ(nlb.network_interface_id, "eni-0f62d866");
  EXPECT_EQ(nlb.subnet_id, "subnet-c53c87ac");
  EXPECT_EQ(nlb.interface_type, "network_load_balancer");
  EXPECT_EQ(nlb.description, "ELB net/my-nlb/50dc6c495c0c9188");
  EXPECT_EQ(nlb.requester_id, "amazon-elb");
  EXPECT_EQ(nlb.status, "in-use");  // not the attachment's "attached"
  EXPECT_EQ(nlb.private_ip_address, "10.0.0.146");
  EXPECT_EQ(nlb.group_ids, (std::vector<std::string>{"sg-3f4b5653", "sg-0a1b2c3d"}));
  ASSERT_TRUE(nlb.association);
  EXPECT_EQ(nlb.association->public_ip, "203.0.113.12");
  EXPECT_EQ(nlb.association->allocation_id, "eipalloc-0abc");
  EXPECT_EQ(nlb.association->association_id, "eipassoc-0def");
  const auto& plain = result->network_interfaces[1];
  EXPECT_EQ(plain.network_interface_id, "eni-a66ed5cf");
  EXPECT_EQ(plain.requester_id, "");
  EXPECT_TRUE(plain.group_ids.empty());
  EXPECT_FALSE(plain.association);
}

TEST(query_responses, describe_network_interfaces_last_page_and_empty) {
  std::string error;
  auto result = parse_describe_network_interfaces(
      R"(<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">)"
      "<requestId>r2</requestId><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>"
      "<association><publicIp>198.51.100.7</publicIp><ipOwnerId>amazon</ipOwnerId></association></item>"
      "</networkInterfaceSet></DescribeNetworkInterfacesResponse>",
      error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->next_token, "");  // no nextToken: the last page
  ASSERT_EQ(result->network_interfaces.size(), 1u);
  ASSERT_TRUE(result->network_interfaces[0].association);  // an AWS-assigned public address
  EXPECT_EQ(result->network_interfaces[0].association->public_ip, "198.51.100.7");
  EXPECT_EQ(result->network_interfaces[0].association->allocation_id, "");

  result = parse_describe_network_interfaces(
      "<DescribeNetworkInterfacesResponse><requestId>r3</requestId><networkInterfaceSet/>"
      "<nextToken></nextToken></DescribeNetworkInterfacesResponse>",
      error);
  ASSERT_TRUE(result) << error;
  EXPECT_TRUE(result->network_interfaces.empty());
  EXPECT_EQ(result->next_token, "");
}

TEST(query_responses, describe_network_interfaces_rejects) {
  std::string error;
  EXPECT_FALSE(parse_describe_network_interfaces(
      "<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>"
      "</item><item><subnetId>subnet-1</subnetId></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>",
      error));
  EXPECT_EQ(error, "DescribeNetworkInterfaces: network interface 2: networkInterfaceId is missing");
  EXPECT_FALSE(parse_describe_network_interfaces(
      "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform "
      "this operation.</Message></Error></Errors><RequestID>r</RequestID></Response>",
      error));
  EXPECT_EQ(error, "DescribeNetworkInterfaces: UnauthorizedOperation: You are not authorized to perform this operation.");
  EXPECT_FALSE(parse_describe_network_interfaces("<DescribeNetworkInterfacesResponse><networkInterfaceSet>", error));
  EXPECT_EQ(error.rfind("DescribeNetworkInterfaces: malformed XML", 0), 0u) << error;
}

TEST(query_responses, associate_address) {
  std::string error;
  const auto result = parse_associate_address(
      R"(<AssociateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
   <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
   <return>true</return>
   <associationId>eipassoc-fc5ca095</associationId>
</AssociateAddressResponse>)",
      error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->association_id, "eipassoc-fc5ca095");
  EXPECT_EQ(result->request_id, "59dbff89-35bd-4eac-99ed-be587EXAMPLE");
  EXPECT_FALSE(parse_associate_address(
      "<AssociateAddressResponse><requestId>r</requestId><return>true</return></AssociateAddressResponse>", error));
  EXPECT_EQ(error, "AssociateAddress: associationId is missing");
}

TEST(query_responses, describe_addresses) {
  std::string error;
  const auto result = parse_describe_addresses(R"(<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
   <requestId>f7de5e98-491a-4c19-a92d-908d6EXAMPLE</requestId>
   <addressesSet>
      <item>
         <publicIp>203.0.113.41</publicIp>
         <allocationId>eipalloc-08229861</allocationId>
         <domain>vpc</domain>
         <instanceId>i-0598c7d356eba48d7</instanceId>
         <associationId>eipassoc-f0229899</associationId>
         <networkInterfaceId>eni-ef229886</networkInterfaceId>
         <networkInterfaceOwnerId>053230519467</networkInterfaceOwnerId>
         <privateIpAddress>10.0.0.228</privateIpAddress>
         <publicIpv4Pool>amazon</publicIpv4Pool>
         <networkBorderGroup>us-east-1</networkBorderGroup>
      </item>
      <item>
         <publicIp>198.51.100.2</publicIp>
         <allocationId>eipalloc-0fe2ad5a</allocationId>
         <domain>vpc</domain>
         <tagSet/>
      </item>
   </addressesSet>
</DescribeAddressesResponse>)",
                                               error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->request_id, "f7de5e98-491a-4c19-a92d-908d6EXAMPLE");
  ASSERT_EQ(result->addresses.size(), 2u);
  EXPECT_EQ(result->addresses[0].public_ip, "203.0.113.41");
  EXPECT_EQ(result->addresses[0].allocation_id, "eipalloc-08229861");
  EXPECT_EQ(result->addresses[0].association_id, "eipassoc-f0229899");
  EXPECT_EQ(result->addresses[0].network_interface_id, "eni-ef229886");
  EXPECT_EQ(result->addresses[0].private_ip_address, "10.0.0.228");
  EXPECT_EQ(result->addresses[1].public_ip, "198.51.100.2");
  EXPECT_EQ(result->addresses[1].association_id, "");
  EXPECT_EQ(result->addresses[1].network_interface_id, "");

  EXPECT_FALSE(parse_describe_addresses(
      "<DescribeAddressesResponse><addressesSet><item><allocationId>eipalloc-1</allocationId></item>"
      "</addressesSet></DescribeAddressesResponse>",
      error));
  EXPECT_EQ(error, "DescribeAddresses: address 1: publicIp is missing");
}

TEST(query_responses, put_metric_data) {
  std::string error;
  const auto result = parse_put_metric_data(R"(<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <ResponseMetadata>
    <RequestId>e16fc4d3-9a04-11e0-9362-093a1cae5385</RequestId>
  </ResponseMetadata>
</PutMetricDataResponse>)",
                                            error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->request_id, "e16fc4d3-9a04-11e0-9362-093a1cae5385");
  EXPECT_FALSE(parse_put_metric_data(
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>The value ... for "
      "parameter MetricData.member.1.Value is invalid.</Message></Error></ErrorResponse>",
      error));
  EXPECT_EQ(error.rfind("PutMetricData: InvalidParameterValue: ", 0), 0u) << error;
}

constexpr const char* assume_role_ok = R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

TEST(query_responses, assume_role_with_web_identity) {
  std::string error;
  const auto result = parse_assume_role_with_web_identity(assume_role_ok, error);
  ASSERT_TRUE(result) << error;
  EXPECT_EQ(result->request_id, "ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE");
  EXPECT_EQ(result->creds.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(result->creds.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(result->creds.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
  EXPECT_EQ(result->creds.expiration, sys_days{2014y / October / 24} + 23h + 23s);
  EXPECT_EQ(result->creds.source, "web identity");
}

TEST(query_responses, assume_role_with_web_identity_rejects_without_quoting_secrets) {
  std::string body = assume_role_ok;
  const auto without = [&](const std::string& element) {
    std::string out = body;
    const auto open = out.find("<" + element + ">");
    const auto close = out.find("</" + element + ">");
    out.erase(open, close + element.size() + 3 - open);
    return out;
  };
  std::string error;
  for (const char* element : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    EXPECT_FALSE(parse_assume_role_with_web_identity(without(element), error)) << element;
    EXPECT_EQ(error, std::string("AssumeRoleWithWebIdentity: Credentials: ") + element + " is missing");
  }
  EXPECT_FALSE(parse_assume_role_with_web_identity(without("Credentials"), error));
  EXPECT_EQ(error, "AssumeRoleWithWebIdentity: Credentials is missing");

  std::string bad_time = body;
  bad_time.replace(bad_time.find("2014-10-24T23:00:23Z"), 20, "tomorrow");
  EXPECT_FALSE(parse_assume_role_with_web_identity(bad_time, error));
  EXPECT_EQ(error, "AssumeRoleWithWebIdentity: Credentials: Expiration is not an ISO 8601 time between 1678 and 2262");

  std::string far_future = body;  // a valid ISO 8601 time that system_clock cannot hold
  far_future.replace(far_future.find("2014-10-24T23:00:23Z"), 20, "8179-10-24T23:00:23Z");
  EXPECT_FALSE(parse_assume_role_with_web_identity(far_future, error));
  EXPECT_EQ(error, "AssumeRoleWithWebIdentity: Credentials: Expiration is not an ISO 8601 time between 1678 and 2262");

  std::string truncated = body.substr(0, body.find("</SecretAccessKey>"));
  EXPECT_FALSE(parse_assume_role_with_web_identity(truncated, error));
  EXPECT_EQ(error.rfind("AssumeRoleWithWebIdentity: malformed XML", 0), 0u);
  EXPECT_EQ(error.find("wJalrXUtnFEMI"), std::string::npos);

  EXPECT_FALSE(parse_assume_role_with_web_identity(
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
      "<Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity "
      "provider</Message></Error><RequestId>r</RequestId></ErrorResponse>",
      error));
  EXPECT_EQ(error.rfind("AssumeRoleWithWebIdentity: InvalidIdentityToken: ", 0), 0u) << error;
}

}  // namespace
}  // namespace staticgate::aws

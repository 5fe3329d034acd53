// The Elastic IP reconciler against the scripted server: the calls it makes (filters, pages,
// AllocationId.N, AssociateAddress), a failed describe changing nothing, one failed association
// not stopping the others, and a dry run making no AssociateAddress.
#include "aws/eip_reconciler.hpp"

#include <gtest/gtest.h>

#include "aws/eip_report_format.hpp"
#include "scripted_http_server.hpp"

namespace aws = staticgate::aws;
namespace config = staticgate::config;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<aws::service_client> client_for(const scripted_server& server) {
  aws::service_client_options o;
  o.http.connect_timeout = 300ms;
  o.http.timeout = 500ms;
  o.sleep = [](std::chrono::milliseconds) {};
  return std::make_unique<aws::service_client>(
      aws::endpoint_for("ec2", "eu-west-1", server.url("")),
      std::make_shared<aws::static_credential_provider>(aws::credentials{
          .access_key_id = "AKIDEXAMPLE", .secret_access_key = "s", .session_token = "", .expiration = std::nullopt,
          .source = "test"}),
      o);
}

config::aws_elastic_ip_binding binding() {
  config::aws_elastic_ip_binding b;
  b.name = "egress";
  b.subnet_ids = {"subnet-a", "subnet-b"};
  b.security_group_ids = {"sg-1"};
  b.allocation_ids = {"eipalloc-1", "eipalloc-2"};
  return b;
}

std::string eni_item(const std::string& id, const std::string& subnet) {
  return "<item><networkInterfaceId>" + id + "</networkInterfaceId><subnetId>" + subnet +
         "</subnetId><description>AWS Lambda VPC ENI-fn-1</description><interfaceType>lambda</interfaceType>"
         "<status>in-use</status><privateIpAddress>10.0.0.1</privateIpAddress><groupSet><item><groupId>sg-1"
         "</groupId><groupName>g</groupName></item></groupSet></item>";
}

std::string interfaces_page(const std::string& items, const std::string& next_token = "") {
  return "<DescribeNetworkInterfacesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r"
         "</requestId><networkInterfaceSet>" +
         items + "</networkInterfaceSet>" + (next_token.empty() ? "" : "<nextToken>" + next_token + "</nextToken>") +
         "</DescribeNetworkInterfacesResponse>";
}

std::string address_item(const std::string& allocation, const std::string& ip, const std::string& eni = "") {
  std::string out = "<item><publicIp>" + ip + "</publicIp><allocationId>" + allocation + "</allocationId><domain>vpc"
                    "</domain>";
  if (!eni.empty())
    out += "<associationId>eipassoc-" + allocation + "</associationId><networkInterfaceId>" + eni +
           "</networkInterfaceId><privateIpAddress>10.9.0.1</privateIpAddress>";
  return out + "</item>";
}

std::string addresses(const std::string& items) {
  return "<DescribeAddressesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
         "<addressesSet>" +
         items + "</addressesSet></DescribeAddressesResponse>";
}

std::string associated(const std::string& id) {
  return "<AssociateAddressResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
         "<return>true</return><associationId>" +
         id + "</associationId></AssociateAddressResponse>";
}

std::string ec2_error(const std::string& code) {
  return "<Response><Errors><Error><Code>" + code + "</Code><Message>no such thing</Message></Error></Errors>"
         "<RequestID>x</RequestID></Response>";
}

std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(EipReconciler, ReadsEveryPageThenAssociatesOnePerInterface) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a"), "page-2")),
                          respond(200, interfaces_page(eni_item("eni-2", "subnet-b"))),
                          respond(200, addresses(address_item("eipalloc-1", "198.51.100.1", "eni-gone") +
                                                 address_item("eipalloc-2", "198.51.100.2"))),
                          respond(200, associated("eipassoc-a")), respond(200, associated("eipassoc-b"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  ASSERT_TRUE(r.known) << r.summary();
  EXPECT_EQ(r.interface_pages, 2);
  EXPECT_EQ(r.error_count(), 0u);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.associated_count(), 2u);
  EXPECT_EQ(r.outcomes[0].association_id, "eipassoc-a");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(body_of(requests[0]),
            "Action=DescribeNetworkInterfaces&Version=2016-11-15&Filter.1.Name=subnet-id&Filter.1.Value.1=subnet-a"
            "&Filter.1.Value.2=subnet-b&Filter.2.Name=group-id&Filter.2.Value.1=sg-1&Filter.3.Name=interface-type"
            "&Filter.3.Value.1=lambda&MaxResults=200");
  EXPECT_TRUE(has(body_of(requests[1]), "&MaxResults=200&NextToken=page-2")) << requests[1];
  EXPECT_EQ(body_of(requests[2]),
            "Action=DescribeAddresses&Version=2016-11-15&AllocationId.1=eipalloc-1&AllocationId.2=eipalloc-2");
  // The free address first (no reassociation), then the one left on a gone interface.
  EXPECT_EQ(body_of(requests[3]),
            "Action=AssociateAddress&Version=2016-11-15&AllocationId=eipalloc-2&NetworkInterfaceId=eni-1");
  EXPECT_EQ(body_of(requests[4]), "Action=AssociateAddress&Version=2016-11-15&AllocationId=eipalloc-1"
                                  "&NetworkInterfaceId=eni-2&AllowReassociation=true");
  EXPECT_EQ(r.summary(), "egress: 2 matching interface(s), 0 kept, 2 of 2 associated, 0 error(s)");
}

TEST(EipReconciler, AFailedInterfaceDescribeChangesNothing) {
  scripted_server server({respond(403, ec2_error("UnauthorizedOperation"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  EXPECT_FALSE(r.known);
  ASSERT_EQ(r.error_count(), 1u);
  EXPECT_TRUE(has(r.errors[0], "DescribeNetworkInterfaces: UnauthorizedOperation")) << r.errors[0];
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(has(r.summary(), "egress: state unknown, nothing changed: DescribeNetworkInterfaces")) << r.summary();
}

TEST(EipReconciler, AFailedAddressDescribeChangesNothing) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a"))),
                          respond(400, ec2_error("InvalidAllocationID.NotFound"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  EXPECT_FALSE(r.known);
  ASSERT_EQ(r.error_count(), 1u);
  EXPECT_TRUE(has(r.errors[0], "DescribeAddresses: InvalidAllocationID.NotFound")) << r.errors[0];
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(r.outcomes.empty());
}

TEST(EipReconciler, AnUnreadablePageChangesNothing) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a"), "page-2")),
                          respond(200, "<html>proxy error</html>")});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  EXPECT_FALSE(r.known);
  ASSERT_EQ(r.error_count(), 1u);
  EXPECT_TRUE(has(r.errors[0], "DescribeNetworkInterfaces: unreadable answer")) << r.errors[0];
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(EipReconciler, PagesBeyondTheLimitChangeNothing) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a"), "p2")),
                          respond(200, interfaces_page(eni_item("eni-2", "subnet-a"), "p3"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {.dry_run = false, .max_pages = 2, .page_size = 5});
  EXPECT_FALSE(r.known);
  EXPECT_TRUE(has(r.errors.at(0), "more than 2 pages")) << r.errors[0];
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(has(body_of(server.requests()[0]), "&MaxResults=5"));
}

TEST(EipReconciler, ARepeatedNextTokenStopsTheLoop) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a"), "same")),
                          respond(200, interfaces_page(eni_item("eni-2", "subnet-a"), "same"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  EXPECT_FALSE(r.known);
  EXPECT_TRUE(has(r.errors.at(0), "same NextToken")) << r.errors[0];
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(EipReconciler, OneFailedAssociationDoesNotStopTheOthers) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a") + eni_item("eni-2", "subnet-b"))),
                          respond(200, addresses(address_item("eipalloc-1", "198.51.100.1") +
                                                 address_item("eipalloc-2", "198.51.100.2"))),
                          respond(400, ec2_error("InvalidNetworkInterfaceID.NotFound")),
                          respond(200, associated("eipassoc-b"))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {});
  ASSERT_TRUE(r.known);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_FALSE(r.outcomes[0].ok);
  EXPECT_TRUE(r.outcomes[1].ok);
  ASSERT_EQ(r.error_count(), 1u);
  EXPECT_TRUE(has(r.errors[0], "AssociateAddress eipalloc-1 -> eni-1: InvalidNetworkInterfaceID.NotFound"))
      << r.errors[0];
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(r.summary(), "egress: 2 matching interface(s), 0 kept, 1 of 2 associated, 1 error(s)");
  const auto json = aws::eip_result_to_json(r);
  EXPECT_EQ(json["error_count"], 1);
  EXPECT_EQ(json["outcomes"][1]["association_id"], "eipassoc-b");
  EXPECT_EQ(json["plan"]["associations"][0]["allow_reassociation"], false);
  const auto text = aws::eip_result_to_text(r);
  EXPECT_TRUE(has(text, "FAILED     eipalloc-1 198.51.100.1 -> eni-1 (subnet-a), not associated: AssociateAddress"))
      << text;
  EXPECT_TRUE(has(text, "associated eipalloc-2 198.51.100.2 -> eni-2 (subnet-b), not associated (eipassoc-b)"))
      << text;
}

TEST(EipReconciler, ADryRunOnlyDescribes) {
  scripted_server server({respond(200, interfaces_page(eni_item("eni-1", "subnet-a") + eni_item("eni-2", "subnet-b"))),
                          respond(200, addresses(address_item("eipalloc-1", "198.51.100.1", "eni-1") +
                                                 address_item("eipalloc-2", "198.51.100.2", "eni-old")))});
  auto ec2 = client_for(server);
  const auto r = aws::reconcile_eip_binding(*ec2, binding(), {.dry_run = true, .max_pages = 20, .page_size = 200});
  ASSERT_TRUE(r.known);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(r.outcomes.empty());
  ASSERT_EQ(r.plan.associations.size(), 1u);
  EXPECT_EQ(r.summary(), "egress (dry run): 2 matching interface(s), 1 kept, 1 to associate, 0 error(s)");
  const auto text = aws::eip_result_to_text(r);
  EXPECT_TRUE(has(text, "keep       eipalloc-1 198.51.100.1 on eni-1\n")) << text;
  EXPECT_TRUE(has(text, "would      eipalloc-2 198.51.100.2 -> eni-2 (subnet-b), on eni-old, which is gone")) << text;
  EXPECT_EQ(aws::eip_result_to_json(r)["dry_run"], true);
}

TEST(EipReconciler, ABindingWithoutSubnetsOrAllocationsMakesNoCall) {
  scripted_server server({});
  auto ec2 = client_for(server);
  auto b = binding();
  b.subnet_ids.clear();
  auto r = aws::reconcile_eip_binding(*ec2, b, {});
  EXPECT_FALSE(r.known);
  EXPECT_EQ(r.errors.at(0), "the binding names no subnet");
  b = binding();
  b.allocation_ids.clear();
  r = aws::reconcile_eip_binding(*ec2, b, {});
  EXPECT_EQ(r.errors.at(0), "the binding names no allocation");
  r = aws::reconcile_eip_binding(*ec2, binding(), {.dry_run = false, .max_pages = 0, .page_size = 200});
  EXPECT_EQ(r.errors.at(0), "max_pages must be 1-1000");
  r = aws::reconcile_eip_binding(*ec2, binding(), {.dry_run = false, .max_pages = 1, .page_size = 4});
  EXPECT_TRUE(has(r.errors.at(0), "page_size must be 5-1000"));
  EXPECT_TRUE(server.requests().empty());
  EXPECT_TRUE(aws::eip_result_to_json(r)["plan"].is_null());
}

TEST(EipReconciler, WithoutSecurityGroupsTheGroupFilterIsLeftOut) {
  auto b = binding();
  b.security_group_ids.clear();
  const auto params = aws::describe_interfaces_params(b, 50, "");
  for (const auto& [name, value] : params) EXPECT_NE(value, "group-id");
  EXPECT_EQ(params.back(), (std::pair<std::string, std::string>{"MaxResults", "50"}));
}

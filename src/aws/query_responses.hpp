// The successful XML answers staticgate reads from the AWS query APIs, parsed into plain
// structs. Pure: no I/O, never throws. Each parser returns nullopt with `error` set when the
// body is not well-formed XML, is not the expected response (an error document is reported as
// "<Code>: <Message>"), or lacks an element the caller cannot do without. Other elements AWS
// adds later are ignored; optional ones that are absent come back empty.
//
// Element names follow the services' models (botocore's service-2.json): ELBv2, CloudWatch and
// STS wrap the result as <OpResponse><OpResult>...</OpResult><ResponseMetadata><RequestId>,
// with lists as <List><member>; EC2 puts lowerCamel members straight under <OpResponse>, lists
// as <fooSet><item>, and the id in <requestId>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.hpp"

namespace staticgate::aws {

// ---- ELBv2 (elasticloadbalancing, 2015-12-01)

struct target_health_description {
  std::string id;                                // Target/Id: instance id, IP address or Lambda ARN
  std::optional<std::uint16_t> port;             // Target/Port: absent for Lambda targets
  std::optional<std::string> availability_zone;  // Target/AvailabilityZone, e.g. "all"
  std::string state;        // TargetHealth/State: initial, healthy, unhealthy, unused, draining, ...
  std::string reason;       // TargetHealth/Reason, e.g. "Target.ResponseCodeMismatch"; may be empty
  std::string description;  // TargetHealth/Description; may be empty
};

struct describe_target_health_result {
  std::vector<target_health_description> targets;
  std::string request_id;
};

// Id and TargetHealth/State are required for each target; Port, when present, must be 1-65535.
std::optional<describe_target_health_result> parse_describe_target_health(std::string_view body,
                                                                         std::string& error);

// For the calls whose success carries nothing but the request id.
struct request_result {
  std::string request_id;
};

std::optional<request_result> parse_register_targets(std::string_view body, std::string& error);
std::optional<request_result> parse_deregister_targets(std::string_view body, std::string& error);

// ---- EC2 (2016-11-15)

struct network_interface_association {
  std::string public_ip;
  std::string allocation_id;   // empty for an AWS-assigned public address
  std::string association_id;  // empty for an AWS-assigned public address
};

struct network_interface {
  std::string network_interface_id;  // required
  std::string subnet_id;
  std::string interface_type;  // "interface", "network_load_balancer", ...
  std::string description;     // "ELB net/my-nlb/50dc6c495c0c9188" for an NLB's interfaces
  std::string requester_id;
  std::string status;  // available, in-use, ...
  std::string private_ip_address;
  std::vector<std::string> group_ids;                       // groupSet/item/groupId
  std::optional<network_interface_association> association;  // absent without a public address
};

struct describe_network_interfaces_result {
  std::vector<network_interface> network_interfaces;
  std::string next_token;  // empty on the last page
  std::string request_id;
};

std::optional<describe_network_interfaces_result> parse_describe_network_interfaces(std::string_view body,
                                                                                   std::string& error);

struct associate_address_result {
  std::string association_id;  // required
  std::string request_id;
};

std::optional<associate_address_result> parse_associate_address(std::string_view body, std::string& error);

struct elastic_address {
  std::string public_ip;  // required
  std::string allocation_id;
  std::string association_id;        // empty when not associated
  std::string network_interface_id;  // empty when not associated
  std::string private_ip_address;
};

struct describe_addresses_result {
  std::vector<elastic_address> addresses;
  std::string request_id;
};

std::optional<describe_addresses_result> parse_describe_addresses(std::string_view body, std::string& error);

// ---- CloudWatch (monitoring, 2010-08-01)

std::optional<request_result> parse_put_metric_data(std::string_view body, std::string& error);

// ---- STS (2011-06-15)

struct assume_role_result {
  credentials creds;  // all four of AccessKeyId, SecretAccessKey, SessionToken, Expiration
  std::string request_id;
};

// Credentials come back with source "web identity"; the caller may name the role there. Error
// messages name the element that is wrong and never quote a value.
std::optional<assume_role_result> parse_assume_role_with_web_identity(std::string_view body, std::string& error);
// The same for AssumeRole; source "assumed role".
std::optional<assume_role_result> parse_assume_role(std::string_view body, std::string& error);

}  // namespace staticgate::aws

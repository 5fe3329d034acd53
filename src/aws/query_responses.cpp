#include "aws/query_responses.hpp"

#include <charconv>

#include "aws/aws_error.hpp"
#include "aws/iso8601.hpp"
#include "aws/query_xml.hpp"

namespace staticgate::aws {
namespace {

using query_xml::child;
using query_xml::for_each_child;
using query_xml::local_name;
using query_xml::text;

// The root <OpResponse> of `body`, or an empty node with `error` set: malformed XML, an AWS
// error document ("DescribeTargetHealth: Throttling: Rate exceeded") or some other document.
pugi::xml_node open_response(pugi::xml_document& doc, std::string_view body, std::string_view op,
                             std::string& error) {
  std::string why;
  if (!query_xml::load(doc, body, why)) {
    error = std::string(op) + ": " + why;
    return {};
  }
  const pugi::xml_node root = doc.document_element();
  if (local_name(root.name()) == std::string(op) + "Response") return root;
  if (const auto aws = parse_aws_error(0, body)) {
    error = std::string(op) + ": " + (aws->code.empty() ? std::string("error") : aws->code);
    if (!aws->message.empty()) error += ": " + aws->message;
    return {};
  }
  error = std::string(op) + ": unexpected root element <" + std::string(local_name(root.name())) + ">";
  return {};
}

// <OpResult> under the root of a query-protocol answer (ELBv2, CloudWatch, STS).
pugi::xml_node query_result(pugi::xml_node root, std::string_view op, std::string& error) {
  const pugi::xml_node result = child(root, std::string(op) + "Result");
  if (!result) error = std::string(op) + ": " + std::string(op) + "Result is missing";
  return result;
}

std::string query_request_id(pugi::xml_node root) { return text(child(root, "ResponseMetadata"), "RequestId"); }

std::optional<request_result> parse_empty_query_result(std::string_view body, std::string_view op,
                                                       std::string& error) {
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;
  request_result out;
  out.request_id = query_request_id(root);
  return out;
}

// A required element's text; false with `error` naming it when absent or empty.
bool required(pugi::xml_node parent, std::string_view name, std::string_view where, std::string& out,
              std::string& error) {
  out = text(parent, name);
  if (out.empty()) {
    error = std::string(where) + ": " + std::string(name) + " is missing";
    return false;
  }
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view text_value) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text_value.data(), text_value.data() + text_value.size(), value);
  if (ec != std::errc() || end != text_value.data() + text_value.size() || value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

// ---- ELBv2

std::optional<describe_target_health_result> parse_describe_target_health(std::string_view body,
                                                                         std::string& error) {
  constexpr std::string_view op = "DescribeTargetHealth";
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;
  const pugi::xml_node result = query_result(root, op, error);
  if (!result) return std::nullopt;

  describe_target_health_result out;
  out.request_id = query_request_id(root);
  bool ok = true;
  for_each_child(child(result, "TargetHealthDescriptions"), "member", [&](pugi::xml_node member) {
    if (!ok) return;
    const std::string where = std::string(op) + ": target " + std::to_string(out.targets.size() + 1);
    target_health_description target;
    const pugi::xml_node target_node = child(member, "Target");
    const pugi::xml_node health = child(member, "TargetHealth");
    if (!required(target_node, "Id", where + " Target", target.id, error) ||
        !required(health, "State", where + " TargetHealth", target.state, error)) {
      ok = false;
      return;
    }
    bool found = false;
    const std::string port = text(target_node, "Port", &found);
    if (found) {
      target.port = parse_port(port);
      if (!target.port) {
        error = where + ": Target Port is not a port number";
        ok = false;
        return;
      }
    }
    const std::string zone = text(target_node, "AvailabilityZone", &found);
    if (found) target.availability_zone = zone;
    target.reason = text(health, "Reason");
    target.description = text(health, "Description");
    out.targets.push_back(std::move(target));
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<request_result> parse_register_targets(std::string_view body, std::string& error) {
  return parse_empty_query_result(body, "RegisterTargets", error);
}

std::optional<request_result> parse_deregister_targets(std::string_view body, std::string& error) {
  return parse_empty_query_result(body, "DeregisterTargets", error);
}

// ---- EC2

std::optional<describe_network_interfaces_result> parse_describe_network_interfaces(std::string_view body,
                                                                                   std::string& error) {
  constexpr std::string_view op = "DescribeNetworkInterfaces";
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;

  describe_network_interfaces_result out;
  out.request_id = text(root, "requestId");
  out.next_token = text(root, "nextToken");
  bool ok = true;
  for_each_child(child(root, "networkInterfaceSet"), "item", [&](pugi::xml_node item) {
    if (!ok) return;
    network_interface eni;
    const std::string where = std::string(op) + ": network interface " + std::to_string(out.network_interfaces.size() + 1);
    if (!required(item, "networkInterfaceId", where, eni.network_interface_id, error)) {
      ok = false;
      return;
    }
    eni.subnet_id = text(item, "subnetId");
    eni.interface_type = text(item, "interfaceType");
    eni.description = text(item, "description");
    eni.requester_id = text(item, "requesterId");
    eni.status = text(item, "status");
    eni.private_ip_address = text(item, "privateIpAddress");
    for_each_child(child(item, "groupSet"), "item", [&](pugi::xml_node group) {
      std::string id = text(group, "groupId");
      if (!id.empty()) eni.group_ids.push_back(std::move(id));
    });
    if (const pugi::xml_node association = child(item, "association")) {
      network_interface_association a;
      a.public_ip = text(association, "publicIp");
      a.allocation_id = text(association, "allocationId");
      a.association_id = text(association, "associationId");
      if (!a.public_ip.empty()) eni.association = std::move(a);
    }
    out.network_interfaces.push_back(std::move(eni));
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<associate_address_result> parse_associate_address(std::string_view body, std::string& error) {
  constexpr std::string_view op = "AssociateAddress";
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;
  associate_address_result out;
  out.request_id = text(root, "requestId");
  if (!required(root, "associationId", op, out.association_id, error)) return std::nullopt;
  return out;
}

std::optional<describe_addresses_result> parse_describe_addresses(std::string_view body, std::string& error) {
  constexpr std::string_view op = "DescribeAddresses";
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;

  describe_addresses_result out;
  out.request_id = text(root, "requestId");
  bool ok = true;
  for_each_child(child(root, "addressesSet"), "item", [&](pugi::xml_node item) {
    if (!ok) return;
    elastic_address address;
    const std::string where = std::string(op) + ": address " + std::to_string(out.addresses.size() + 1);
    if (!required(item, "publicIp", where, address.public_ip, error)) {
      ok = false;
      return;
    }
    address.allocation_id = text(item, "allocationId");
    address.association_id = text(item, "associationId");
    address.network_interface_id = text(item, "networkInterfaceId");
    address.private_ip_address = text(item, "privateIpAddress");
    out.addresses.push_back(std::move(address));
  });
  if (!ok) return std::nullopt;
  return out;
}

// ---- CloudWatch

std::optional<request_result> parse_put_metric_data(std::string_view body, std::string& error) {
  return parse_empty_query_result(body, "PutMetricData", error);
}

// ---- STS

namespace {

// AssumeRole and AssumeRoleWithWebIdentity answer with the same <Credentials>.
std::optional<assume_role_result> parse_sts_credentials(std::string_view body, std::string_view op,
                                                        std::string_view source, std::string& error) {
  pugi::xml_document doc;
  const pugi::xml_node root = open_response(doc, body, op, error);
  if (!root) return std::nullopt;
  const pugi::xml_node result = query_result(root, op, error);
  if (!result) return std::nullopt;
  const pugi::xml_node creds = child(result, "Credentials");
  if (!creds) {
    error = std::string(op) + ": Credentials is missing";
    return std::nullopt;
  }
  assume_role_result out;
  out.request_id = query_request_id(root);
  const std::string where = std::string(op) + ": Credentials";
  std::string expiration;
  if (!required(creds, "AccessKeyId", where, out.creds.access_key_id, error) ||
      !required(creds, "SecretAccessKey", where, out.creds.secret_access_key, error) ||
      !required(creds, "SessionToken", where, out.creds.session_token, error) ||
      !required(creds, "Expiration", where, expiration, error))
    return std::nullopt;
  // system_clock counts nanoseconds in 64 bits (years 1677 to 2262); a year ISO 8601 allows
  // beyond that would overflow in the conversion (found by tests/fuzz/aws_xml_fuzz.cpp).
  constexpr auto earliest = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::time_point::min());
  constexpr auto latest = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::time_point::max());
  const auto when = parse_iso8601(expiration);
  if (!when || *when < earliest || *when > latest) {
    error = where + ": Expiration is not an ISO 8601 time between 1678 and 2262";
    return std::nullopt;
  }
  out.creds.expiration = *when;
  out.creds.source = std::string(source);
  return out;
}

}  // namespace

std::optional<assume_role_result> parse_assume_role_with_web_identity(std::string_view body, std::string& error) {
  return parse_sts_credentials(body, "AssumeRoleWithWebIdentity", "web identity", error);
}

std::optional<assume_role_result> parse_assume_role(std::string_view body, std::string& error) {
  return parse_sts_credentials(body, "AssumeRole", "assumed role", error);
}

}  // namespace staticgate::aws

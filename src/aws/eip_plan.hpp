// Which Elastic IPs of an [[aws.elastic_ip]] binding go on which network interfaces: a pure
// function of what EC2 answered (the interfaces a filtered DescribeNetworkInterfaces returned,
// DescribeAddresses for the binding's allocations) and the binding. No I/O; the reconciler
// (eip_reconciler.hpp) asks EC2 and applies the plan.
//
// The rules, in the order they are applied:
//  1. An interface matches when its subnet is one of subnet_ids, its security-group set equals
//     security_group_ids (order and repeats ignored: EC2's group-id filter matches an interface
//     holding any one of the groups, so a superset or subset must be refused here), its type
//     equals interface_type and, when description_prefix is set, its description starts with it.
//  2. Only a matching interface whose status is "in-use" or "available" receives an address.
//     Any other status ("attaching", "detaching", "associated", or none given) means the
//     interface is being set up or torn down: it keeps what it holds, gets nothing new, and is
//     reported as waiting; the next run sees it settled. Moving an address onto an interface
//     about to disappear, or off one about to be ready, would only add churn.
//  3. An allocation is ours only when the binding lists it. Nothing else is ever touched: a
//     matching interface already holding an Elastic IP the binding does not list is occupied
//     (associating ours there would displace it) and is reported, not used. An AWS-assigned
//     public address (an association without an allocation id) is not an Elastic IP; the
//     interface counts as free and associating ours replaces it, as EC2 does.
//  4. Our allocation on a matching interface stays there (kept), one per interface: a second
//     one of ours on the same interface (a secondary private address) may be moved.
//  5. Matching ready interfaces without an address, in order of the binding's subnets and then
//     interface id, each take one movable allocation: first ours that are not associated, then
//     ours on interfaces that no longer match or no longer exist, then the second ones of rule 4;
//     the binding's order within each group. A spare address is used before one that may still
//     carry traffic on an old interface.
//  6. Left over: matching ready interfaces with nothing left to give them (more interfaces than
//     allocations), and spare allocations, which stay where they are (never disassociated: an
//     address on an old interface keeps working until Lambda deletes it).
//  7. A listed allocation DescribeAddresses did not return is reported missing and not used.
//
// An association moving an allocation off another interface allows reassociation (the address
// is ours, wherever it is now); one for an allocation that was not associated does not, so an
// association someone made after our DescribeAddresses is refused rather than undone.
#pragma once

#include <string>
#include <vector>

#include "aws/query_responses.hpp"
#include "config/aws_model.hpp"

namespace staticgate::aws {

// One of our allocations staying where it is.
struct eip_kept {
  std::string allocation_id;
  std::string public_ip;
  std::string network_interface_id;
};

// One AssociateAddress to make.
struct eip_association {
  std::string allocation_id;
  std::string public_ip;
  std::string network_interface_id;       // where it goes
  std::string subnet_id;                  // of that interface
  std::string from_network_interface_id;  // where it is now; "" when not associated
  std::string reason;                     // "not associated", "interface eni-1 no longer matches", ...
  bool allow_reassociation = false;
};

// A matching interface holding an Elastic IP the binding does not list (rule 3).
struct eip_occupied {
  std::string network_interface_id;
  std::string allocation_id;
  std::string public_ip;
};

// A matching interface in a transitional status (rule 2).
struct eip_waiting {
  std::string network_interface_id;
  std::string status;  // "" when EC2 gave none
};

// One of our allocations with no interface to go to (rule 6).
struct eip_spare {
  std::string allocation_id;
  std::string public_ip;
  std::string network_interface_id;  // where it stays; "" when not associated
};

struct eip_plan {
  std::vector<std::string> matching_interfaces;  // ids, in the order of rule 5
  std::vector<eip_kept> kept;
  std::vector<eip_association> associations;
  std::vector<std::string> interfaces_without_address;  // ready and matching, nothing left to give
  std::vector<eip_occupied> occupied;
  std::vector<eip_waiting> waiting;
  std::vector<eip_spare> spare;
  std::vector<std::string> missing_allocations;  // listed, not returned by DescribeAddresses

  bool changes_anything() const { return !associations.empty(); }
};

// Rule 1 alone, for callers that describe what they saw.
bool interface_matches(const network_interface& eni, const config::aws_elastic_ip_binding& binding);

// Rule 2: "in-use" or "available".
bool interface_ready(const network_interface& eni);

// `interfaces` may include ones that do not match (they are filtered by rule 1) and repeats
// (pages overlapping: the first is used); `addresses` may include allocations the binding does
// not list (ignored).
eip_plan plan_eip_associations(const std::vector<network_interface>& interfaces,
                               const std::vector<elastic_address>& addresses,
                               const config::aws_elastic_ip_binding& binding);

}  // namespace staticgate::aws

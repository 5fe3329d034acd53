// Keeps an [[aws.elastic_ip]] binding's Elastic IPs on the network interfaces Lambda (or another
// service) made for its subnets and security groups. One run:
//   1. DescribeNetworkInterfaces filtered by subnet-id, group-id and interface-type, every page
//      (NextToken), at most max_pages of them;
//   2. DescribeAddresses for the binding's allocations (AllocationId.N: an allocation that no
//      longer exists fails the call, which names it);
//   3. plan_eip_associations (eip_plan.hpp);
//   4. unless dry_run, one AssociateAddress per planned association, in the plan's order.
// A failed or unreadable describe leaves the state unknown and nothing is changed. A failed
// association is recorded and the others are still made: each is independent, and the next run
// plans again from what EC2 then says.
//
// Blocking (service_client calls): run it on a thread that may wait, never on an I/O loop.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "aws/eip_plan.hpp"
#include "aws/service_client.hpp"
#include "config/aws_model.hpp"

namespace staticgate::aws {

inline constexpr std::string_view ec2_api_version = "2016-11-15";

struct eip_reconcile_options {
  bool dry_run = false;  // plan only: the describes are made, no AssociateAddress
  int max_pages = 20;    // DescribeNetworkInterfaces pages read at most (1-1000); more = unknown
  int page_size = 200;   // MaxResults per page (EC2 allows 5-1000)
};

struct eip_association_outcome {
  eip_association association;
  bool ok = false;
  std::string association_id;  // AWS's, when ok
  std::string error;           // when not ok: "AssociateAddress eipalloc-1 -> eni-2: <AWS error>"
};

struct eip_reconcile_result {
  std::string binding;  // the binding's name
  bool dry_run = false;
  bool known = false;  // both describes answered and were read: `plan` holds
  int interface_pages = 0;
  eip_plan plan;
  std::vector<eip_association_outcome> outcomes;  // the associations tried, in order; none in a dry run
  std::vector<std::string> errors;                // a describe failure, then each failed association

  std::size_t error_count() const { return errors.size(); }
  std::size_t associated_count() const;
  // One line for logs: "lambda-egress: 2 kept, 1 associated, 1 interface without an address, 0 errors".
  std::string summary() const;
};

eip_reconcile_result reconcile_eip_binding(service_client& ec2, const config::aws_elastic_ip_binding& binding,
                                           const eip_reconcile_options& options);

// The query parameters of each call, exposed for tests and for logging what would be sent.
query_params describe_interfaces_params(const config::aws_elastic_ip_binding& binding, int page_size,
                                        const std::string& next_token);
query_params describe_addresses_params(const config::aws_elastic_ip_binding& binding);
query_params associate_address_params(const eip_association& association);

}  // namespace staticgate::aws

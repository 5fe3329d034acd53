#include "aws/eip_reconciler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "aws/query_responses.hpp"

namespace staticgate::aws {
namespace {

// Filter.N.Name / Filter.N.Value.M, as EC2's query protocol numbers them (from 1).
void add_filter(query_params& params, int n, std::string_view name, const std::vector<std::string>& values) {
  const std::string prefix = "Filter." + std::to_string(n) + ".";
  params.emplace_back(prefix + "Name", std::string(name));
  int m = 0;
  for (const auto& v : values) params.emplace_back(prefix + "Value." + std::to_string(++m), v);
}

// ", 2 spare" when count is not 0; "" otherwise (the figures that are usually 0).
std::string figure_if_any(std::size_t count, std::string_view what) {
  return count == 0 ? std::string() : ", " + std::to_string(count) + " " + std::string(what);
}

// Every page of DescribeNetworkInterfaces into `out`; false with `error` when a page failed, was
// unreadable, or more than max_pages were needed.
bool describe_interfaces(service_client& ec2, const config::aws_elastic_ip_binding& binding,
                         const eip_reconcile_options& options, std::vector<network_interface>& out, int& pages,
                         std::string& error) {
  std::string token;
  for (pages = 0; pages < options.max_pages;) {
    const auto r = ec2.call("DescribeNetworkInterfaces", ec2_api_version,
                            describe_interfaces_params(binding, options.page_size, token));
    ++pages;
    if (!r.ok) {
      error = "DescribeNetworkInterfaces: " + r.describe();
      return false;
    }
    std::string parse_error;
    auto parsed = parse_describe_network_interfaces(r.response.body, parse_error);
    if (!parsed) {
      error = "DescribeNetworkInterfaces: unreadable answer: " + parse_error;
      return false;
    }
    for (auto& eni : parsed->network_interfaces) out.push_back(std::move(eni));
    if (parsed->next_token.empty()) return true;
    if (parsed->next_token == token) {  // a server repeating itself would otherwise loop to max_pages
      error = "DescribeNetworkInterfaces: the same NextToken came back twice";
      return false;
    }
    token = std::move(parsed->next_token);
  }
  error = "DescribeNetworkInterfaces: more than " + std::to_string(options.max_pages) +
          " pages of network interfaces; nothing changed (raise max_pages or narrow the binding)";
  return false;
}

std::string binding_problem(const config::aws_elastic_ip_binding& binding, const eip_reconcile_options& options) {
  if (binding.subnet_ids.empty()) return "the binding names no subnet";
  if (binding.allocation_ids.empty()) return "the binding names no allocation";
  if (binding.interface_type.empty()) return "the binding's interface_type is empty";
  if (options.max_pages < 1 || options.max_pages > 1000) return "max_pages must be 1-1000";
  if (options.page_size < 5 || options.page_size > 1000) return "page_size must be 5-1000 (EC2's MaxResults)";
  return {};
}

}  // namespace

query_params describe_interfaces_params(const config::aws_elastic_ip_binding& binding, int page_size,
                                        const std::string& next_token) {
  query_params params;
  int n = 0;
  add_filter(params, ++n, "subnet-id", binding.subnet_ids);
  // An interface with any one of the groups matches this filter; the plan checks the whole set.
  // With no groups in the binding the filter cannot be written (EC2 refuses a filter without a
  // value), and the plan still requires an interface without groups.
  if (!binding.security_group_ids.empty()) add_filter(params, ++n, "group-id", binding.security_group_ids);
  add_filter(params, ++n, "interface-type", {binding.interface_type});
  params.emplace_back("MaxResults", std::to_string(page_size));
  if (!next_token.empty()) params.emplace_back("NextToken", next_token);
  return params;
}

query_params describe_addresses_params(const config::aws_elastic_ip_binding& binding) {
  query_params params;
  int n = 0;
  for (const auto& id : binding.allocation_ids) params.emplace_back("AllocationId." + std::to_string(++n), id);
  return params;
}

query_params associate_address_params(const eip_association& association) {
  query_params params{{"AllocationId", association.allocation_id},
                      {"NetworkInterfaceId", association.network_interface_id}};
  if (association.allow_reassociation) params.emplace_back("AllowReassociation", "true");
  return params;
}

std::size_t eip_reconcile_result::associated_count() const {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const eip_association_outcome& o) { return o.ok; }));
}

std::string eip_reconcile_result::summary() const {
  const std::string name = binding + (dry_run ? " (dry run)" : "");
  if (!known)
    return name + ": state unknown, nothing changed: " + (errors.empty() ? std::string("no answer") : errors.front());
  std::string out = name + ": " + std::to_string(plan.matching_interfaces.size()) + " matching interface(s), " +
                    std::to_string(plan.kept.size()) + " kept, ";
  if (dry_run)
    out += std::to_string(plan.associations.size()) + " to associate";
  else
    out += std::to_string(associated_count()) + " of " + std::to_string(plan.associations.size()) + " associated";
  out += figure_if_any(plan.interfaces_without_address.size(), "interface(s) without an address");
  out += figure_if_any(plan.occupied.size(), "interface(s) holding another Elastic IP");
  out += figure_if_any(plan.waiting.size(), "interface(s) not ready");
  out += figure_if_any(plan.spare.size(), "spare");
  out += figure_if_any(plan.missing_allocations.size(), "allocation(s) missing");
  out += ", " + std::to_string(error_count()) + " error(s)";
  return out;
}

eip_reconcile_result reconcile_eip_binding(service_client& ec2, const config::aws_elastic_ip_binding& binding,
                                           const eip_reconcile_options& options) {
  eip_reconcile_result result;
  result.binding = binding.name;
  result.dry_run = options.dry_run;
  if (const auto problem = binding_problem(binding, options); !problem.empty()) {
    result.errors.push_back(problem);
    return result;
  }

  std::vector<network_interface> interfaces;
  std::string error;
  if (!describe_interfaces(ec2, binding, options, interfaces, result.interface_pages, error)) {
    result.errors.push_back(error);
    spdlog::error("aws elastic_ip {}: {}", binding.name, error);
    return result;
  }
  const auto r = ec2.call("DescribeAddresses", ec2_api_version, describe_addresses_params(binding));
  std::string parse_error;
  const auto addresses = r.ok ? parse_describe_addresses(r.response.body, parse_error) : std::nullopt;
  if (!addresses) {
    error = "DescribeAddresses: " + (r.ok ? "unreadable answer: " + parse_error : r.describe());
    result.errors.push_back(error);
    spdlog::error("aws elastic_ip {}: {}", binding.name, error);
    return result;
  }

  result.known = true;
  result.plan = plan_eip_associations(interfaces, addresses->addresses, binding);
  if (options.dry_run) return result;

  for (const auto& association : result.plan.associations) {
    eip_association_outcome outcome{.association = association, .ok = false, .association_id = "", .error = ""};
    const auto a = ec2.call("AssociateAddress", ec2_api_version, associate_address_params(association));
    std::string why;
    const auto parsed = a.ok ? parse_associate_address(a.response.body, why) : std::nullopt;
    const std::string what = "AssociateAddress " + association.allocation_id + " -> " + association.network_interface_id;
    if (parsed) {
      outcome.ok = true;
      outcome.association_id = parsed->association_id;
      spdlog::info("aws elastic_ip {}: {} ({}) now on {} ({})", binding.name, association.allocation_id,
                   association.public_ip, association.network_interface_id, association.reason);
    } else {
      outcome.error = what + ": " + (a.ok ? "unreadable answer: " + why : a.describe());
      result.errors.push_back(outcome.error);
      spdlog::error("aws elastic_ip {}: {}", binding.name, outcome.error);
    }
    result.outcomes.push_back(std::move(outcome));
  }
  return result;
}

}  // namespace staticgate::aws

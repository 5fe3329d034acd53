#include "aws/elbv2_target_group.hpp"

#include <spdlog/spdlog.h>

#include "aws/query_responses.hpp"
#include "discovery/state_codec.hpp"

namespace staticgate::aws {

elbv2_target_group::elbv2_target_group(std::shared_ptr<service_client> client, std::string target_group_arn,
                                       std::uint16_t port, bool availability_zone_all)
    : client_(std::move(client)), arn_(std::move(target_group_arn)), port_(port),
      availability_zone_all_(availability_zone_all) {}

discovery::registered_view elbv2_target_group::registered(std::string& error) {
  discovery::registered_view view;
  const auto r = client_->call("DescribeTargetHealth", elbv2_api_version, {{"TargetGroupArn", arn_}});
  if (!r.ok) {
    error = "DescribeTargetHealth: " + r.describe();
    return view;
  }
  std::string parse_error;
  const auto parsed = parse_describe_target_health(r.response.body, parse_error);
  if (!parsed) {
    error = "DescribeTargetHealth: unreadable answer: " + parse_error;
    return view;
  }
  for (const auto& t : parsed->targets) {
    if (t.port && *t.port != port_) continue;
    if (t.state == "draining") continue;
    if (auto ip = discovery::canonical_ip(t.id)) view.addresses.insert(*ip);
  }
  view.known = true;
  return view;
}

query_params elbv2_target_group::targets_params(const std::set<std::string>& addresses) const {
  query_params params{{"TargetGroupArn", arn_}};
  int n = 0;
  for (const auto& address : addresses) {
    const std::string prefix = "Targets.member." + std::to_string(++n) + ".";
    params.emplace_back(prefix + "Id", address);
    params.emplace_back(prefix + "Port", std::to_string(port_));
    if (availability_zone_all_) params.emplace_back(prefix + "AvailabilityZone", "all");
  }
  return params;
}

discovery::external_apply_result elbv2_target_group::apply(const std::set<std::string>& to_register,
                                                           const std::set<std::string>& to_deregister) {
  discovery::external_apply_result result;
  // Register first: new capacity matters more than removing the old, and should the process
  // die between the calls, the target group holds too many targets rather than too few.
  if (!to_register.empty()) {
    const auto r = client_->call("RegisterTargets", elbv2_api_version, targets_params(to_register));
    std::string parse_error;
    if (r.ok && parse_register_targets(r.response.body, parse_error)) {
      result.registered = to_register;
    } else {
      result.register_error = "RegisterTargets: " + (r.ok ? "unreadable answer: " + parse_error : r.describe());
      spdlog::error("aws {}: {}", arn_, result.register_error);
    }
  }
  if (!to_deregister.empty()) {
    const auto r = client_->call("DeregisterTargets", elbv2_api_version, targets_params(to_deregister));
    std::string parse_error;
    if (r.ok && parse_deregister_targets(r.response.body, parse_error)) {
      result.deregistered = to_deregister;
    } else {
      result.deregister_error = "DeregisterTargets: " + (r.ok ? "unreadable answer: " + parse_error : r.describe());
      spdlog::error("aws {}: {}", arn_, result.deregister_error);
    }
  }
  return result;
}

}  // namespace staticgate::aws

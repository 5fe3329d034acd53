// An AWS NLB (ELBv2) target group of type ip as a discovery target: DescribeTargetHealth for
// what is registered, RegisterTargets / DeregisterTargets as one batched call each.
//
// What counts as registered: targets at the discovery port whose state is not "draining"
// (a draining target is on its way out: if DNS answers it again it must be registered again).
// Targets at other ports, or with ids that are not IP addresses, belong to someone else and are
// never touched (sync_decision rule 10).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aws/service_client.hpp"
#include "discovery/external_target_group.hpp"

namespace staticgate::aws {

class elbv2_target_group final : public discovery::external_target_group {
 public:
  elbv2_target_group(std::shared_ptr<service_client> client, std::string target_group_arn, std::uint16_t port,
                     bool availability_zone_all);

  std::string where() const override { return arn_; }
  discovery::registered_view registered(std::string& error) override;
  discovery::external_apply_result apply(const std::set<std::string>& to_register,
                                         const std::set<std::string>& to_deregister) override;

 private:
  query_params targets_params(const std::set<std::string>& addresses) const;

  std::shared_ptr<service_client> client_;
  std::string arn_;
  std::uint16_t port_;
  bool availability_zone_all_;
};

inline constexpr std::string_view elbv2_api_version = "2015-12-01";

}  // namespace staticgate::aws

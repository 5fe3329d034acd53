#include "aws/eip_report_format.hpp"

#include <fmt/format.h>

#include <functional>

namespace staticgate::aws {
namespace {

std::string association_text(const eip_association& a) {
  return fmt::format("{} {} -> {} ({}), {}", a.allocation_id, a.public_ip, a.network_interface_id, a.subnet_id,
                     a.reason);
}

// The plan's lines; `association_line` writes the line of the i-th association.
std::string plan_lines(const eip_plan& plan, const std::function<std::string(std::size_t)>& association_line) {
  std::string out;
  for (const auto& k : plan.kept)
    out += fmt::format("keep       {} {} on {}\n", k.allocation_id, k.public_ip, k.network_interface_id);
  for (std::size_t i = 0; i < plan.associations.size(); ++i) out += association_line(i) + "\n";
  for (const auto& id : plan.interfaces_without_address)
    out += fmt::format("no address {} (more interfaces than allocations)\n", id);
  for (const auto& o : plan.occupied)
    out += fmt::format("occupied   {} holds {} {}, not in the binding: left alone\n", o.network_interface_id,
                       o.allocation_id, o.public_ip);
  for (const auto& w : plan.waiting)
    out += fmt::format("waiting    {} (status {})\n", w.network_interface_id, w.status.empty() ? "unknown" : w.status);
  for (const auto& s : plan.spare)
    out += fmt::format("spare      {} {} {}\n", s.allocation_id, s.public_ip,
                       s.network_interface_id.empty() ? "not associated" : "stays on " + s.network_interface_id);
  for (const auto& id : plan.missing_allocations)
    out += fmt::format("missing    {} (DescribeAddresses did not return it)\n", id);
  if (out.empty()) out = "nothing matches the binding\n";
  return out;
}

nlohmann::json association_json(const eip_association& a) {
  return {{"allocation_id", a.allocation_id},
          {"public_ip", a.public_ip},
          {"network_interface_id", a.network_interface_id},
          {"subnet_id", a.subnet_id},
          {"from_network_interface_id", a.from_network_interface_id},
          {"reason", a.reason},
          {"allow_reassociation", a.allow_reassociation}};
}

}  // namespace

nlohmann::json eip_plan_to_json(const eip_plan& plan) {
  nlohmann::json kept = nlohmann::json::array(), associations = nlohmann::json::array(),
                 occupied = nlohmann::json::array(), waiting = nlohmann::json::array(),
                 spare = nlohmann::json::array();
  for (const auto& k : plan.kept)
    kept.push_back({{"allocation_id", k.allocation_id},
                    {"public_ip", k.public_ip},
                    {"network_interface_id", k.network_interface_id}});
  for (const auto& a : plan.associations) associations.push_back(association_json(a));
  for (const auto& o : plan.occupied)
    occupied.push_back({{"network_interface_id", o.network_interface_id},
                        {"allocation_id", o.allocation_id},
                        {"public_ip", o.public_ip}});
  for (const auto& w : plan.waiting) waiting.push_back({{"network_interface_id", w.network_interface_id}, {"status", w.status}});
  for (const auto& s : plan.spare)
    spare.push_back({{"allocation_id", s.allocation_id},
                     {"public_ip", s.public_ip},
                     {"network_interface_id", s.network_interface_id}});
  return {{"matching_interfaces", plan.matching_interfaces},
          {"kept", kept},
          {"associations", associations},
          {"interfaces_without_address", plan.interfaces_without_address},
          {"occupied", occupied},
          {"waiting", waiting},
          {"spare", spare},
          {"missing_allocations", plan.missing_allocations}};
}

nlohmann::json eip_result_to_json(const eip_reconcile_result& result) {
  nlohmann::json outcomes = nlohmann::json::array();
  for (const auto& o : result.outcomes)
    outcomes.push_back({{"allocation_id", o.association.allocation_id},
                        {"network_interface_id", o.association.network_interface_id},
                        {"ok", o.ok},
                        {"association_id", o.association_id},
                        {"error", o.error}});
  return {{"binding", result.binding},
          {"dry_run", result.dry_run},
          {"known", result.known},
          {"interface_pages", result.interface_pages},
          {"summary", result.summary()},
          {"plan", result.known ? eip_plan_to_json(result.plan) : nlohmann::json(nullptr)},
          {"outcomes", outcomes},
          {"errors", result.errors},
          {"error_count", result.error_count()}};
}

std::string eip_plan_to_text(const eip_plan& plan) {
  return plan_lines(plan, [&](std::size_t i) { return "associate  " + association_text(plan.associations[i]); });
}

std::string eip_result_to_text(const eip_reconcile_result& result) {
  std::string out = result.summary() + "\n";
  if (!result.known) {
    for (const auto& e : result.errors) out += "error      " + e + "\n";
    return out;
  }
  out += plan_lines(result.plan, [&](std::size_t i) {
    const auto& a = result.plan.associations[i];
    if (result.dry_run || i >= result.outcomes.size()) return "would      " + association_text(a);
    const auto& o = result.outcomes[i];
    return o.ok ? "associated " + association_text(a) + " (" + o.association_id + ")"
                : "FAILED     " + association_text(a) + ": " + o.error;
  });
  return out;
}

}  // namespace staticgate::aws

#include "aws/eip_plan.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace staticgate::aws {
namespace {

std::set<std::string> as_set(const std::vector<std::string>& items) { return {items.begin(), items.end()}; }

// An allocation of ours that may go to an interface (rule 5), with why it is free to move.
struct movable {
  const elastic_address* address;
  std::string reason;
};

}  // namespace

bool interface_matches(const network_interface& eni, const config::aws_elastic_ip_binding& binding) {
  if (eni.interface_type != binding.interface_type) return false;
  if (std::find(binding.subnet_ids.begin(), binding.subnet_ids.end(), eni.subnet_id) == binding.subnet_ids.end())
    return false;
  if (as_set(eni.group_ids) != as_set(binding.security_group_ids)) return false;
  return binding.description_prefix.empty() || eni.description.starts_with(binding.description_prefix);
}

bool interface_ready(const network_interface& eni) { return eni.status == "in-use" || eni.status == "available"; }

eip_plan plan_eip_associations(const std::vector<network_interface>& interfaces,
                               const std::vector<elastic_address>& addresses,
                               const config::aws_elastic_ip_binding& binding) {
  eip_plan plan;

  // Ours, in the binding's order (rule 3, rule 7).
  std::map<std::string, const elastic_address*> answered;
  for (const auto& a : addresses)
    if (!a.allocation_id.empty()) answered.emplace(a.allocation_id, &a);
  const std::set<std::string> listed = as_set(binding.allocation_ids);
  std::vector<const elastic_address*> ours;
  std::set<std::string> taken_once;
  for (const auto& id : binding.allocation_ids) {
    if (!taken_once.insert(id).second) continue;
    if (const auto it = answered.find(id); it != answered.end())
      ours.push_back(it->second);
    else
      plan.missing_allocations.push_back(id);
  }

  // Matching interfaces (rule 1), first of repeats, in the binding's subnet order then by id.
  std::set<std::string> seen;
  std::vector<const network_interface*> matching;
  for (const auto& eni : interfaces) {
    if (!seen.insert(eni.network_interface_id).second) continue;
    if (interface_matches(eni, binding)) matching.push_back(&eni);
  }
  const auto subnet_rank = [&](const network_interface* eni) {
    return std::find(binding.subnet_ids.begin(), binding.subnet_ids.end(), eni->subnet_id) - binding.subnet_ids.begin();
  };
  std::sort(matching.begin(), matching.end(), [&](const network_interface* a, const network_interface* b) {
    const auto ra = subnet_rank(a), rb = subnet_rank(b);
    return ra != rb ? ra < rb : a->network_interface_id < b->network_interface_id;
  });
  std::map<std::string, const network_interface*> matching_by_id;
  for (const auto* eni : matching) {
    matching_by_id.emplace(eni->network_interface_id, eni);
    plan.matching_interfaces.push_back(eni->network_interface_id);
  }

  // Rule 4: one of ours stays on each matching interface holding any, preferring the one on the
  // interface's primary private address (the one traffic leaves from); stable otherwise.
  std::vector<const elastic_address*> on_matching;
  std::deque<movable> not_associated, stranded, second;
  for (const auto* a : ours) {
    if (a->network_interface_id.empty()) {
      not_associated.push_back({a, "not associated"});
    } else if (!matching_by_id.contains(a->network_interface_id)) {
      stranded.push_back({a, seen.contains(a->network_interface_id)
                                 ? "on " + a->network_interface_id + ", which does not match the binding"
                                 : "on " + a->network_interface_id + ", which is gone or no longer in the binding's "
                                                                     "subnets and security groups"});
    } else {
      on_matching.push_back(a);
    }
  }
  std::stable_sort(on_matching.begin(), on_matching.end(), [&](const elastic_address* a, const elastic_address* b) {
    const auto on_primary = [&](const elastic_address* x) {
      return x->private_ip_address == matching_by_id.at(x->network_interface_id)->private_ip_address;
    };
    return on_primary(a) && !on_primary(b);
  });
  std::set<std::string> holding;  // interfaces keeping one of ours
  for (const auto* a : on_matching) {
    if (holding.insert(a->network_interface_id).second)
      plan.kept.push_back({.allocation_id = a->allocation_id, .public_ip = a->public_ip,
                           .network_interface_id = a->network_interface_id});
    else
      second.push_back({a, "second address on " + a->network_interface_id});
  }
  // Back to the binding's order within the group (the sort above only chose which one stays).
  const auto binding_rank = [&](const movable& m) {
    return std::find(binding.allocation_ids.begin(), binding.allocation_ids.end(), m.address->allocation_id) -
           binding.allocation_ids.begin();
  };
  std::stable_sort(second.begin(), second.end(),
                   [&](const movable& a, const movable& b) { return binding_rank(a) < binding_rank(b); });

  std::deque<movable> queue;  // rule 5's order
  for (auto* group : {&not_associated, &stranded, &second}) queue.insert(queue.end(), group->begin(), group->end());

  for (const auto* eni : matching) {
    if (holding.contains(eni->network_interface_id)) continue;
    if (eni->association && !eni->association->allocation_id.empty() &&
        !listed.contains(eni->association->allocation_id)) {
      plan.occupied.push_back({.network_interface_id = eni->network_interface_id,
                               .allocation_id = eni->association->allocation_id,
                               .public_ip = eni->association->public_ip});
      continue;
    }
    if (!interface_ready(*eni)) {
      plan.waiting.push_back({.network_interface_id = eni->network_interface_id, .status = eni->status});
      continue;
    }
    if (queue.empty()) {
      plan.interfaces_without_address.push_back(eni->network_interface_id);
      continue;
    }
    const movable m = queue.front();
    queue.pop_front();
    plan.associations.push_back({.allocation_id = m.address->allocation_id,
                                 .public_ip = m.address->public_ip,
                                 .network_interface_id = eni->network_interface_id,
                                 .subnet_id = eni->subnet_id,
                                 .from_network_interface_id = m.address->network_interface_id,
                                 .reason = m.reason,
                                 .allow_reassociation = !m.address->network_interface_id.empty()});
  }
  for (const auto& m : queue)
    plan.spare.push_back({.allocation_id = m.address->allocation_id, .public_ip = m.address->public_ip,
                          .network_interface_id = m.address->network_interface_id});
  return plan;
}

}  // namespace staticgate::aws

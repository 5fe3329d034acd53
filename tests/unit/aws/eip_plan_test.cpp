// The Elastic IP plan (eip_plan.hpp) as a table: what EC2 answered in, decisions out. Each
// case names the situation it guards (Lambda replacing its interfaces, a security-group
// change, too few addresses, an Elastic IP that is not ours, ...).
#include "aws/eip_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace aws = staticgate::aws;
namespace config = staticgate::config;

namespace {

struct eni_spec {
  std::string id;
  std::string subnet = "subnet-a";
  std::vector<std::string> groups = {"sg-1", "sg-2"};
  std::string status = "in-use";
  std::string type = "lambda";
  std::string description = "AWS Lambda VPC ENI-fn-0f0e";
  std::string public_allocation{};  // an association with this allocation id ("-" = AWS-assigned public address)
};

aws::network_interface make_eni(const eni_spec& s) {
  aws::network_interface eni;
  eni.network_interface_id = s.id;
  eni.subnet_id = s.subnet;
  eni.interface_type = s.type;
  eni.description = s.description;
  eni.status = s.status;
  eni.private_ip_address = "10.0.0." + std::to_string(s.id.size() + s.id.back());
  eni.group_ids = s.groups;
  if (!s.public_allocation.empty())
    eni.association = aws::network_interface_association{
        .public_ip = "203.0.113.7", .allocation_id = s.public_allocation == "-" ? "" : s.public_allocation,
        .association_id = s.public_allocation == "-" ? "" : "eipassoc-x"};
  return eni;
}

// "eipalloc-1" (not associated) or "eipalloc-1@eni-1" (on eni-1's primary address) or
// "eipalloc-1@eni-1:secondary".
aws::elastic_address make_address(const std::string& spec, const std::vector<aws::network_interface>& enis) {
  aws::elastic_address a;
  const auto at = spec.find('@');
  a.allocation_id = spec.substr(0, at);
  a.public_ip = "198.51.100." + std::to_string(a.allocation_id.back() - '0' + 10);
  if (at == std::string::npos) return a;
  std::string where = spec.substr(at + 1);
  const bool secondary = where.ends_with(":secondary");
  if (secondary) where.resize(where.size() - 10);
  a.network_interface_id = where;
  a.association_id = "eipassoc-" + a.allocation_id;
  a.private_ip_address = "10.9.9.9";
  for (const auto& eni : enis)
    if (eni.network_interface_id == where && !secondary) a.private_ip_address = eni.private_ip_address;
  return a;
}

config::aws_elastic_ip_binding base_binding() {
  config::aws_elastic_ip_binding b;
  b.name = "egress";
  b.subnet_ids = {"subnet-a", "subnet-b"};
  b.security_group_ids = {"sg-2", "sg-1"};
  b.allocation_ids = {"eipalloc-1", "eipalloc-2"};
  return b;
}

// The plan flattened to strings, so a case states it in one line per list.
struct flat_plan {
  std::vector<std::string> kept{};          // "eipalloc-1@eni-1"
  std::vector<std::string> associations{};  // "eipalloc-1->eni-1", "+" appended when reassociation is allowed
  std::vector<std::string> without{};       // interface ids
  std::vector<std::string> occupied{};      // "eni-1:eipalloc-9"
  std::vector<std::string> waiting{};       // "eni-1:attaching"
  std::vector<std::string> spare{};         // "eipalloc-3@" or "eipalloc-3@eni-old"
  std::vector<std::string> missing{};
  bool operator==(const flat_plan&) const = default;
};

void PrintTo(const flat_plan& p, std::ostream* os) {
  const auto list = [&](const char* name, const std::vector<std::string>& v) {
    *os << name << "{";
    for (const auto& s : v) *os << s << " ";
    *os << "} ";
  };
  list("kept", p.kept);
  list("associations", p.associations);
  list("without", p.without);
  list("occupied", p.occupied);
  list("waiting", p.waiting);
  list("spare", p.spare);
  list("missing", p.missing);
}

flat_plan flatten(const aws::eip_plan& plan) {
  flat_plan f;
  for (const auto& k : plan.kept) f.kept.push_back(k.allocation_id + "@" + k.network_interface_id);
  for (const auto& a : plan.associations)
    f.associations.push_back(a.allocation_id + "->" + a.network_interface_id + (a.allow_reassociation ? "+" : ""));
  f.without = plan.interfaces_without_address;
  for (const auto& o : plan.occupied) f.occupied.push_back(o.network_interface_id + ":" + o.allocation_id);
  for (const auto& w : plan.waiting) f.waiting.push_back(w.network_interface_id + ":" + w.status);
  for (const auto& s : plan.spare) f.spare.push_back(s.allocation_id + "@" + s.network_interface_id);
  f.missing = plan.missing_allocations;
  return f;
}

struct plan_case {
  std::string name;
  std::vector<eni_spec> interfaces;
  std::vector<std::string> addresses;
  std::vector<std::string> allocation_ids{};  // empty = the base binding's
  std::vector<std::string> security_groups{};  // empty = the base binding's
  std::string description_prefix{};
  flat_plan expected{};
};

std::vector<plan_case> cases() {
  return {
      {.name = "FirstRunGivesEachInterfaceAFreeAddressInSubnetOrder",
       .interfaces = {{.id = "eni-9", .subnet = "subnet-b"}, {.id = "eni-5", .subnet = "subnet-a"}},
       .addresses = {"eipalloc-1", "eipalloc-2"},
       .expected = {.associations = {"eipalloc-1->eni-5", "eipalloc-2->eni-9"}}},
      {.name = "AlreadyInPlaceChangesNothing",
       .interfaces = {{.id = "eni-1"}, {.id = "eni-2", .subnet = "subnet-b"}},
       .addresses = {"eipalloc-1@eni-2", "eipalloc-2@eni-1"},
       .expected = {.kept = {"eipalloc-1@eni-2", "eipalloc-2@eni-1"}}},
      {.name = "ReplacedInterfacesTakeTheAddressesLeftOnGoneOnes",
       .interfaces = {{.id = "eni-new1"}, {.id = "eni-new2", .subnet = "subnet-b"}},
       .addresses = {"eipalloc-1@eni-old1", "eipalloc-2@eni-old2"},
       .expected = {.associations = {"eipalloc-1->eni-new1+", "eipalloc-2->eni-new2+"}}},
      {.name = "ReplacedInterfacesTakeAddressesLambdaAlreadyFreed",
       .interfaces = {{.id = "eni-new1"}, {.id = "eni-new2", .subnet = "subnet-b"}},
       .addresses = {"eipalloc-2", "eipalloc-1"},
       .expected = {.associations = {"eipalloc-1->eni-new1", "eipalloc-2->eni-new2"}}},
      {.name = "SecurityGroupChangeMovesAddressesOffInterfacesWithTheOldSet",
       // group-id matches any one group, so the old interfaces (sg-1 only) come back too.
       .interfaces = {{.id = "eni-old", .groups = {"sg-1"}}, {.id = "eni-new", .groups = {"sg-1", "sg-3"}}},
       .addresses = {"eipalloc-1@eni-old"},
       .allocation_ids = {"eipalloc-1"},
       .security_groups = {"sg-3", "sg-1"},
       .expected = {.associations = {"eipalloc-1->eni-new+"}}},
      {.name = "AnInterfaceWithMoreGroupsThanTheBindingDoesNotMatch",
       .interfaces = {{.id = "eni-1", .groups = {"sg-1", "sg-2", "sg-9"}}},
       .addresses = {"eipalloc-1", "eipalloc-2"},
       .expected = {.spare = {"eipalloc-1@", "eipalloc-2@"}}},
      {.name = "RepeatedGroupsAndOrderDoNotMatter",
       .interfaces = {{.id = "eni-1", .groups = {"sg-2", "sg-1", "sg-2"}}},
       .addresses = {"eipalloc-1"},
       .allocation_ids = {"eipalloc-1"},
       .expected = {.associations = {"eipalloc-1->eni-1"}}},
      {.name = "MoreInterfacesThanAddressesLeavesTheLastWithout",
       .interfaces = {{.id = "eni-3", .subnet = "subnet-b"}, {.id = "eni-2"}, {.id = "eni-1"}},
       .addresses = {"eipalloc-1", "eipalloc-2@eni-2"},
       .expected = {.kept = {"eipalloc-2@eni-2"}, .associations = {"eipalloc-1->eni-1"}, .without = {"eni-3"}}},
      {.name = "FreeAddressesGoBeforeOnesStillOnOldInterfaces",
       .interfaces = {{.id = "eni-1"}},
       .addresses = {"eipalloc-1@eni-old", "eipalloc-2", "eipalloc-3@eni-older"},
       .allocation_ids = {"eipalloc-1", "eipalloc-2", "eipalloc-3"},
       .expected = {.associations = {"eipalloc-2->eni-1"}, .spare = {"eipalloc-1@eni-old", "eipalloc-3@eni-older"}}},
      {.name = "AnElasticIpNotInTheBindingIsLeftOnItsInterface",
       .interfaces = {{.id = "eni-1", .public_allocation = "eipalloc-9"}, {.id = "eni-2"}},
       .addresses = {"eipalloc-1"},
       .allocation_ids = {"eipalloc-1"},
       .expected = {.associations = {"eipalloc-1->eni-2"}, .occupied = {"eni-1:eipalloc-9"}}},
      {.name = "OnlyInterfaceHeldBySomeoneElseLeavesOursSpare",
       .interfaces = {{.id = "eni-1", .public_allocation = "eipalloc-9"}},
       .addresses = {"eipalloc-1@eni-x", "eipalloc-9@eni-1"},  // an extra answer is not ours either
       .allocation_ids = {"eipalloc-1"},
       .expected = {.occupied = {"eni-1:eipalloc-9"}, .spare = {"eipalloc-1@eni-x"}}},
      {.name = "AnAwsAssignedPublicAddressIsNotAnElasticIp",
       .interfaces = {{.id = "eni-1", .public_allocation = "-"}},
       .addresses = {"eipalloc-1"},
       .allocation_ids = {"eipalloc-1"},
       .expected = {.associations = {"eipalloc-1->eni-1"}}},
      {.name = "InterfacesNotYetReadyWaitAndKeepWhatTheyHold",
       .interfaces = {{.id = "eni-1", .status = "attaching"}, {.id = "eni-2", .status = "detaching"},
                      {.id = "eni-3", .status = ""}, {.id = "eni-4", .status = "available"}},
       .addresses = {"eipalloc-1@eni-2", "eipalloc-2"},
       .expected = {.kept = {"eipalloc-1@eni-2"}, .associations = {"eipalloc-2->eni-4"},
                    .waiting = {"eni-1:attaching", "eni-3:"}}},
      {.name = "ASecondAddressOnOneInterfaceMovesAndThePrimaryOneStays",
       .interfaces = {{.id = "eni-1"}, {.id = "eni-2"}},
       .addresses = {"eipalloc-1@eni-1:secondary", "eipalloc-2@eni-1"},
       .expected = {.kept = {"eipalloc-2@eni-1"}, .associations = {"eipalloc-1->eni-2+"}}},
      {.name = "AMissingAllocationIsReportedNotUsed",
       .interfaces = {{.id = "eni-1"}, {.id = "eni-2"}},
       .addresses = {"eipalloc-2"},
       .expected = {.associations = {"eipalloc-2->eni-1"}, .without = {"eni-2"}, .missing = {"eipalloc-1"}}},
      {.name = "OtherSubnetsTypesAndDescriptionsDoNotMatch",
       .interfaces = {{.id = "eni-1", .subnet = "subnet-z"},
                      {.id = "eni-2", .type = "interface"},
                      {.id = "eni-3", .description = "AWS Lambda VPC ENI-other-1"},
                      {.id = "eni-4", .description = "AWS Lambda VPC ENI-fn-77"}},
       .addresses = {"eipalloc-1@eni-3", "eipalloc-2"},
       .description_prefix = "AWS Lambda VPC ENI-fn-",
       .expected = {.associations = {"eipalloc-2->eni-4"}, .spare = {"eipalloc-1@eni-3"}}},
      {.name = "PagesRepeatingAnInterfaceCountItOnce",
       .interfaces = {{.id = "eni-1"}, {.id = "eni-1"}},
       .addresses = {"eipalloc-1", "eipalloc-2"},
       .expected = {.associations = {"eipalloc-1->eni-1"}, .spare = {"eipalloc-2@"}}},
      {.name = "NothingMatchingLeavesEveryAddressAlone",
       .interfaces = {},
       .addresses = {"eipalloc-1@eni-old", "eipalloc-2"},
       .expected = {.spare = {"eipalloc-2@", "eipalloc-1@eni-old"}}},
  };
}

class EipPlan : public testing::TestWithParam<plan_case> {};

aws::eip_plan run_case(const plan_case& c) {
  std::vector<aws::network_interface> enis;
  for (const auto& s : c.interfaces) enis.push_back(make_eni(s));
  std::vector<aws::elastic_address> addresses;
  for (const auto& s : c.addresses) addresses.push_back(make_address(s, enis));
  auto binding = base_binding();
  if (!c.allocation_ids.empty()) binding.allocation_ids = c.allocation_ids;
  if (!c.security_groups.empty()) binding.security_group_ids = c.security_groups;
  binding.description_prefix = c.description_prefix;
  return aws::plan_eip_associations(enis, addresses, binding);
}

TEST_P(EipPlan, Decides) { EXPECT_EQ(flatten(run_case(GetParam())), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(Table, EipPlan, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<plan_case>& param_info) { return param_info.param.name; });

// Applying a plan as EC2 would, then planning again, must find nothing to do: the reconciler
// run every interval must settle, not flap.
TEST(EipPlanRuns, ASecondRunAfterApplyingThePlanChangesNothing) {
  for (const auto& c : cases()) {
    std::vector<aws::network_interface> enis;
    for (const auto& s : c.interfaces) enis.push_back(make_eni(s));
    std::vector<aws::elastic_address> addresses;
    for (const auto& s : c.addresses) addresses.push_back(make_address(s, enis));
    auto binding = base_binding();
    if (!c.allocation_ids.empty()) binding.allocation_ids = c.allocation_ids;
    if (!c.security_groups.empty()) binding.security_group_ids = c.security_groups;
    binding.description_prefix = c.description_prefix;

    const auto first = aws::plan_eip_associations(enis, addresses, binding);
    for (const auto& a : first.associations) {
      auto it = std::find_if(addresses.begin(), addresses.end(),
                             [&](const aws::elastic_address& x) { return x.allocation_id == a.allocation_id; });
      ASSERT_NE(it, addresses.end()) << c.name;
      const auto target = std::find_if(enis.begin(), enis.end(), [&](const aws::network_interface& e) {
        return e.network_interface_id == a.network_interface_id;
      });
      ASSERT_NE(target, enis.end()) << c.name;
      it->network_interface_id = a.network_interface_id;
      it->private_ip_address = target->private_ip_address;
      it->association_id = "eipassoc-new";
    }
    const auto second = aws::plan_eip_associations(enis, addresses, binding);
    EXPECT_FALSE(second.changes_anything()) << c.name;
    EXPECT_EQ(second.kept.size(), first.kept.size() + first.associations.size()) << c.name;
  }
}

TEST(EipPlanRuns, TheOrderEc2AnswersInDoesNotChangeThePlan) {
  const auto binding = base_binding();
  std::vector<aws::network_interface> enis = {make_eni({.id = "eni-4", .subnet = "subnet-b"}),
                                              make_eni({.id = "eni-2"}), make_eni({.id = "eni-3", .subnet = "subnet-b"}),
                                              make_eni({.id = "eni-1"})};
  std::vector<aws::elastic_address> addresses = {make_address("eipalloc-2@eni-gone", enis),
                                                 make_address("eipalloc-1", enis)};
  const auto expected = flatten(aws::plan_eip_associations(enis, addresses, binding));
  EXPECT_EQ(expected.associations, (std::vector<std::string>{"eipalloc-1->eni-1", "eipalloc-2->eni-2+"}));
  EXPECT_EQ(expected.without, (std::vector<std::string>{"eni-3", "eni-4"}));
  std::reverse(enis.begin(), enis.end());
  std::reverse(addresses.begin(), addresses.end());
  EXPECT_EQ(flatten(aws::plan_eip_associations(enis, addresses, binding)), expected);
}

TEST(EipPlanRuns, ReasonsSayWhereTheAddressWas) {
  auto binding = base_binding();
  binding.allocation_ids = {"eipalloc-1", "eipalloc-2"};
  const std::vector<aws::network_interface> enis = {make_eni({.id = "eni-1"}), make_eni({.id = "eni-2"}),
                                                    make_eni({.id = "eni-old", .groups = {"sg-1"}})};
  const auto plan = aws::plan_eip_associations(
      enis, {make_address("eipalloc-1@eni-old", enis), make_address("eipalloc-2@eni-gone", enis)}, binding);
  ASSERT_EQ(plan.associations.size(), 2u);
  EXPECT_EQ(plan.associations[0].reason, "on eni-old, which does not match the binding");
  EXPECT_EQ(plan.associations[0].from_network_interface_id, "eni-old");
  EXPECT_EQ(plan.associations[0].public_ip, "198.51.100.11");
  EXPECT_EQ(plan.associations[0].subnet_id, "subnet-a");
  EXPECT_NE(plan.associations[1].reason.find("eni-gone, which is gone"), std::string::npos);
}

}  // namespace

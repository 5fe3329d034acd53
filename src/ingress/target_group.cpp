#include "ingress/target_group.hpp"

#include "ingress/lb/maglev.hpp"

namespace staticgate::ingress {

namespace {

lb::algorithm_kind to_kind(config::algorithm a) {
  switch (a) {
    case config::algorithm::round_robin: return lb::algorithm_kind::round_robin;
    case config::algorithm::least_connections: return lb::algorithm_kind::least_connections;
    case config::algorithm::maglev: return lb::algorithm_kind::maglev;
  }
  return lb::algorithm_kind::round_robin;
}

}  // namespace

std::shared_ptr<const target_group_snapshot> target_group_snapshot::from_config(const config::target_group& group) {
  auto snapshot = std::make_shared<target_group_snapshot>();
  snapshot->name = group.name;
  for (const auto& t : group.targets) {
    snapshot->targets.push_back(t.address);
    snapshot->weights.push_back(t.weight);
    snapshot->keys.push_back(t.address.to_string());
  }
  snapshot->connect_timeout = group.connect_timeout;
  snapshot->connect_retries = group.connect_retries;
  snapshot->deregistration_delay = group.deregistration_delay;
  snapshot->proxy_protocol = group.proxy_protocol;
  snapshot->balancing.kind = to_kind(group.balance);
  snapshot->balancing.maglev_table_size = group.maglev_table_size;
  if (group.balance == config::algorithm::maglev)
    snapshot->balancing.maglev_shared =
        std::make_shared<const lb::maglev_table>(snapshot->keys, snapshot->weights, group.maglev_table_size);
  return snapshot;
}

target_picker::target_picker(std::shared_ptr<const target_group_snapshot> group,
                             std::vector<std::shared_ptr<target_stats>> stats)
    : group_(std::move(group)),
      balancer_(lb::make_balancer(group_->balancing, group_->weights, group_->keys)),
      healthy_set_(group_->targets.size(), true),
      drained_(group_->targets.size(), false),
      eligible_(group_->targets.size(), true),
      available_(group_->targets.size(), true),
      failing_(group_->targets.size(), false),
      stats_(std::move(stats)) {
  stats_.resize(group_->targets.size());
  for (auto& s : stats_)
    if (!s) s = std::make_shared<target_stats>();
}

void target_picker::set_healthy_set(const std::vector<bool>& eligible) {
  if (eligible.size() != healthy_set_.size()) return;
  healthy_set_ = eligible;
  recompute_eligible();
}

void target_picker::set_drained(std::size_t target, bool drained) {
  if (target >= drained_.size()) return;
  drained_[target] = drained;
  recompute_eligible();
}

void target_picker::recompute_eligible() {
  for (std::size_t i = 0; i < eligible_.size(); ++i) eligible_[i] = healthy_set_[i] && !drained_[i];
  available_ = eligible_;
}

std::optional<std::size_t> target_picker::pick(std::uint64_t client_key, std::span<const std::uint16_t> tried) {
  for (auto i : tried) available_[i] = false;
  auto choice = balancer_->pick(client_key, available_);
  for (auto i : tried) available_[i] = eligible_[i];
  return choice;
}

}  // namespace staticgate::ingress

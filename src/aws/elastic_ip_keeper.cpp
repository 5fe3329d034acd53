#include "aws/elastic_ip_keeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "aws/eip_reconciler.hpp"

namespace staticgate::aws {

elastic_ip_keeper::elastic_ip_keeper(std::shared_ptr<aws_runtime> runtime,
                                     std::vector<config::aws_elastic_ip_binding> bindings)
    : runtime_(std::move(runtime)), bindings_(std::move(bindings)) {}

elastic_ip_keeper::~elastic_ip_keeper() { stop(); }

void elastic_ip_keeper::start() {
  if (thread_.joinable() || bindings_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void elastic_ip_keeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void elastic_ip_keeper::run() {
  using clock = std::chrono::steady_clock;
  std::vector<clock::time_point> due(bindings_.size(), clock::now());
  auto ec2 = runtime_->client("ec2");
  while (true) {
    for (std::size_t i = 0; i < bindings_.size(); ++i) {
      if (clock::now() < due[i]) continue;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      const auto& binding = bindings_[i];
      auto result = reconcile_eip_binding(*ec2, binding, eip_reconcile_options{});
      if (result.error_count() > 0 || !result.plan.interfaces_without_address.empty())
        spdlog::warn("elastic ip {}: {}", binding.name, result.summary());
      else
        spdlog::info("elastic ip {}: {}", binding.name, result.summary());
      due[i] = clock::now() + binding.interval;
    }
    std::unique_lock lock(mutex_);
    const auto next = *std::min_element(due.begin(), due.end());
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
  }
}

}  // namespace staticgate::aws

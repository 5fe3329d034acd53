// An ingress::control over a hand-built snapshot, for the admin tests.
#pragma once

#include <mutex>

#include "ingress/control.hpp"
#include "sample_snapshot.hpp"

namespace staticgate::admin::testing {

class fake_control final : public ingress::control {
 public:
  ingress::gateway_snapshot snapshot() const override {
    std::lock_guard lock(mutex_);
    return state_;
  }
  bool set_drained(const std::string& group, const std::string& target, bool drained) override {
    std::lock_guard lock(mutex_);
    for (auto& g : state_.groups) {
      if (g.name != group) continue;
      for (auto& t : g.targets) {
        if (t.address != target) continue;
        t.drained = drained;
        t.eligible = !drained && (!t.health_checked || t.healthy);
        return true;
      }
    }
    return false;
  }

  std::string reload() override {
    ++reloads;
    return reload_errors;
  }

  int reloads = 0;
  std::string reload_errors;

 private:
  mutable std::mutex mutex_;
  ingress::gateway_snapshot state_ = sample_snapshot();
};

}  // namespace staticgate::admin::testing

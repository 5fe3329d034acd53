#include "ingress/health/group_checker.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <random>
#include <stdexcept>

#include "proxy_protocol/encoder.hpp"

namespace staticgate::health {

namespace {

health_options to_health_options(const config::health_check& s) {
  health_options o;
  o.healthy_threshold = s.healthy_threshold;
  o.unhealthy_threshold = s.unhealthy_threshold;
  o.passive_failures = s.passive_failures;
  o.start_healthy = s.start_healthy;
  return o;
}

schedule_options to_schedule_options(const config::health_check& s) {
  schedule_options o;
  o.interval = s.interval;
  o.timeout = s.timeout;
  o.jitter = s.jitter;
  return o;
}

status_ranges parse_ranges(const std::string& spec) {
  std::string error;
  auto ranges = status_ranges::parse(spec, error);
  if (!ranges) throw std::invalid_argument("health_check.expected_status: " + error);
  return *ranges;
}

// A target behind PROXY protocol expects a header on every connection, probes
// included: v2 says LOCAL ("this is the balancer itself"); v1 has no LOCAL, so
// the specification's advice is a PROXY line with the probe's own addresses —
// UNKNOWN is the honest equivalent when we do not know our source port yet.
std::string proxy_preamble(config::proxy_protocol_mode mode) {
  if (mode == config::proxy_protocol_mode::off) return {};
  proxy_protocol::header h;
  h.version = mode == config::proxy_protocol_mode::v1 ? proxy_protocol::protocol_version::v1
                                                      : proxy_protocol::protocol_version::v2;
  h.command = proxy_protocol::proxy_command::local;
  h.family = proxy_protocol::address_family::unspec;
  std::array<std::uint8_t, 128> out{};
  auto n = proxy_protocol::encode(h, out);
  return std::string(reinterpret_cast<const char*>(out.data()), n);
}

}  // namespace

group_checker::group_checker(net::event_loop& loop, std::shared_ptr<const ingress::target_group_snapshot> group,
                             const config::health_check& settings, publish_fn publish)
    : loop_(loop),
      group_(std::move(group)),
      settings_(settings),
      accepted_(parse_ranges(settings.expected_status)),
      schedule_(to_schedule_options(settings), unit_random(std::random_device{}())),
      publish_(std::move(publish)),
      healthy_flags_(new std::atomic<bool>[group_->targets.size()]),
      eligible_flags_(new std::atomic<bool>[group_->targets.size()]) {
  for (std::size_t i = 0; i < group_->targets.size(); ++i) {
    healthy_flags_[i] = settings.start_healthy;
    eligible_flags_[i] = true;
  }
  auto options = to_health_options(settings);
  if (auto problem = validate(options)) throw std::invalid_argument("health_check: " + *problem);
  auto preamble = proxy_preamble(group_->proxy_protocol);
  for (std::size_t i = 0; i < group_->targets.size(); ++i) {
    checks_.push_back(std::make_unique<target_check>(*this, i, options));
    auto bytes = preamble;
    if (settings_.protocol == config::health_protocol::http) {
      http_probe_request request;
      request.method = settings_.method;
      request.path = settings_.path;
      request.host = settings_.host.empty() ? group_->targets[i].to_string() : settings_.host;
      bytes += build_http_probe_request(request);
    }
    probe_bytes_.push_back(std::move(bytes));
  }
}

void group_checker::adopt(const group_checker& previous) {
  for (auto& check : checks_) {
    const auto& key = group_->keys[check->index];
    for (const auto& old : previous.checks_) {
      if (previous.group_->keys[old->index] != key) continue;
      check->state.assume(old->state.status());
      healthy_flags_[check->index] = old->state.healthy();
    }
  }
}

void group_checker::start() {
  auto now = loop_.now();
  for (auto& check : checks_)
    loop_.timers().schedule(*check, schedule_.first_probe(now, check->index, checks_.size()));
  publish_if_changed();
}

void group_checker::run_probe(target_check& check) {
  probe_spec spec;
  spec.address = group_->targets[check.index];
  if (settings_.port != 0) spec.address.set_port(settings_.port);
  spec.send = probe_bytes_[check.index];
  spec.accepted = settings_.protocol == config::health_protocol::http ? &accepted_ : nullptr;
  spec.timeout = settings_.timeout;
  auto started = loop_.now();
  check.prober.start(spec, [this, &check, started](std::optional<probe_failure> failure) {
    on_result(check, failure);
    loop_.timers().schedule(check, schedule_.next_probe(started));
  });
}

void group_checker::on_result(target_check& check, std::optional<probe_failure> failure) {
  if (failure)
    apply(check, check.state.probe_failed(*failure));
  else
    apply(check, check.state.probe_succeeded());
}

void group_checker::report_connect(std::size_t target, bool success) {
  if (target >= checks_.size()) return;
  auto& check = *checks_[target];
  if (success)
    check.state.passive_success();
  else
    apply(check, check.state.passive_failure());
}

void group_checker::apply(target_check& check, const std::optional<health_transition>& change) {
  if (!change) return;
  auto level = change->to == health_status::unhealthy ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "target group {}: target {} {}", group_->name, group_->targets[check.index].to_string(),
              describe(*change));
  publish_if_changed();
}

std::vector<health_status> group_checker::statuses() const {
  std::vector<health_status> out;
  for (const auto& c : checks_) out.push_back(c->state.status());
  return out;
}

void group_checker::publish_if_changed() {
  auto states = statuses();
  auto result = select_eligible(states, settings_.fail_open);
  for (std::size_t i = 0; i < states.size(); ++i) {
    healthy_flags_[i].store(states[i] == health_status::healthy, std::memory_order_relaxed);
    eligible_flags_[i].store(result.eligible[i], std::memory_order_relaxed);
  }
  if (result.failed_open != failed_open_) {
    failed_open_ = result.failed_open;
    if (failed_open_)
      spdlog::warn("target group {}: no target is healthy; failing open (sending to all)", group_->name);
    else
      spdlog::info("target group {}: healthy targets again; fail-open over", group_->name);
  }
  if (result.eligible == published_) return;
  published_ = result.eligible;
  publish_(result.eligible);
}

}  // namespace staticgate::health

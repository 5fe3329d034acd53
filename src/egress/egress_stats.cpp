#include "egress/egress_stats.hpp"

namespace staticgate::egress {

const char* to_string(egress_result result) {
  switch (result) {
    case egress_result::closed: return "closed";
    case egress_result::reset: return "reset";
    case egress_result::idle_timeout: return "idle_timeout";
    case egress_result::handshake_timeout: return "handshake_timeout";
    case egress_result::bad_request: return "bad_request";
    case egress_result::unsupported: return "unsupported";
    case egress_result::auth_failed: return "auth_failed";
    case egress_result::denied: return "denied";
    case egress_result::resolve_failed: return "resolve_failed";
    case egress_result::connect_failed: return "connect_failed";
    case egress_result::connect_timeout: return "connect_timeout";
    case egress_result::limit: return "limit";
    case egress_result::shutdown: return "shutdown";
    case egress_result::error: return "error";
    case egress_result::count_: break;
  }
  return "error";
}

namespace {

std::shared_ptr<traffic_counters> reuse_or_make(const std::map<std::string, std::shared_ptr<traffic_counters>>* old,
                                                const std::string& key) {
  if (old)
    if (auto it = old->find(key); it != old->end()) return it->second;
  return std::make_shared<traffic_counters>();
}

}  // namespace

egress_stats::egress_stats(std::string name, std::vector<std::string> binds, const std::vector<std::string>& users,
                           const std::vector<std::string>& sources, const egress_stats* previous)
    : server_(previous ? previous->server_ : std::make_shared<server_counters>()),
      name_(std::move(name)),
      binds_(std::move(binds)) {
  const auto* old_users = previous ? &previous->users_ : nullptr;
  const auto* old_sources = previous ? &previous->sources_ : nullptr;
  for (const auto& u : users) users_[u] = reuse_or_make(old_users, u);
  users_[""] = reuse_or_make(old_users, "");  // no authentication
  for (const auto& src : sources) sources_[src] = reuse_or_make(old_sources, src);
  sources_[""] = reuse_or_make(old_sources, "");  // the kernel's choice
}

traffic_counters* egress_stats::user(const std::string& name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

traffic_counters* egress_stats::source(const std::string& address) {
  auto it = sources_.find(address);
  return it == sources_.end() ? nullptr : it->second.get();
}

namespace {

ingress::egress_traffic_snapshot copy(const std::string& key, const traffic_counters& c) {
  return {.key = key,
          .connections = c.connections.load(std::memory_order_relaxed),
          .active = c.active.load(std::memory_order_relaxed),
          .bytes_from_client = c.bytes_from_client.load(std::memory_order_relaxed),
          .bytes_from_target = c.bytes_from_target.load(std::memory_order_relaxed)};
}

}  // namespace

ingress::egress_server_snapshot egress_stats::snapshot() const {
  ingress::egress_server_snapshot out;
  out.name = name_;
  out.binds = binds_;
  out.accepted = server_->accepted.load(std::memory_order_relaxed);
  out.active = server_->active.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < server_->results.size(); ++i)
    if (auto n = server_->results[i].load(std::memory_order_relaxed); n != 0)
      out.results[to_string(static_cast<egress_result>(i))] = n;
  for (const auto& [key, c] : users_)
    if (!key.empty() || c->connections.load(std::memory_order_relaxed) != 0) out.users.push_back(copy(key, *c));
  for (const auto& [key, c] : sources_)
    if (!key.empty() || c->connections.load(std::memory_order_relaxed) != 0) out.sources.push_back(copy(key, *c));
  return out;
}

}  // namespace staticgate::egress

#include "admin/api_router.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "admin/json_api.hpp"
#include "admin/prometheus.hpp"

namespace staticgate::admin {

namespace {

constexpr std::string_view json_type = "application/json";

http_response json_response(int status, const nlohmann::json& body) {
  return {.status = status, .content_type = std::string(json_type), .body = body.dump() + "\n", .allow = {}};
}

http_response error_response(int status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

// "/a/b" -> {"", "a", "b"}
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  while (true) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

api_router::api_router(ingress::control& control, std::function<process_stats()> read_stats)
    : control_(control), read_stats_(std::move(read_stats)) {}

http_response api_router::handle(std::string_view method, std::string_view path) const {
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  auto not_allowed = [&](std::string_view allow) {
    auto r = error_response(405, "method " + std::string(method) + " not allowed on " + std::string(path));
    r.allow = allow;
    return r;
  };

  if (path == "/healthz") {
    if (!get) return not_allowed("GET, HEAD");
    return {.status = 200, .content_type = "text/plain; charset=utf-8", .body = "ok\n", .allow = {}};
  }
  if (path == "/metrics") {
    if (!get) return not_allowed("GET, HEAD");
    return {.status = 200,
            .content_type = std::string(metrics_content_type),
            .body = render_metrics(control_.snapshot(), read_stats_()),
            .allow = {}};
  }
  if (path == "/api/v1/status" || path == "/api/v1/listeners" || path == "/api/v1/target_groups" ||
      path == "/api/v1/discovery" || path == "/api/v1/egress") {
    if (!get) return not_allowed("GET, HEAD");
    auto snapshot = control_.snapshot();
    if (path == "/api/v1/listeners") return json_response(200, listeners_to_json(snapshot));
    if (path == "/api/v1/target_groups") return json_response(200, target_groups_to_json(snapshot));
    if (path == "/api/v1/discovery") return json_response(200, discovery_to_json(snapshot));
    if (path == "/api/v1/egress") return json_response(200, egress_to_json(snapshot));
    return json_response(200, to_json(snapshot));
  }
  if (path == "/api/v1/reload") {
    if (!post) return not_allowed("POST");
    auto errors = control_.reload();
    if (!errors.empty()) {
      return json_response(422, {{"error", "reload refused, the running config stays"}, {"details", errors}});
    }
    return json_response(200, {{"reloaded", true}});
  }
  // "", "api", "v1", "target_groups", <group>, "targets", <target>, "drain" | "undrain"
  auto parts = split_path(path);
  if (parts.size() == 8 && parts[0].empty() && parts[1] == "api" && parts[2] == "v1" &&
      parts[3] == "target_groups" && !parts[4].empty() && parts[5] == "targets" && !parts[6].empty() &&
      (parts[7] == "drain" || parts[7] == "undrain")) {
    if (!post) return not_allowed("POST");
    return drain(std::string(parts[4]), std::string(parts[6]), parts[7] == "drain");
  }
  return error_response(404, "no such resource: " + std::string(path));
}

http_response api_router::drain(const std::string& group, const std::string& target, bool drained) const {
  auto find = [&](const ingress::gateway_snapshot& s, bool& group_found) -> const ingress::target_snapshot* {
    group_found = false;
    for (const auto& g : s.groups) {
      if (g.name != group) continue;
      group_found = true;
      for (const auto& t : g.targets) {
        if (t.address == target) return &t;
      }
    }
    return nullptr;
  };
  bool group_found = false;
  {
    auto before = control_.snapshot();
    if (find(before, group_found) == nullptr) {
      if (!group_found) return error_response(404, "no target group named " + group);
      return error_response(404, "target group " + group + " has no target " + target);
    }
  }
  // The target may vanish between the look-up and here (DNS sync); then the
  // control says so and the answer is the same 404.
  if (!control_.set_drained(group, target, drained)) {
    return error_response(404, "target group " + group + " has no target " + target);
  }
  auto after = control_.snapshot();
  const auto* t = find(after, group_found);
  if (t == nullptr) return error_response(404, "target group " + group + " has no target " + target);
  auto body = target_to_json(*t);
  body["target_group"] = group;
  return json_response(200, body);
}

}  // namespace staticgate::admin

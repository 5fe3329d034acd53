// The admin endpoint's routes, kept apart from the HTTP server so they can be
// tested without sockets: (method, decoded path) -> response.
//
//   GET  /metrics                    Prometheus text format 0.0.4
//   GET  /healthz                    "ok\n"
//   GET  /api/v1/status              everything (json_api.hpp)
//   GET  /api/v1/listeners
//   GET  /api/v1/target_groups
//   POST /api/v1/target_groups/<group>/targets/<ip:port>/drain | /undrain
//   POST /api/v1/reload              as SIGHUP; 422 {"error", "details"} when refused
//
// Known paths with another method get 405 and an Allow header; anything else
// 404. Errors are JSON: {"error": "..."}.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "admin/process_stats.hpp"
#include "ingress/control.hpp"

namespace staticgate::admin {

struct http_response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string allow;  // set with 405
};

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

class api_router {
 public:
  explicit api_router(ingress::control& control, std::function<process_stats()> read_stats = read_process_stats);

  // path: already percent-decoded ("[::1]:80" arrives as %5B%3A%3A1%5D%3A80).
  // HEAD is answered as GET (the server drops the body). Thread-safe as far
  // as control is; called on the admin server's threads.
  http_response handle(std::string_view method, std::string_view path) const;

 private:
  http_response drain(const std::string& group, const std::string& target, bool drained) const;

  ingress::control& control_;
  std::function<process_stats()> read_stats_;
};

}  // namespace staticgate::admin

// A hand-built gateway snapshot shared by the admin tests.
#pragma once

#include "ingress/snapshot.hpp"

namespace staticgate::admin::testing {

inline ingress::histogram_snapshot small_histogram() {
  ingress::histogram_snapshot h;
  h.upper_bounds_us = {100, 2500, 1000000};
  h.cumulative = {1, 3, 4, 5};  // one observation above 1 s
  h.count = 5;
  h.sum_us = 3'002'150;
  return h;
}

inline ingress::gateway_snapshot sample_snapshot() {
  ingress::gateway_snapshot s;
  s.version = "0.1.0";
  s.workers = 4;
  s.uptime_seconds = 3723.5;

  ingress::listener_snapshot web;
  web.name = "web";
  web.target_group = "backends";
  web.binds = {"0.0.0.0:8080", "[::]:8080"};
  web.max_connections = 1000;
  web.active = 3;
  web.accepted = 120;
  web.rejected = 2;
  ingress::listener_snapshot raw;
  raw.name = "raw";
  raw.target_group = "v6";
  raw.binds = {"127.0.0.1:9000"};
  s.listeners = {web, raw};

  ingress::target_snapshot a;
  a.address = "10.0.0.1:80";
  a.health_checked = true;
  a.active = 2;
  a.connections = 100;
  a.connect_failures = 1;
  a.bytes_from_client = 1536;
  a.bytes_from_target = 3ULL * 1024 * 1024 * 1024;
  a.connect_time = small_histogram();
  a.duration = small_histogram();
  ingress::target_snapshot b;
  b.address = "10.0.0.2:80";
  b.health_checked = true;
  b.healthy = false;
  b.eligible = false;
  ingress::target_snapshot c;
  c.address = "[::1]:80";
  c.drained = true;
  c.eligible = false;
  s.groups = {{.name = "backends", .algorithm = "round_robin", .targets = {a, b}},
              {.name = "v6", .algorithm = "maglev", .targets = {c}}};
  return s;
}

}  // namespace staticgate::admin::testing

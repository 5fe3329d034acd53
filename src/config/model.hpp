// The validated configuration. Everything here has passed config::parse() or config::load_file(); the
// data plane copies what it needs into const members and never re-validates.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/aws_model.hpp"
#include "config/egress_model.hpp"
#include "net/endpoint.hpp"

namespace staticgate::config {

using duration = std::chrono::milliseconds;

enum class algorithm { round_robin, least_connections, maglev };

// How bytes are moved between the two sockets of a connection.
//   auto:   splice() through a pooled pipe once a connection has moved bulk data,
//           plain read/write for small exchanges (fewer syscalls for request/response).
//   splice: always splice.   copy: always read/write through a shared per-thread buffer.
enum class forwarding_mode { automatic, splice, copy };

// PROXY protocol header sent to targets so they learn the client's address.
// Off by default: a target that does not expect it (an AWS ALB) rejects it.
enum class proxy_protocol_mode { off, v1, v2 };

enum class health_protocol { tcp, http };

// What happens to established connections when their target turns unhealthy.
//   keep:  they carry on (AWS NLB's default); only new connections avoid the target.
//   close: they are closed at once (HAProxy's on-marked-down shutdown-sessions), so clients
//          reconnect to a healthy target instead of waiting on a dead one.
enum class unhealthy_action { keep, close };

// [target_group.health_check]: active probes plus passive detection. Absent:
// every target is always eligible (connect retries still skip dead ones).
struct health_check {
  health_protocol protocol = health_protocol::tcp;
  duration interval{std::chrono::seconds(10)};
  duration timeout{std::chrono::seconds(5)};
  double jitter = 0.1;  // each interval is interval * (1 +- jitter)
  std::uint32_t healthy_threshold = 3;
  std::uint32_t unhealthy_threshold = 3;
  std::uint32_t passive_failures = 5;  // consecutive connect failures of real traffic; 0 = off
  bool start_healthy = true;
  bool fail_open = true;  // when no target is healthy, send to all (as NLB does)
  std::uint16_t port = 0;  // probe this port instead of the target's; 0 = the target's
  // http only:
  std::string method = "GET";
  std::string path = "/";
  std::string host;                        // Host header; empty = the target's ip:port
  std::string expected_status = "200-399"; // "200", "200-299", "200,204,300-399"
  unhealthy_action on_unhealthy = unhealthy_action::keep;
};

// [target_group.discovery.dns]: the group's targets also come from DNS names that answer a
// random part of their addresses per query (an AWS ALB answers 8). See docs/discovery.md.
struct dns_discovery {
  std::vector<std::string> names;  // fully qualified; no search domains
  std::uint16_t port = 0;          // the targets' port (required)
  bool ipv4 = true;                // families = ["ipv4", "ipv6"]: A and/or AAAA records
  bool ipv6 = false;
  // Empty: the system's resolvers (/etc/resolv.conf). Else "ip[:port]" servers.
  std::vector<std::string> name_servers;
  // Find the zone's authoritative servers (NS of the parent zone, through name_servers or the
  // system's) and ask them directly, as the AWS recipe does: no resolver cache in between.
  bool authoritative = false;
  std::uint16_t authoritative_port = 53;
  duration interval{std::chrono::seconds(10)};
  double jitter = 0.1;  // each interval is interval * (1 +- jitter)
  std::uint32_t max_lookups = 256;      // queries per name and family per run, at most
  std::uint32_t parallel_lookups = 8;   // queries in flight at once per name
  std::uint32_t answer_size = 8;        // addresses a full answer holds (the ALB's 8)
  duration query_timeout{std::chrono::seconds(2)};
  std::uint32_t query_tries = 2;
  std::uint32_t misses_before_deregistration = 3;
  double max_deregistration_fraction = 0.5;
  std::uint32_t weight = 1;  // of every discovered target
};

struct target {
  net::endpoint address;
  std::uint32_t weight = 1;  // 1..256
};

struct target_group {
  std::string name;
  std::vector<target> targets;
  algorithm balance = algorithm::round_robin;
  std::uint32_t maglev_table_size = 65537;  // must be prime, > number of targets
  duration connect_timeout{std::chrono::seconds(5)};
  // Further targets tried when a connect fails before any byte was forwarded.
  std::uint32_t connect_retries = 2;
  proxy_protocol_mode proxy_protocol = proxy_protocol_mode::off;
  std::optional<health_check> health;
  // A target removed from the group (reload, discovery) gets no new connections
  // at once; its established ones may go on this long, then are closed. NLB's default.
  duration deregistration_delay{std::chrono::seconds(300)};
  std::optional<dns_discovery> discovery;  // targets may then be empty
  std::optional<aws_target_group> aws;     // [target_group.discovery.aws]; needs discovery
};

struct listener {
  std::string name;
  std::vector<net::endpoint> binds;
  std::string target_group;
  std::uint32_t max_connections = 0;  // 0: no per-listener limit
  duration idle_timeout{std::chrono::seconds(350)};  // AWS NLB's default
  std::uint32_t backlog = 4096;
  // Expect a PROXY protocol v1 or v2 header from whatever is in front of us (another
  // load balancer); the client address it carries is the one used and logged.
  bool accept_proxy_protocol = false;
};

struct global_settings {
  unsigned workers = 0;  // 0: one per core
  std::string log_level = "info";
  forwarding_mode forwarding = forwarding_mode::automatic;
  // One JSON line per finished connection: "off", "stdout", "stderr" or an
  // absolute file path (appended to).
  std::string connection_log = "off";
  // SIGTERM: stop accepting, let connections finish for this long, then close them.
  duration shutdown_grace{std::chrono::seconds(30)};
  // Where DNS discovery keeps its state between runs (one JSON file per group and name).
  std::string state_dir = "/var/lib/staticgate";
};

// [admin]: /metrics, /healthz and the JSON API. Present = on; loopback by default.
struct admin_settings {
  bool enabled = false;
  net::endpoint listen = *net::endpoint::parse("127.0.0.1:9901");
};

struct config {
  global_settings global;
  admin_settings admin;
  std::vector<listener> listeners;
  std::vector<target_group> target_groups;
  std::vector<egress_server> egress;
  aws_settings aws;

  const target_group* find_group(const std::string& name) const {
    for (const auto& g : target_groups)
      if (g.name == name) return &g;
    return nullptr;
  }
};

}  // namespace staticgate::config

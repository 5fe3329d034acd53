// A consistent-enough copy of the gateway's state for the admin API and
// /metrics: plain values, taken on the admin thread from the workers' single-
// writer counters and the health checker's published state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace staticgate::ingress {

struct histogram_snapshot {
  std::vector<std::uint64_t> upper_bounds_us;  // the finite buckets' upper bounds
  std::vector<std::uint64_t> cumulative;       // size upper_bounds_us.size() + 1; the last is +Inf (== count)
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;
};

struct target_snapshot {
  std::string address;           // "ip:port"
  bool health_checked = false;   // the group has a [health_check]
  bool healthy = true;           // last health verdict (true when not checked)
  bool drained = false;          // taken out by hand (admin API): no new connections
  bool draining = false;         // removed from the group by a reload; its connections are finishing
  bool eligible = true;          // receives new connections now
  std::int64_t active = 0;
  std::uint64_t connections = 0;       // established, total
  std::uint64_t connect_failures = 0;  // failed attempts, total
  std::uint64_t bytes_from_client = 0;
  std::uint64_t bytes_from_target = 0;
  histogram_snapshot connect_time;
  histogram_snapshot duration;
};

struct group_snapshot {
  std::string name;
  std::string algorithm;  // round_robin | least_connections | maglev
  std::vector<target_snapshot> targets;
};

struct listener_snapshot {
  std::string name;
  std::string target_group;
  std::vector<std::string> binds;
  std::uint32_t max_connections = 0;  // 0: unlimited
  std::uint64_t active = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
};

// One (target group, DNS name) of DNS discovery, as of its last run.
struct discovery_name_snapshot {
  std::string target_group;
  std::string name;
  std::uint64_t addresses = 0;  // active addresses (the AWS recipe's IP count), pending included
  std::uint64_t pending = 0;    // active but missing from recent answers
  std::uint64_t runs = 0;
  std::uint64_t failed_runs = 0;  // the lookup failed or answered nothing: no change made
  std::uint32_t last_lookups = 0;
  double last_run_seconds = 0;
  std::map<std::string, std::uint64_t> lookup_failures;  // by kind: timeout, servfail, ...
  std::uint64_t registrations = 0;
  std::uint64_t deregistrations = 0;
  std::uint64_t breaker_trips = 0;
  std::int64_t last_success_unix_ms = 0;  // 0: never
  std::string state_error;  // the state file could not be read or written ("" when fine)
  std::string external_target;  // the AWS target group ARN the group also feeds ("" = none)
  std::string target_error;     // reading or changing that target group failed in the last run
  std::uint64_t target_failures = 0;  // runs with such a failure
};

// Egress (forward proxy) traffic, per user or per source address of one server.
struct egress_traffic_snapshot {
  std::string key;  // the user ("" without authentication) or the source address ("" = kernel's choice)
  std::uint64_t connections = 0;  // tunnels established
  std::int64_t active = 0;
  std::uint64_t bytes_from_client = 0;
  std::uint64_t bytes_from_target = 0;
};

struct egress_server_snapshot {
  std::string name;
  std::vector<std::string> binds;
  std::uint64_t accepted = 0;
  std::int64_t active = 0;      // handshakes and tunnels open now
  std::map<std::string, std::uint64_t> results;  // finished connections by result (see egress_log.hpp)
  std::vector<egress_traffic_snapshot> users;
  std::vector<egress_traffic_snapshot> sources;
};

struct gateway_snapshot {
  std::string version;
  unsigned workers = 0;
  double uptime_seconds = 0;
  std::vector<listener_snapshot> listeners;
  std::vector<group_snapshot> groups;
  std::vector<discovery_name_snapshot> discovery;
  std::vector<egress_server_snapshot> egress;
};

}  // namespace staticgate::ingress

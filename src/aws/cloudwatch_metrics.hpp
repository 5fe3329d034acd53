// The figures a DNS-to-target-group sync publishes to CloudWatch, and the PutMetricData query
// parameters that carry them. Pure: no I/O, no clock (the caller passes the time), never throws.
//
// What is published per sync of one name into one target group:
//   LoadBalancerIPCount {LoadBalancerName = name}: the AWS recipe's figure (the Lambda function
//       "populate NLB target group with ALB IPs" publishes it), so existing dashboards and alarms
//       keep working. Like every address figure, it is left out when the lookup failed: a 0 would
//       look like an ALB that lost all its addresses and fire the alarms watching for that.
//   {TargetGroup, Name}: AddressCount (also left out when the lookup failed), PendingDeregistration,
//       Registered, Deregistered, LookupFailures and SyncFailed (0 or 1).
// All in Unit "Count".
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/service_client.hpp"

namespace staticgate::aws {

struct metric_datum {
  std::string name;
  std::vector<std::pair<std::string, std::string>> dimensions;  // (Name, Value), in order
  double value = 0;
  std::string unit;  // a CloudWatch StandardUnit, e.g. "Count"
  std::chrono::system_clock::time_point at;
};

// One run of one name's sync into one target group, as the discovery controller saw it.
struct sync_figures {
  std::string target_group;  // the TargetGroup dimension: the group's name or ARN
  std::string name;          // the DNS name (LoadBalancerName / Name dimensions)
  std::optional<std::size_t> address_count;  // absent when the lookup failed
  std::size_t pending_deregistration = 0;    // addresses missed but not yet deregistered
  std::size_t registered = 0;                // registered in this run
  std::size_t deregistered = 0;              // deregistered in this run
  std::size_t lookup_failures = 0;           // failed queries in this run
  bool sync_failed = false;                  // the run did not complete (AWS call failed, ...)
};

std::vector<metric_datum> sync_metric_data(const sync_figures& f, std::chrono::system_clock::time_point at);

inline constexpr std::string_view cloudwatch_api_version = "2010-08-01";

// PutMetricData accepts up to 1000 data and a 1 MB request body per call.
inline constexpr std::size_t put_metric_data_max_data = 1000;
// Our budget for one call's form-encoded body: half the limit, so the signature headers and
// any rounding in AWS's own accounting never push a call over it.
inline constexpr std::size_t put_metric_data_body_budget = 512 * 1024;

// The parameters of one PutMetricData call per batch (Action and Version are added by
// service_client::call): Namespace, then MetricData.member.N.{MetricName, Dimensions.member.M.
// {Name, Value}, Value, Unit, Timestamp}, N counting from 1 in each batch. Each batch holds at
// most put_metric_data_max_data data and stays within put_metric_data_body_budget (a single
// datum larger than the budget still goes alone: CloudWatch's own limits on names and dimensions
// keep a real one far below it). Values are written in the shortest form that reads back exactly;
// timestamps as ISO 8601 UTC to the second ("2024-05-01T12:00:00Z"). No data: no batches.
// Validation (namespace, finite values, empty names) is the publisher's (metric_datum_problem).
std::vector<query_params> put_metric_data_batches(std::string_view ns, std::span<const metric_datum> data);

// "" when CloudWatch would accept `d`, else why not: MetricName 1-255 characters, at most 30
// dimensions with Name 1-255 and Value 1-1024 characters, a finite value.
std::string metric_datum_problem(const metric_datum& d);

}  // namespace staticgate::aws

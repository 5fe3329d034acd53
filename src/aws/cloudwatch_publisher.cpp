#include "aws/cloudwatch_publisher.hpp"

#include "aws/query_responses.hpp"
#include "config/aws_identifiers.hpp"

namespace staticgate::aws {

cloudwatch_publisher::cloudwatch_publisher(service_client& monitoring, std::string ns)
    : monitoring_(monitoring), namespace_(std::move(ns)) {}

publish_result cloudwatch_publisher::publish(std::span<const metric_datum> data) {
  publish_result result;
  if (auto problem = config::cloudwatch_namespace_problem(namespace_); !problem.empty()) {
    result.error = "CloudWatch namespace \"" + namespace_ + "\": " + problem;
    return result;
  }
  for (const auto& d : data) {
    if (auto problem = metric_datum_problem(d); !problem.empty()) {
      result.error = "metric data not sent: " + problem;
      return result;
    }
  }
  std::size_t offset = 0;
  for (const auto& params : put_metric_data_batches(namespace_, data)) {
    // Each datum's parameters start with its MetricName, so the batch's size is their count.
    std::size_t in_batch = 0;
    for (const auto& [key, value] : params)
      if (key.ends_with(".MetricName")) ++in_batch;
    const auto r = monitoring_.call("PutMetricData", cloudwatch_api_version, params);
    std::string parse_error;
    if (r.ok && parse_put_metric_data(r.response.body, parse_error)) {
      result.sent += in_batch;
    } else if (result.error.empty()) {
      result.error = "PutMetricData (data " + std::to_string(offset + 1) + "-" + std::to_string(offset + in_batch) +
                     "): " + (r.ok ? "unreadable answer: " + parse_error : r.describe());
    }
    offset += in_batch;
  }
  result.ok = result.error.empty();
  return result;
}

}  // namespace staticgate::aws

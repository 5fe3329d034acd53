// Sends metric data to CloudWatch: one PutMetricData call (2010-08-01) per batch of
// put_metric_data_batches(), through a service_client for "monitoring" (signed, retried).
//
// Nothing is sent when the namespace or any datum would be refused anyway (a reserved AWS/
// namespace, a NaN, an empty dimension value): CloudWatch rejects a whole call for one bad
// datum, so the error is reported at once instead of as an AWS error. A failed batch does not
// stop the next ones; the result counts the data that went through and keeps the first error.
//
// Thread-safety: as the service_client (calls are serialised there).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "aws/cloudwatch_metrics.hpp"
#include "aws/service_client.hpp"

namespace staticgate::aws {

struct publish_result {
  bool ok = false;
  std::size_t sent = 0;  // data CloudWatch accepted
  std::string error;     // the first failure; "" when ok
};

class cloudwatch_publisher {
 public:
  // `monitoring` must outlive the publisher. `ns` is checked with
  // config::cloudwatch_namespace_problem() on every publish(), never trusted.
  cloudwatch_publisher(service_client& monitoring, std::string ns);

  // No data: ok, nothing sent.
  publish_result publish(std::span<const metric_datum> data);

  const std::string& metric_namespace() const { return namespace_; }

 private:
  service_client& monitoring_;
  std::string namespace_;
};

}  // namespace staticgate::aws

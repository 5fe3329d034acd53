#include "aws/cloudwatch_metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "aws/iso8601.hpp"
#include "aws/uri_encoding.hpp"

namespace staticgate::aws {

namespace {

// CloudWatch's StandardUnit values (botocore's cloudwatch/2010-08-01 service-2.json).
constexpr std::array<std::string_view, 27> standard_units = {
    "Seconds",          "Microseconds",     "Milliseconds",     "Bytes",           "Kilobytes",
    "Megabytes",        "Gigabytes",        "Terabytes",        "Bits",            "Kilobits",
    "Megabits",         "Gigabits",         "Terabits",         "Percent",         "Count",
    "Bytes/Second",     "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
    "Bits/Second",      "Kilobits/Second",  "Megabits/Second",  "Gigabits/Second", "Terabits/Second",
    "Count/Second",     "None"};

metric_datum count(std::string name, std::vector<std::pair<std::string, std::string>> dimensions, double value,
                   std::chrono::system_clock::time_point at) {
  return metric_datum{.name = std::move(name), .dimensions = std::move(dimensions), .value = value, .unit = "Count",
                      .at = at};
}

// Shortest decimal that reads back as the same double ("3", "0.25", "1e+100").
std::string format_value(double value) {
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "0";  // cannot happen for a 64-byte buffer
  return std::string(buffer.data(), end);
}

// The parameters of one datum at position n (1-based) of its call.
query_params datum_params(const metric_datum& d, std::size_t n) {
  const std::string prefix = "MetricData.member." + std::to_string(n) + ".";
  query_params params;
  params.emplace_back(prefix + "MetricName", d.name);
  std::size_t m = 0;
  for (const auto& [dimension, value] : d.dimensions) {
    const std::string dim = prefix + "Dimensions.member." + std::to_string(++m) + ".";
    params.emplace_back(dim + "Name", dimension);
    params.emplace_back(dim + "Value", value);
  }
  params.emplace_back(prefix + "Value", format_value(d.value));
  if (!d.unit.empty()) params.emplace_back(prefix + "Unit", d.unit);
  params.emplace_back(prefix + "Timestamp",
                      format_iso8601(std::chrono::floor<std::chrono::seconds>(d.at)));
  return params;
}

// Bytes these parameters add to a form-encoded body ("&key=value" each).
std::size_t encoded_size(const query_params& params) {
  std::size_t size = 0;
  for (const auto& [key, value] : params) size += 2 + uri_encode(key).size() + uri_encode(value).size();
  return size;
}

}  // namespace

std::vector<metric_datum> sync_metric_data(const sync_figures& f, std::chrono::system_clock::time_point at) {
  const std::vector<std::pair<std::string, std::string>> ours = {{"TargetGroup", f.target_group}, {"Name", f.name}};
  std::vector<metric_datum> out;
  if (f.address_count) {
    const auto addresses = static_cast<double>(*f.address_count);
    out.push_back(count("LoadBalancerIPCount", {{"LoadBalancerName", f.name}}, addresses, at));
    out.push_back(count("AddressCount", ours, addresses, at));
  }
  out.push_back(count("PendingDeregistration", ours, static_cast<double>(f.pending_deregistration), at));
  out.push_back(count("Registered", ours, static_cast<double>(f.registered), at));
  out.push_back(count("Deregistered", ours, static_cast<double>(f.deregistered), at));
  out.push_back(count("LookupFailures", ours, static_cast<double>(f.lookup_failures), at));
  out.push_back(count("SyncFailed", ours, f.sync_failed ? 1.0 : 0.0, at));
  return out;
}

std::vector<query_params> put_metric_data_batches(std::string_view ns, std::span<const metric_datum> data) {
  std::vector<query_params> batches;
  const query_params head{{"Namespace", std::string(ns)}};
  // Action=PutMetricData&Version=2010-08-01 and the namespace open every body.
  const std::size_t base = std::string_view("Action=PutMetricData&Version=").size() + cloudwatch_api_version.size() +
                           encoded_size(head);
  std::size_t in_batch = 0;
  std::size_t size = 0;
  for (const auto& d : data) {
    query_params params = datum_params(d, in_batch + 1);
    std::size_t added = encoded_size(params);
    const bool full =
        !batches.empty() && (in_batch == put_metric_data_max_data || size + added > put_metric_data_body_budget);
    if (batches.empty() || full) {
      batches.push_back(head);
      in_batch = 0;
      size = base;
      if (full) {  // renumbered as the first datum of the new call
        params = datum_params(d, 1);
        added = encoded_size(params);
      }
    }
    auto& batch = batches.back();
    batch.insert(batch.end(), std::make_move_iterator(params.begin()), std::make_move_iterator(params.end()));
    ++in_batch;
    size += added;
  }
  return batches;
}

std::string metric_datum_problem(const metric_datum& d) {
  if (d.name.empty() || d.name.size() > 255) return "MetricName must be 1-255 characters";
  if (d.dimensions.size() > 30) return d.name + ": at most 30 dimensions";
  for (const auto& [dimension, value] : d.dimensions) {
    if (dimension.empty() || dimension.size() > 255) return d.name + ": a dimension name must be 1-255 characters";
    if (value.empty() || value.size() > 1024)
      return d.name + ": dimension " + dimension + " must have a value of 1-1024 characters";
  }
  // PutMetricData refuses NaN and infinities, and values beyond +-2^360.
  if (!std::isfinite(d.value) || std::fabs(d.value) > std::ldexp(1.0, 360))
    return d.name + ": the value must be a finite number within +-2^360";
  if (!d.unit.empty() && std::find(standard_units.begin(), standard_units.end(), d.unit) == standard_units.end())
    return d.name + ": \"" + d.unit + "\" is not a CloudWatch unit";
  return {};
}

}  // namespace staticgate::aws

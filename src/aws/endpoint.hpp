// Where to send an AWS API request: the regional endpoint of a service, as the SDKs' endpoint
// rules give it for the services staticgate calls, or an endpoint_url override taken verbatim
// (tests, VPC interface endpoints, LocalStack). Pure: no DNS, no I/O.
//
//   https://{prefix}.{region}.{dns suffix}
//   prefix: the service's endpoint prefix; the aliases "cloudwatch" -> monitoring and
//           "elb"/"elbv2" -> elasticloadbalancing are accepted. STS is always regional
//           (sts.us-east-1.amazonaws.com, not the legacy global sts.amazonaws.com).
//   suffix: amazonaws.com; amazonaws.com.cn for cn-* (China); c2s.ic.gov for us-iso-*,
//           sc2s.sgov.gov for us-isob-* (GovCloud us-gov-* uses amazonaws.com).
//   S3:     virtual-hosted style https://{bucket}.s3.{region}.{suffix}/{key} when the bucket
//           name is a DNS label (no dots: TLS wildcards cover one label); path style
//           {base}/{bucket}/{key} otherwise, and always with an endpoint_url override.
#pragma once

#include <string>
#include <string_view>

namespace staticgate::aws {

struct endpoint {
  std::string url;              // scheme://host[:port][/base path], no trailing '/'
  std::string signing_region;   // the region given
  std::string signing_service;  // the SigV4 service name ("monitoring" for CloudWatch)
  bool operator==(const endpoint&) const = default;
};

// Throws std::invalid_argument for an empty or malformed service or region (lower-case
// letters, digits and '-') unless endpoint_url is given; endpoint_url (when not empty) must
// start with http:// or https:// and is used as given, less trailing '/'.
endpoint endpoint_for(std::string_view service, std::string_view region,
                      std::string_view endpoint_url = {});

std::string_view dns_suffix(std::string_view region);

// A bucket name usable as a host label: 3-63 of [a-z0-9-], starting and ending with a letter
// or digit.
bool s3_virtual_host_compatible(std::string_view bucket);

// The URL of an object (key may be empty for the bucket itself); the key is percent-encoded
// keeping '/'.
std::string s3_object_url(std::string_view region, std::string_view bucket, std::string_view key,
                          std::string_view endpoint_url = {});

// A URL split as the signer needs it.
struct url_parts {
  std::string scheme;
  std::string host;   // with ":port" when one is given (as in the Host header)
  std::string path;   // "/" when absent
  std::string query;  // without '?'
  bool operator==(const url_parts&) const = default;
};
// Throws std::invalid_argument if url is not http(s)://host...
url_parts split_url(std::string_view url);

}  // namespace staticgate::aws

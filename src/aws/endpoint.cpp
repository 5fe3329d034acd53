#include "aws/endpoint.hpp"

#include <algorithm>
#include <stdexcept>

#include "aws/uri_encoding.hpp"

namespace staticgate::aws {

namespace {

bool is_name(std::string_view s) {
  return !s.empty() && s.front() != '-' && s.back() != '-' &&
         std::ranges::all_of(s, [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

bool starts_with_scheme(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

std::string trim_trailing_slashes(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  return std::string{url};
}

std::string_view canonical_service(std::string_view service) {
  if (service == "cloudwatch") return "monitoring";
  if (service == "elb" || service == "elbv2") return "elasticloadbalancing";
  return service;
}

void check_override(std::string_view endpoint_url) {
  if (!starts_with_scheme(endpoint_url)) {
    throw std::invalid_argument("endpoint_url must start with http:// or https://: " +
                                std::string{endpoint_url});
  }
}

}  // namespace

std::string_view dns_suffix(std::string_view region) {
  if (region.starts_with("cn-")) return "amazonaws.com.cn";
  if (region.starts_with("us-isob-")) return "sc2s.sgov.gov";
  if (region.starts_with("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

endpoint endpoint_for(std::string_view service, std::string_view region,
                      std::string_view endpoint_url) {
  const std::string_view prefix = canonical_service(service);
  if (!is_name(prefix)) throw std::invalid_argument("bad AWS service name: " + std::string{service});
  endpoint e;
  e.signing_region = std::string{region};
  e.signing_service = std::string{prefix};
  if (!endpoint_url.empty()) {
    check_override(endpoint_url);
    e.url = trim_trailing_slashes(endpoint_url);
    return e;
  }
  if (!is_name(region)) throw std::invalid_argument("bad AWS region: " + std::string{region});
  e.url = "https://" + std::string{prefix} + "." + std::string{region} + "." +
          std::string{dns_suffix(region)};
  return e;
}

bool s3_virtual_host_compatible(std::string_view bucket) {
  return bucket.size() >= 3 && bucket.size() <= 63 && is_name(bucket);
}

std::string s3_object_url(std::string_view region, std::string_view bucket, std::string_view key,
                          std::string_view endpoint_url) {
  if (bucket.empty()) throw std::invalid_argument("empty S3 bucket name");
  std::string path = key.empty() ? std::string{} : "/" + uri_encode(key, /*keep_slash=*/true);
  const endpoint base = endpoint_for("s3", region, endpoint_url);
  if (endpoint_url.empty() && s3_virtual_host_compatible(bucket)) {
    return "https://" + std::string{bucket} + "." + base.url.substr(std::string_view{"https://"}.size()) +
           (path.empty() ? "/" : path);
  }
  return base.url + "/" + uri_encode(bucket) + path;
}

url_parts split_url(std::string_view url) {
  url_parts parts;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || !starts_with_scheme(url)) {
    throw std::invalid_argument("not an http(s) URL: " + std::string{url});
  }
  parts.scheme = std::string{url.substr(0, scheme_end)};
  std::string_view rest = url.substr(scheme_end + 3);
  const auto fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const auto host_end = rest.find_first_of("/?");
  parts.host = std::string{rest.substr(0, host_end)};
  if (parts.host.empty()) throw std::invalid_argument("URL without a host: " + std::string{url});
  rest = host_end == std::string_view::npos ? std::string_view{} : rest.substr(host_end);
  const auto q = rest.find('?');
  parts.path = std::string{rest.substr(0, q)};
  if (parts.path.empty()) parts.path = "/";
  if (q != std::string_view::npos) parts.query = std::string{rest.substr(q + 1)};
  return parts;
}

}  // namespace staticgate::aws

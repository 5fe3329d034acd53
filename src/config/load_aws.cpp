// [aws] and [target_group.discovery.aws] (config/aws_model.hpp). The identifiers AWS hands out
// (ARNs, subnet-, sg-, eipalloc- ids) are checked for shape here, so a typo is reported at its
// line instead of as an AWS error minutes after start.
#include <algorithm>

#include "config/aws_identifiers.hpp"
#include "config/loader.hpp"

namespace staticgate::config::detail {

namespace {

constexpr std::string_view aws_keys[] = {"region", "profile", "endpoints", "state", "cloudwatch", "elastic_ip"};
constexpr std::string_view aws_endpoint_services[] = {"elasticloadbalancing", "ec2", "monitoring", "s3", "sts"};
constexpr std::string_view aws_state_keys[] = {"bucket", "prefix"};
constexpr std::string_view aws_cloudwatch_keys[] = {"namespace"};
constexpr std::string_view elastic_ip_keys[] = {"name",           "subnet_ids",         "security_group_ids",
                                                "allocation_ids", "interface_type",     "description_prefix",
                                                "interval"};
constexpr std::string_view aws_target_group_keys[] = {"target_group_arn", "availability_zone"};

}  // namespace

std::vector<std::string> loader::read_id_list(const toml::node& node, const std::string& what, std::string_view prefix,
                                              bool required_non_empty) {
  std::vector<std::string> out;
  const auto* array = node.as_array();
  if (!array || (required_non_empty && array->empty())) {
    error(where(node), what + ": expected a non-empty array of " + std::string(prefix) + "... ids, got " +
                           type_phrase(node));
    return out;
  }
  for (const toml::node& element : *array) {
    auto id = read_string(element, what);
    if (!id) continue;
    if (!is_aws_resource_id(*id, prefix)) {
      error(where(element), what + ": " + quote(*id) + " is not " + std::string(prefix) +
                                "followed by 8 or 17 hexadecimal digits");
      continue;
    }
    if (std::find(out.begin(), out.end(), *id) != out.end()) {
      error(where(element), what + ": " + quote(*id) + " is listed twice");
      continue;
    }
    out.push_back(*id);
  }
  return out;
}

void loader::read_aws(const toml::node& node) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), "aws: expected a table, written [aws], got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [aws]", aws_keys);
  aws_settings& out = config_.aws;
  out.present = true;
  if (const auto* n = table->get("region")) {
    if (auto v = read_string(*n, "aws.region")) {
      if (is_aws_region(*v))
        out.region = *v;
      else
        error(where(*n), "aws.region: " + quote(*v) + " is not an AWS region name such as \"eu-west-1\"");
    }
  }
  if (const auto* n = table->get("profile")) {
    if (auto v = read_string(*n, "aws.profile")) {
      if (v->empty())
        error(where(*n), "aws.profile: must not be empty (leave it out for AWS_PROFILE or \"default\")");
      else
        out.profile = *v;
    }
  }
  if (const auto* n = table->get("endpoints")) {
    if (const auto* endpoints = n->as_table()) {
      reject_unknown_keys(*endpoints, "in [aws.endpoints] (services)", aws_endpoint_services);
      for (const auto& [key, value] : *endpoints) {
        if (std::find(std::begin(aws_endpoint_services), std::end(aws_endpoint_services), key.str()) ==
            std::end(aws_endpoint_services))
          continue;  // reported above
        const std::string what = "aws.endpoints." + std::string(key.str());
        auto url = read_string(value, what);
        if (!url) continue;
        const auto scheme_end = url->find("://");
        if (!(url->starts_with("http://") || url->starts_with("https://")) || url->size() <= scheme_end + 3) {
          error(where(value), what + ": expected an http:// or https:// URL, got " + quote(*url));
          continue;
        }
        out.endpoints[std::string(key.str())] = *url;
      }
    } else {
      error(where(*n), "aws.endpoints: expected a table of service = \"URL\", got " + type_phrase(*n));
    }
  }
  if (const auto* n = table->get("state")) {
    if (const auto* state = n->as_table()) {
      reject_unknown_keys(*state, "in [aws.state]", aws_state_keys);
      if (const auto* b = require(*state, "bucket", "aws.state")) {
        if (auto v = read_string(*b, "aws.state.bucket")) {
          if (is_s3_bucket_name(*v))
            out.state_bucket = *v;
          else
            error(where(*b), "aws.state.bucket: " + quote(*v) + " is not an S3 bucket name (3-63 of a-z 0-9 . -)");
        }
      }
      if (const auto* p = state->get("prefix")) {
        if (auto v = read_string(*p, "aws.state.prefix")) {
          if (v->starts_with("/"))
            error(where(*p), "aws.state.prefix: must not start with '/' (S3 keys have no leading slash)");
          else
            out.state_prefix = *v;
        }
      }
    } else {
      error(where(*n), "aws.state: expected a table, written [aws.state], got " + type_phrase(*n));
    }
  }
  if (const auto* n = table->get("cloudwatch")) {
    if (const auto* cw = n->as_table()) {
      reject_unknown_keys(*cw, "in [aws.cloudwatch]", aws_cloudwatch_keys);
      if (const auto* ns = require(*cw, "namespace", "aws.cloudwatch")) {
        if (auto v = read_string(*ns, "aws.cloudwatch.namespace")) {
          if (auto problem = cloudwatch_namespace_problem(*v); problem.empty())
            out.cloudwatch_namespace = *v;
          else
            error(where(*ns), "aws.cloudwatch.namespace: " + quote(*v) + ": " + problem);
        }
      }
    } else {
      error(where(*n), "aws.cloudwatch: expected a table, written [aws.cloudwatch], got " + type_phrase(*n));
    }
  }
  if (const auto* n = table->get("elastic_ip")) {
    std::map<std::string, position> names;
    for_each_table(*n, "aws.elastic_ip", [&](const toml::table& t, std::size_t i) {
      const std::string ctx = "aws.elastic_ip[" + std::to_string(i) + "]";
      reject_unknown_keys(t, "in [[aws.elastic_ip]]", elastic_ip_keys);
      aws_elastic_ip_binding b;
      if (auto name = read_name(t, ctx, "aws.elastic_ip", names)) b.name = *name;
      if (const auto* s = require(t, "subnet_ids", ctx)) b.subnet_ids = read_id_list(*s, label(ctx, "subnet_ids"), "subnet-", true);
      if (const auto* s = require(t, "security_group_ids", ctx))
        b.security_group_ids = read_id_list(*s, label(ctx, "security_group_ids"), "sg-", true);
      if (const auto* s = require(t, "allocation_ids", ctx))
        b.allocation_ids = read_id_list(*s, label(ctx, "allocation_ids"), "eipalloc-", true);
      if (const auto* s = t.get("interface_type")) {
        if (auto v = read_string(*s, label(ctx, "interface_type"))) {
          if (v->empty())
            error(where(*s), label(ctx, "interface_type") + ": must not be empty");
          else
            b.interface_type = *v;
        }
      }
      if (const auto* s = t.get("description_prefix"))
        if (auto v = read_string(*s, label(ctx, "description_prefix"))) b.description_prefix = *v;
      if (const auto* s = t.get("interval"))
        if (auto v = read_bounded_duration(*s, label(ctx, "interval"), std::chrono::hours(24), "24h")) b.interval = *v;
      out.elastic_ips.push_back(std::move(b));
    });
    // One Elastic IP can sit on one interface only: two bindings sharing one would take it
    // from each other at every reconcile.
    std::map<std::string, std::string> owner;
    for (const auto& b : out.elastic_ips)
      for (const auto& id : b.allocation_ids)
        if (auto [it, added] = owner.emplace(id, b.name); !added)
          error(where(*n), "aws.elastic_ip: allocation id " + quote(id) + " is in both \"" + it->second + "\" and \"" +
                               b.name + "\"; an Elastic IP can be kept on one interface only");
  }
}

// [target_group.discovery.aws]
void loader::read_aws_target_group(const toml::node& node, const std::string& what, target_group& out) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), what + ": expected a table, written [target_group.discovery.aws], got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [target_group.discovery.aws]", aws_target_group_keys);
  aws_target_group result;
  if (const auto* n = require(*table, "target_group_arn", what)) {
    if (auto v = read_string(*n, what + ".target_group_arn")) {
      if (auto region = target_group_arn_region(*v)) {
        result.target_group_arn = *v;
        result.region = *region;
      } else {
        error(where(*n), what + ".target_group_arn: " + quote(*v) +
                             " is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)");
      }
    }
  }
  if (const auto* n = table->get("availability_zone")) {
    if (auto v = read_string(*n, what + ".availability_zone")) {
      if (*v == "all")
        result.availability_zone_all = true;
      else
        error(where(*n), what + ".availability_zone: the only value is \"all\" (targets outside the VPC), got " +
                             quote(*v));
    }
  }
  out.aws = std::move(result);
}

}  // namespace staticgate::config::detail

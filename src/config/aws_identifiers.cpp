#include "config/aws_identifiers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace staticgate::config {

namespace {

bool all_of(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_lower_alnum(char c) { return is_lower(c) || is_digit(c); }
bool is_name_char(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-'; }

// Splits at the first `sep`: returns the part before and leaves the rest in `s`; nullopt
// when `sep` is absent.
std::optional<std::string_view> take_until(std::string_view& s, char sep) {
  const auto at = s.find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  const auto head = s.substr(0, at);
  s.remove_prefix(at + 1);
  return head;
}

}  // namespace

bool is_aws_region(std::string_view s) {
  auto first = take_until(s, '-');
  if (!first || first->size() != 2 || !all_of(*first, is_lower)) return false;
  int words = 0;
  while (auto word = take_until(s, '-')) {
    if (word->empty() || !all_of(*word, is_lower)) return false;
    ++words;
  }
  return words >= 1 && !s.empty() && all_of(s, is_digit);
}

bool is_s3_bucket_name(std::string_view s) {
  if (s.size() < 3 || s.size() > 63) return false;
  if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  return all_of(s, [](char c) { return is_lower_alnum(c) || c == '.' || c == '-'; });
}

bool is_aws_resource_id(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return (s.size() == 8 || s.size() == 17) && all_of(s, is_lower_hex);
}

std::optional<std::string> target_group_arn_region(std::string_view arn) {
  constexpr std::array<std::string_view, 5> partitions = {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"};
  auto scheme = take_until(arn, ':');
  auto partition = take_until(arn, ':');
  auto service = take_until(arn, ':');
  auto region = take_until(arn, ':');
  auto account = take_until(arn, ':');
  if (!scheme || *scheme != "arn" || !partition || !service || !region || !account) return std::nullopt;
  if (std::find(partitions.begin(), partitions.end(), *partition) == partitions.end()) return std::nullopt;
  if (*service != "elasticloadbalancing" || !is_aws_region(*region)) return std::nullopt;
  if (account->size() != 12 || !all_of(*account, is_digit)) return std::nullopt;
  auto kind = take_until(arn, '/');
  auto name = take_until(arn, '/');
  if (!kind || *kind != "targetgroup" || !name || name->empty() || name->size() > 32 || !all_of(*name, is_name_char))
    return std::nullopt;
  if (arn.size() != 16 || !all_of(arn, is_lower_hex)) return std::nullopt;
  return std::string(*region);
}

// CloudWatch namespaces: 1-255 characters of letters, digits and . - _ / # : and space, with at
// least one non-space; "AWS/" is reserved for AWS's own services (PutMetricData refuses it).
std::string cloudwatch_namespace_problem(std::string_view ns) {
  if (ns.empty() || ns.size() > 255) return "must be 1-255 characters";
  for (unsigned char c : ns)
    if (!std::isalnum(c) && std::string_view(".-_/#: ").find(static_cast<char>(c)) == std::string_view::npos)
      return "may hold only letters, digits, spaces and . - _ / # :";
  if (ns.find_first_not_of(' ') == std::string_view::npos) return "must not be blank";
  if (ns.starts_with("AWS/")) return "the AWS/ prefix is reserved for AWS services; choose your own, e.g. \"StaticGate\"";
  return {};
}

}  // namespace staticgate::config

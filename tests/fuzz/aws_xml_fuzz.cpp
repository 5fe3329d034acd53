// libFuzzer target for the AWS query-API XML parsers (src/aws/aws_error.cpp,
// src/aws/query_responses.cpp), which read what an HTTPS peer sends. Every parser gets the same
// bytes. Besides "never crash" (ASan/UBSan), it checks:
//  - a failure always says why (non-empty error), a success never leaves a required field empty;
//  - aws_error_from_response always yields a message when it yields no code;
//  - parsing is deterministic (the same bytes twice give the same answer).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/aws_error.hpp"
#include "aws/query_responses.hpp"

namespace aws = staticgate::aws;

namespace {

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

template <typename Result>
void check_outcome(const Result& result, const std::string& error) {
  check(result.has_value() || !error.empty(), "a failure without an error message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string error;

  const aws::aws_error from = aws::aws_error_from_response(503, body);
  check(!from.code.empty() || !from.message.empty(), "an error with neither code nor message");
  check(from.http_status == 503, "the status is kept");
  const auto parsed = aws::parse_aws_error(503, body);
  check(parsed.has_value() == aws::parse_aws_error(503, body).has_value(), "nondeterministic error parse");

  error.clear();
  const auto health = aws::parse_describe_target_health(body, error);
  check_outcome(health, error);
  if (health)
    for (const auto& target : health->targets) {
      check(!target.id.empty() && !target.state.empty(), "a target without id or state");
      check(!target.port || *target.port != 0, "port 0");
    }

  error.clear();
  const auto enis = aws::parse_describe_network_interfaces(body, error);
  check_outcome(enis, error);
  if (enis)
    for (const auto& eni : enis->network_interfaces)
      check(!eni.network_interface_id.empty(), "a network interface without id");

  error.clear();
  const auto addresses = aws::parse_describe_addresses(body, error);
  check_outcome(addresses, error);
  if (addresses)
    for (const auto& address : addresses->addresses) check(!address.public_ip.empty(), "an address without publicIp");

  error.clear();
  const auto associated = aws::parse_associate_address(body, error);
  check_outcome(associated, error);
  if (associated) check(!associated->association_id.empty(), "an association without id");

  for (auto parse : {aws::parse_assume_role_with_web_identity, aws::parse_assume_role}) {
    error.clear();
    const auto assumed = parse(body, error);
    check_outcome(assumed, error);
    if (assumed) {
      check(!assumed->creds.access_key_id.empty() && !assumed->creds.secret_access_key.empty() &&
                !assumed->creds.session_token.empty() && assumed->creds.expiration.has_value(),
            "credentials with a missing part");
      check(error.find(assumed->creds.secret_access_key) == std::string::npos, "the secret in an error");
    }
  }

  for (auto parse : {aws::parse_register_targets, aws::parse_deregister_targets, aws::parse_put_metric_data}) {
    error.clear();
    check_outcome(parse(body, error), error);
  }
  return 0;
}

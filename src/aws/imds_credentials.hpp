// EC2 instance-metadata credentials with IMDSv2 session tokens only:
//   PUT  {endpoint}/latest/api/token  X-aws-ec2-metadata-token-ttl-seconds: 21600  -> token
//   GET  {endpoint}/latest/meta-data/iam/security-credentials/       X-aws-ec2-metadata-token -> role
//   GET  {endpoint}/latest/meta-data/iam/security-credentials/ROLE   X-aws-ec2-metadata-token -> JSON
// There is no fallback to IMDSv1 (unauthenticated GETs): instances are expected to require
// tokens (HttpTokens=required), and a gateway that quietly used v1 would keep working only
// until someone hardened the instance. A token is fetched for each refresh (once an hour or
// so), not cached: it costs one local round trip.
// One attempt per request; retries are the refreshing provider's business.
#pragma once

#include <optional>
#include <string>

#include "aws/credential_chain.hpp"
#include "aws/credentials.hpp"
#include "aws/http_client.hpp"

namespace staticgate::aws {

std::optional<credentials> fetch_imds_credentials(http_client& http, const imds_params& params, std::string& error);

}  // namespace staticgate::aws

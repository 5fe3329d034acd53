// Temporary credentials from STS (2011-06-15), the two ways a profile or the environment asks
// for them:
//  - AssumeRoleWithWebIdentity (EKS IRSA, any OIDC token): an unsigned query POST carrying the
//    token, which is read from its file at every call (the kubelet rotates it; a cached copy
//    would expire). The trailing line break of a file written by echo is dropped.
//  - AssumeRole (role_arn + source_profile / credential_source): a signed query call with the
//    source credentials, through a service_client built on the source provider.
// Both are retried in the standard mode (service_client.hpp); IDPCommunicationError (the
// identity provider did not answer STS) is transient for web identity, as in botocore.
// Session name, when the profile gives none: "staticgate-<Unix seconds>", as botocore uses
// "botocore-session-<seconds>"; CloudTrail shows it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/credential_chain.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoint.hpp"
#include "aws/http_client.hpp"
#include "aws/retry_policy.hpp"
#include "aws/service_client.hpp"

namespace staticgate::aws {

inline constexpr std::string_view sts_version = "2011-06-15";

// Where STS is: the regional endpoint (https://sts.REGION.amazonaws.com...) or the
// endpoint_url override. Without a region, us-east-1: what the legacy global endpoint
// sts.amazonaws.com serves, and what the SDKs fall back to. Throws std::invalid_argument for a
// malformed region or override (endpoint_for).
endpoint sts_endpoint(std::string_view region, std::string_view endpoint_url);

std::string default_role_session_name(std::chrono::system_clock::time_point now);

struct web_identity_call {
  endpoint sts;
  retry_policy retries;  // IDPCommunicationError is added to the transient codes
  sleep_fn sleep;        // between retries
  random_fn random;      // jitter of the retry delay
};

std::optional<credentials> fetch_web_identity_credentials(http_client& http, const web_identity_params& params,
                                                          const web_identity_call& call,
                                                          const read_file_fn& read_file, std::string& error);

// `sts` signs with the source credentials. mfa_serial must be empty (a code cannot be typed
// into a gateway): the factory refuses such profiles before getting here.
std::optional<credentials> fetch_assume_role_credentials(service_client& sts, const assume_role_params& params,
                                                         std::string& error);

}  // namespace staticgate::aws

// The credential provider a staticgate process uses, chosen as the AWS SDKs choose it
// (credential_chain.hpp: environment keys, the shared files' profile, web identity, container,
// instance metadata) and built without any network call: the first fetch happens on the first
// get(), so a gateway starts even while instance metadata or STS is briefly unreachable, and
// reports the failure where credentials are used.
//
//   static keys (environment, profile)          -> static_credential_provider
//   instance metadata, container, web identity,
//   assume role, credential_process             -> refreshing_credential_provider around the
//                                                  fetcher (imds_credentials.hpp, ...)
//   SSO                                         -> an error: staticgate does not read the SSO
//                                                  token cache; use `aws configure
//                                                  export-credentials` or a credential_process
//
// Assume role (role_arn in a profile) signs AssumeRole with the credentials of its
// source_profile (itself a profile of any kind, chained up to 8 deep; a cycle is an error) or
// of its credential_source (Environment, Ec2InstanceMetadata, EcsContainer, read from the
// environment as the chain does). mfa_serial is refused: there is nobody to type the code.
#pragma once

#include <memory>
#include <string>

#include "aws/credential_chain.hpp"
#include "aws/credential_provider.hpp"
#include "aws/http_client.hpp"
#include "aws/process_runner.hpp"
#include "aws/refreshing_credential_provider.hpp"

namespace staticgate::aws {

struct provider_options {
  std::string region;            // [aws] region; overrides env/profile region when non-empty
  std::string sts_endpoint_url;  // [aws.endpoints] sts override; "" = regional default
  http_client_options http;      // timeouts for the credential endpoints
  getenv_fn getenv;              // default process_environment()
  read_file_fn read_file;        // default file_system_reader()
  // For tests and tuning:
  process_limits process;   // credential_process timeout (60 s) and output bound
  refresh_options refresh;  // refresh windows, clock and jitter of the refreshing providers
  sleep_fn sleep;           // between STS retries; default std::this_thread::sleep_for
  random_fn random;         // STS retry jitter; default uniform [0, 1)
};

struct credential_setup {
  std::shared_ptr<credential_provider> provider;  // nullptr on error
  std::string region;                             // resolved region ("" if none anywhere)
  std::string profile;                            // profile consulted
  std::string error;
};

credential_setup find_credential_provider(const provider_options& options);

// ::getenv, with the same "unset" for absent variables.
getenv_fn process_environment();
// Whole files from the file system: missing for ENOENT/ENOTDIR, failed (with strerror) for
// anything else, including a file larger than 1 MiB (no shared file or token is that big).
read_file_fn file_system_reader();

}  // namespace staticgate::aws

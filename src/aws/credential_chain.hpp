// Which credential provider to use, decided from the environment and the shared files alone,
// before any network call. The order (that of the AWS SDKs for Rust, Go and the SDK reference
// guide; see the note on botocore below):
//  1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN). One
//     without the other is an error rather than a silent fall-through to other credentials.
//  2. shared files: profile AWS_PROFILE (else "default") from AWS_CONFIG_FILE (else
//     ~/.aws/config) and AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials); see
//     profile.hpp for what a profile resolves to. A missing file is skipped. A profile named
//     in AWS_PROFILE that exists in neither file is an error: falling through to, say, the
//     instance role would run with other permissions than the user asked for. A missing
//     "default" profile, or one without credentials, falls through.
//  3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME]
//     (EKS IRSA). The token file without a role is an error.
//  4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS) -> http://169.254.170.2 + uri;
//     else AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity, Lambda extensions, ...) which
//     must be https, or http to a loopback address or one of 169.254.170.2, 169.254.170.23,
//     fd00:ec2::23, localhost (botocore's list: a plain-http URL elsewhere would send the
//     authorization token in the clear). Authorization from
//     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each request: it rotates) else
//     AWS_CONTAINER_AUTHORIZATION_TOKEN.
//  5. EC2 instance metadata with IMDSv2 tokens, unless AWS_EC2_METADATA_DISABLED is "true"
//     (any case). Endpoint AWS_EC2_METADATA_SERVICE_ENDPOINT, else by
//     AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (IPv4: http://169.254.169.254, IPv6:
//     http://[fd00:ec2::254]).
// Empty environment variables count as unset, as in the SDKs. The shared files are read even
// when environment keys win (for the region), so a malformed file is an error either way, as
// with the AWS CLI.
// botocore differs in one place: it tries web identity from the environment before the
// shared credentials file. Only a host with both an IRSA token and ~/.aws/credentials notices.
//
// The region comes from AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "aws/profile.hpp"

namespace staticgate::aws {

// What a getenv-like callable returns: nullopt when unset.
using getenv_fn = std::function<std::optional<std::string>(std::string_view name)>;

struct file_read_result {
  enum class status { found, missing, failed };
  status state = status::missing;
  std::string text;  // the contents when found, what went wrong when failed
};
using read_file_fn = std::function<file_read_result(const std::string& path)>;

struct container_params {
  std::string url;
  std::string authorization_token;       // at most one of these two is set;
  std::string authorization_token_file;  // the file is read at each request
};

struct imds_params {
  std::string endpoint;  // "http://169.254.169.254", no trailing '/'
};

using chain_source = std::variant<credentials, assume_role_params, web_identity_params, process_params, sso_params,
                                  container_params, imds_params>;

struct chain_decision {
  std::optional<chain_source> source;  // nullopt: no provider applies (IMDS disabled)
  std::string profile;                 // the profile consulted
  std::string region;                  // "" when nowhere set
};

// nullopt with `error` when the configuration is wrong (partial keys, bad profile, unreadable
// file, bad URL): such errors stop the chain instead of falling through to other credentials.
std::optional<chain_decision> decide_credential_source(const getenv_fn& getenv, const read_file_fn& read_file,
                                                       std::string& error);

// The steps of the chain on their own, for a role profile's credential_source (Environment,
// EcsContainer, Ec2InstanceMetadata) and source_profile. Each returns false with `error` on a
// configuration mistake and leaves `out` empty when its variables are not set (IMDS: when
// AWS_EC2_METADATA_DISABLED is true).
bool environment_credentials(const getenv_fn& getenv, std::optional<credentials>& out, std::string& error);
bool container_from_environment(const getenv_fn& getenv, std::optional<container_params>& out, std::string& error);
bool imds_from_environment(const getenv_fn& getenv, std::optional<imds_params>& out, std::string& error);

// The profile `name` of the shared files (located as above), resolved as profile.hpp says; a
// profile in neither file is an error. With static_keys_only, only its aws_access_key_id /
// aws_secret_access_key / aws_session_token: what a role profile that names itself as
// source_profile means.
std::optional<resolved_profile> resolve_named_profile(const getenv_fn& getenv, const read_file_fn& read_file,
                                                      const std::string& name, bool static_keys_only,
                                                      std::string& error);

// The request a container_params asks for: its URL and, when configured, the Authorization
// header value (read from the token file through read_file). nullopt with `error` when the
// token file cannot be read or the token holds CR or LF (it would split the header); line
// breaks ending the file are dropped first.
struct container_request {
  std::string url;
  std::string authorization;  // "" for no header
};
std::optional<container_request> make_container_request(const container_params& params,
                                                        const read_file_fn& read_file, std::string& error);

}  // namespace staticgate::aws

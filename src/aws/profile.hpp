// Profiles from the two shared files, merged as botocore merges them, and what a profile says
// about credentials: static keys, or which provider would have to run (recognised here, never
// executed: assuming a role, reading a token file or running a process is I/O for others).
//
// Where profiles come from (botocore configloader.build_profile_map and session.full_config):
//  - config file: [default] and [profile NAME] (also [profile default]; "profile" and the name
//    separated by whitespace; when both [default] and [profile default] exist the later one
//    in the file wins). Other sections ([foo], [sso-session NAME], [services NAME]) are not
//    profiles; [sso-session NAME] is read for sso_session references.
//  - credentials file: [NAME], the section name as written ([profile x] there is a profile
//    literally called "profile x").
//  - A key set in both files takes the credentials file's value.
//
// What a profile resolves to, first match wins (botocore's provider order within a profile):
//  1. role_arn without web_identity_token_file: assume_role_params. Needs exactly one of
//     source_profile and credential_source (Environment, Ec2InstanceMetadata, EcsContainer).
//     This wins over static keys in the same profile (the keys are then the source when
//     source_profile names the profile itself).
//  2. web_identity_token_file: web_identity_params; role_arn is then required.
//  3. any sso_* key or sso_session: sso_params; start URL, SSO region, account id and role
//     name are all required (the first two may come from the [sso-session NAME] section).
//  4. aws_access_key_id / aws_secret_access_key in the credentials file: static credentials
//     (with aws_session_token when set). One without the other is an error.
//  5. credential_process: process_params.
//  6. the same static keys in the config file.
//  Otherwise the profile has no credentials (a profile with only `region` is common) and the
//  chain moves on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/credentials.hpp"
#include "aws/ini_file.hpp"

namespace staticgate::aws {

struct assume_role_params {
  std::string profile;            // the profile that says to assume the role
  std::string role_arn;
  std::string source_profile;     // exactly one of these two is set
  std::string credential_source;  // Environment | Ec2InstanceMetadata | EcsContainer
  std::string role_session_name;  // empty: the executor picks one
  std::string external_id;
  std::string mfa_serial;
  std::optional<int> duration_seconds;
};

struct web_identity_params {
  std::string role_arn;
  // Read at every AssumeRoleWithWebIdentity call, never cached: EKS rotates the token file.
  std::string token_file;
  std::string role_session_name;  // empty: the executor picks one
};

struct process_params {
  std::string command;  // credential_process, run through no shell by the SDKs (split on spaces)
};

struct sso_params {
  std::string session_name;  // sso_session, empty for the legacy form
  std::string start_url;
  std::string sso_region;
  std::string account_id;
  std::string role_name;
};

using profile_source = std::variant<credentials, assume_role_params, web_identity_params, process_params, sso_params>;

// One merged profile. A value is looked up in the credentials file's section first.
struct profile {
  std::string name;
  const ini_section* config = nullptr;       // into the config document, or null
  const ini_section* credentials = nullptr;  // into the credentials document, or null
  std::string config_path, credentials_path;

  // The value of `key` (lower case) and "path:line" of where it is set, or nullopt.
  struct found {
    std::string value;
    std::string where;
    bool from_credentials_file = false;
  };
  std::optional<found> get(std::string_view key) const;
};

// The profile called `name` from either document (either may be null: file absent), or nullopt
// when neither has it. The documents must outlive the result.
std::optional<profile> find_profile(std::string_view name, const ini_document* config, const ini_document* creds);

struct resolved_profile {
  std::optional<profile_source> source;  // nullopt: this profile holds no credentials
  std::string region;                    // "" when unset
};

// nullopt with `error` ("path:line: profile 'x': ...") when the profile is inconsistent.
// `config` is needed for [sso-session NAME] lookups (may be null).
std::optional<resolved_profile> resolve_profile(const profile& p, const ini_document* config, std::string& error);

}  // namespace staticgate::aws

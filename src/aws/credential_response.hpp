// The JSON bodies the HTTP credential providers answer with, parsed into credentials. Error
// messages name the field that is wrong and never quote a value (the body holds the secret).
//
// Container endpoint (ECS, EKS Pod Identity, Lambda), for a 200 answer:
//   {"AccessKeyId": "...", "SecretAccessKey": "...", "Token": "...",
//    "Expiration": "2024-05-01T12:00:00Z", "RoleArn": "..."}
// AccessKeyId, SecretAccessKey, Token and Expiration are required, as in botocore; other
// members are ignored. An error body ({"code": "...", "message": "..."}, any case) is reported
// with its code and message.
//
// Instance metadata, GET /latest/meta-data/iam/security-credentials/ROLE:
//   {"Code": "Success", "LastUpdated": "...", "Type": "AWS-HMAC", "AccessKeyId": "...",
//    "SecretAccessKey": "...", "Token": "...", "Expiration": "..."}
// Code other than "Success" is an error carrying Code and Message (IMDS answers 200 with, for
// example, "AssumeRoleUnauthorizedAccess" when the role does not trust EC2). A missing Code is
// accepted when the credentials are all there, as botocore does.
//
// credential_process, the command's standard output (botocore's ProcessProvider):
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...", "SessionToken": "...",
//    "Expiration": "2024-05-01T12:00:00Z"}
// Version must be the number 1; AccessKeyId and SecretAccessKey are required; SessionToken and
// Expiration are optional (no Expiration: long-term keys, never refreshed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"

namespace staticgate::aws {

std::optional<credentials> parse_container_credentials(std::string_view body, std::string& error);
std::optional<credentials> parse_imds_credentials(std::string_view body, std::string& error);
std::optional<credentials> parse_process_credentials(std::string_view body, std::string& error);

// The role name from GET /latest/meta-data/iam/security-credentials/: the first line, trimmed
// (an instance profile has one role). nullopt with `error` when there is none, or when it
// holds characters that have no place in a role name or a URL path ('/', '?', '#', '%', space).
std::optional<std::string> parse_imds_role_name(std::string_view body, std::string& error);

}  // namespace staticgate::aws

// credential_process: runs the profile's command (split by shell_words.hpp, no shell) and reads
// the credentials it prints (credential_response.hpp's parse_process_credentials), as
// botocore's ProcessProvider does. A non-zero exit is an error carrying the exit code and the
// last line of standard error (helpers explain themselves there; standard output, which holds
// the secret, is never quoted).
#pragma once

#include <optional>
#include <string>

#include "aws/credentials.hpp"
#include "aws/process_runner.hpp"
#include "aws/profile.hpp"

namespace staticgate::aws {

std::optional<credentials> fetch_process_credentials(const process_params& params, const process_limits& limits,
                                                     std::string& error);

}  // namespace staticgate::aws

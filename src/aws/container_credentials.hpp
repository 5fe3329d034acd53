// Container credentials (ECS task roles, EKS Pod Identity, Lambda extensions): one GET of the
// URL make_container_request() gives, with its Authorization header when there is one (the
// token file is read again at each fetch: EKS rotates it). One attempt; retries are the
// refreshing provider's business.
#pragma once

#include <optional>
#include <string>

#include "aws/credential_chain.hpp"
#include "aws/credentials.hpp"
#include "aws/http_client.hpp"

namespace staticgate::aws {

std::optional<credentials> fetch_container_credentials(http_client& http, const container_params& params,
                                                       const read_file_fn& read_file, std::string& error);

}  // namespace staticgate::aws

// `staticgate status`: asks a running staticgate's admin endpoint.
#pragma once

#include <ostream>
#include <string>

namespace staticgate::admin {

// admin_address: "127.0.0.1:9901", "[::1]:9901" or "host:port". GETs
// /api/v1/status (5 s timeouts) and prints the tables, or the JSON itself
// (indented) with json = true. Returns 0, or 1 after a one-line message on err
// when the endpoint is unreachable or answers something unexpected.
int run_status_command(const std::string& admin_address, bool json, std::ostream& out, std::ostream& err);

// `staticgate reload`: POSTs /api/v1/reload. Returns 0 when the running
// staticgate applied its config file again, else 1 with its errors on err.
int run_reload_command(const std::string& admin_address, std::ostream& out, std::ostream& err);

}  // namespace staticgate::admin

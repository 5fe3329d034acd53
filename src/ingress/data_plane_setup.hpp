// What the ingress server and the egress proxy set up the same way from [global].
#pragma once

#include <string>

#include "config/model.hpp"
#include "net/pump.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

net::forward_mode to_forward_mode(config::forwarding_mode mode);

// [global] connection_log: "off" (an empty fd), "stdout", "stderr" or an absolute path opened
// for appending. Throws std::runtime_error naming the path when it cannot be opened.
net::unique_fd open_connection_log(const std::string& where);

}  // namespace staticgate::ingress

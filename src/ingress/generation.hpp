// What one worker runs for one version of the config: the pickers of every
// target group and its listening sockets. Built by the server on the main
// thread (start-up and every reload), applied by the worker on its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ingress/listener.hpp"
#include "ingress/target_group.hpp"
#include "net/unique_fd.hpp"

namespace staticgate::ingress {

struct worker_generation {
  std::uint64_t id = 0;
  std::vector<std::shared_ptr<target_picker>> pickers;  // by group index

  struct bound_socket {
    std::string address;  // "ip:port", the identity of a listening socket across reloads
    std::shared_ptr<listener_shared> listener;
    std::size_t group = 0;
    net::unique_fd fd;  // a new socket; empty: keep the one already open on `address`
  };
  std::vector<bound_socket> sockets;  // every socket of this generation; others close

  // Targets that stay, by group name; a connection to any other target drains.
  std::map<std::string, std::set<std::string>> targets_by_group;
  std::map<std::string, std::chrono::milliseconds> deregistration_delay_by_group;
};

}  // namespace staticgate::ingress

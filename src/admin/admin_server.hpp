// The admin HTTP endpoint (metrics, status, drain) on its own threads.
// cpp-httplib stays inside admin_server.cpp.
#pragma once

#include <memory>

#include "ingress/control.hpp"
#include "net/endpoint.hpp"

namespace staticgate::admin {

class admin_server {
 public:
  // listen: where to serve; the caller passes a loopback address unless told
  // otherwise (the API can drain targets and has no authentication).
  admin_server(ingress::control& control, const net::endpoint& listen);
  ~admin_server();  // stop()s
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  // Binds before returning, then serves on a thread of its own plus a small
  // pool. Throws std::runtime_error naming the address and the reason when it
  // cannot bind. Call once.
  void start();
  // Closes the listening socket and joins the threads; requests in progress
  // finish first. Idempotent; any thread but the server's own.
  void stop();
  // The bound address: with port 0 in `listen`, the port the kernel chose.
  net::endpoint local_endpoint() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace staticgate::admin

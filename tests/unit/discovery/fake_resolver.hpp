// A dns::resolver for tests: each query answers `pick` random addresses of `pool` (an ALB-like
// name), or fails with `failure`, from the loop (never inside resolve()).
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "net/event_loop.hpp"

namespace staticgate::discovery::testing {

class fake_resolver final : public dns::resolver {
 public:
  explicit fake_resolver(net::event_loop& loop) : loop_(loop) {}

  std::vector<std::string> pool;
  std::size_t pick = 8;
  // NS records by zone, and fixed A records by host name (for authoritative = true).
  std::map<std::string, std::vector<std::string>> ns;
  std::map<std::string, std::vector<std::string>> hosts;
  int ns_queries = 0;
  std::error_code failure;  // set: every query fails with it
  int queries = 0;
  int max_in_flight = 0;

  void resolve_ns(const std::string& name, ns_callback done) override {
    ++ns_queries;
    auto it = ns.find(name);
    loop_.post([done = std::move(done), found = it != ns.end(), hosts = it != ns.end() ? it->second : std::vector<std::string>{}] {
      if (!found) return done(dns::errc::no_data, {});
      done({}, dns::ns_answer{.hosts = hosts, .ttl_seconds = 300});
    });
  }

  void resolve(const std::string& name, int family, callback done) override {
    if (auto it = hosts.find(name); it != hosts.end()) {
      dns::dns_answer a;
      a.addresses = it->second;
      a.ttl_seconds = 300;
      loop_.post([done = std::move(done), a] { done({}, a); });
      return;
    }
    ++queries;
    max_in_flight = std::max(max_in_flight, ++in_flight_);
    std::vector<std::string> answer;
    for (const auto& a : pool)
      if ((a.find(':') == std::string::npos) == (family == AF_INET)) answer.push_back(a);
    std::shuffle(answer.begin(), answer.end(), random_);
    if (answer.size() > pick) answer.resize(pick);
    loop_.post([this, done = std::move(done), answer, ec = failure] {
      --in_flight_;
      dns::dns_answer a;
      a.addresses = answer;
      a.ttl_seconds = 5;
      if (ec)
        done(ec, {});
      else if (answer.empty())
        done(dns::errc::no_data, {});
      else
        done({}, a);
    });
  }

 private:
  net::event_loop& loop_;
  std::mt19937 random_{42};
  int in_flight_ = 0;
};

}  // namespace staticgate::discovery::testing

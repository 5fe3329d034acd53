// Authoritative discovery (`authoritative = true`): ask a name's own
// authoritative name servers instead of a recursive resolver, so that no
// cache between staticgate and the zone hides the answers' churn. An ALB's
// name rotates through random subsets of its addresses with a 60 s TTL; a
// recursive resolver would hand back the same cached subset for that long.
//
// The finder turns a name into the server list a cares_resolver needs
// (cares_resolver_options::servers), through a bootstrap resolver (the
// system's or the configured servers):
//   1. NS query for the name's parent ("us-east-1.elb.amazonaws.com" for
//      "my-alb-1.us-east-1.elb.amazonaws.com"). The parent, not the name: an
//      ALB name is a leaf record, never a zone apex, so asking it costs a query
//      for nothing. On NODATA (not a zone apex) or NXDOMAIN, one label up, and
//      so on; the root is never asked (its servers are not authoritative for
//      the name), so running out of labels ends with the last of those errors.
//   2. A (and AAAA if asked) queries for every NS host name through the same
//      bootstrap resolver, all at once: ordinary lookups rather than glue from
//      the NS answer's additional section, which recursive resolvers often
//      leave out.
//   3. "ip:port" for every address found, without duplicates, IPv4 first,
//      then in address order, so the same zone always gives the same list.
// A host that cannot be resolved is skipped (listed in unresolved_hosts):
// one reachable authoritative server is enough. Only when no address at all
// is found does the lookup fail.
//
// Loop thread only, like the resolver it is given; the resolver must outlive
// the finder.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "dns/resolver.hpp"

namespace staticgate::dns {

struct authoritative_options {
  bool ipv4 = true;         // A records of the NS hosts
  bool ipv6 = false;        // AAAA records of the NS hosts
  std::uint16_t port = 53;  // the port written into every server string
};

struct authoritative_servers {
  // The zone whose NS records were used, e.g. "us-east-1.elb.amazonaws.com".
  std::string zone;
  // Its name server host names: lower case, sorted, unique.
  std::vector<std::string> hosts;
  // "192.0.2.1:53", "[2001:db8::1]:53": unique, IPv4 first, then by address. Never empty.
  std::vector<std::string> servers;
  // NS hosts for which no address of any asked family was found.
  std::vector<std::string> unresolved_hosts;
  // Smallest TTL of the NS answer and of the address answers used: how long the list may be kept.
  std::uint32_t ttl_seconds = 0;
};

class authoritative_finder {
 public:
  using callback = std::function<void(std::error_code, authoritative_servers)>;

  explicit authoritative_finder(resolver& bootstrap);
  authoritative_finder(const authoritative_finder&) = delete;
  authoritative_finder& operator=(const authoritative_finder&) = delete;
  // Pending callbacks are dropped without being called (as cares_resolver's
  // are); the bootstrap resolver's own callbacks then find nothing to do.
  ~authoritative_finder();

  // `name` as in resolver::resolve (a trailing dot is accepted). `done` runs
  // exactly once, from the bootstrap resolver's callbacks, or before find()
  // returns when the request is invalid: std::errc::invalid_argument for an
  // empty or malformed name, a name with a single label (no zone below the
  // root holds it) or no family asked. Otherwise the errors are dns::errc's:
  // from the NS walk (timeout, connection_refused, servfail, refused, ... or
  // no_data/nxdomain when no zone was found), or, when no NS host had an
  // address, the first error of those lookups other than no_data/nxdomain,
  // else the first error. `done` may destroy the finder.
  void find(const std::string& name, authoritative_options options, callback done);

  std::size_t pending() const { return operations_.size(); }

 private:
  struct operation;
  using operation_id = std::uint64_t;

  void ask_ns(operation_id id, std::string zone);
  void on_ns(operation_id id, std::error_code ec, ns_answer answer);
  void on_address(operation_id id, std::size_t host, std::error_code ec, dns_answer answer);
  void finish(operation_id id, std::error_code ec);
  // What the resolver's callbacks hold: expired or null once the finder is gone.
  std::weak_ptr<authoritative_finder*> token() const { return alive_; }

  resolver& bootstrap_;
  std::map<operation_id, std::unique_ptr<operation>> operations_;
  operation_id next_id_ = 1;
  std::shared_ptr<authoritative_finder*> alive_;
};

}  // namespace staticgate::dns

// The narrow interface the rest of staticgate sees for DNS: ask for the A or
// AAAA records of one name, get the addresses and their TTL, or an error_code
// of dns::category(); or ask for the NS records of a zone (authoritative
// discovery, authoritative_servers.hpp). The only implementation is
// cares_resolver; tests of the components above it can supply a fake.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace staticgate::dns {

struct dns_answer {
  // Textual addresses ("192.0.2.1", "2001:db8::1"), in the order the server sent them.
  std::vector<std::string> addresses;
  // The smallest TTL among the answer records (CNAMEs on the way included).
  std::uint32_t ttl_seconds = 0;
  // True when the answer did not fit a UDP reply, so the server set TC and the
  // query was asked again over TCP.
  bool truncated_retried_over_tcp = false;
};

struct ns_answer {
  // Name server host names ("ns-1.awsdns-01.org", no trailing dot), in the order the server sent them.
  std::vector<std::string> hosts;
  // The smallest TTL among the answer records (CNAMEs on the way included).
  std::uint32_t ttl_seconds = 0;
};

enum class errc {
  nxdomain = 1,        // the name does not exist
  servfail,            // the server failed to answer (rcode SERVFAIL)
  refused,             // the server refused (e.g. not authoritative, no recursion)
  timeout,             // no answer within timeout x tries
  no_data,             // the name exists but has no record of the asked family
  bad_response,        // malformed answer, or FORMERR from the server
  connection_refused,  // nothing listens at the server address
  cancelled,           // resolver::cancel() or shutdown
  other,
};

const std::error_category& category();
std::error_code make_error_code(errc e);

class resolver {
 public:
  using callback = std::function<void(std::error_code, dns_answer)>;
  using ns_callback = std::function<void(std::error_code, ns_answer)>;

  // family: AF_INET (A records) or AF_INET6 (AAAA records). `name` is taken as
  // fully qualified: no search domains are appended. Every call asks the
  // server: no answer is cached, since each answer may be a different subset.
  // `done` is called exactly once, on the thread that owns the resolver.
  virtual void resolve(const std::string& name, int family, callback done) = 0;
  // The NS records of `name`, with the same rules and errors as resolve():
  // errc::no_data when the name exists but is not a zone apex (no NS record).
  virtual void resolve_ns(const std::string& name, ns_callback done) = 0;
  virtual ~resolver() = default;
};

}  // namespace staticgate::dns

template <>
struct std::is_error_code_enum<staticgate::dns::errc> : std::true_type {};

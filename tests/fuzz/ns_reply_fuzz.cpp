// libFuzzer target for parse_ns_reply (src/dns/ns_reply.cpp), which reads NS
// answers from the network. Besides "never crash" (ASan/UBSan), it checks:
//  - the only errors are bad_response and no_data, and an error leaves the answer empty;
//  - a success names at least one host, and no host is empty;
//  - parsing is deterministic (the same bytes twice give the same answer).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "dns/ns_reply.hpp"

namespace dns = staticgate::dns;

namespace {

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const unsigned char> reply(data, size);
  dns::ns_answer answer;
  answer.hosts.push_back("stale");  // must be cleared whatever happens
  std::error_code ec = dns::parse_ns_reply(reply, answer);
  if (ec) {
    check(ec == dns::errc::bad_response || ec == dns::errc::no_data, "unexpected error");
    check(answer.hosts.empty() && answer.ttl_seconds == 0, "error left an answer behind");
  } else {
    check(!answer.hosts.empty(), "success without hosts");
    for (const auto& h : answer.hosts) check(!h.empty(), "empty host name");
  }
  dns::ns_answer again;
  check(dns::parse_ns_reply(reply, again) == ec, "error differs on the second parse");
  check(again.hosts == answer.hosts && again.ttl_seconds == answer.ttl_seconds, "answer differs on the second parse");
  return 0;
}

// libFuzzer target for the SOCKS5 codec. The input is read as each of the three client messages
// (greeting, username/password, request). Besides "never crash", it checks:
//  - consumed <= input size, and a message is never empty;
//  - incremental = all at once: each prefix parses to need_more or to the whole input's answer;
//  - round trip: a parsed message re-encodes to exactly the bytes it was parsed from, which
//    parse back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <vector>

#include "egress/socks5_codec.hpp"

namespace socks5 = staticgate::egress::socks5;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

template <class T>
bool same(const socks5::parse_result<T>& a, const socks5::parse_result<T>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ea = std::get_if<socks5::error>(&a)) return ea->reply == std::get<socks5::error>(b).reply;
  if (const auto* pa = std::get_if<socks5::parsed<T>>(&a)) {
    const auto& pb = std::get<socks5::parsed<T>>(b);
    return pa->consumed == pb.consumed && pa->value == pb.value;
  }
  return true;
}

template <class T, class Parse, class Encode>
void check_message(std::span<const std::uint8_t> input, Parse parse, Encode encode) {
  const socks5::parse_result<T> whole = parse(input);
  for (std::size_t k = 0; k < input.size(); ++k) {
    const socks5::parse_result<T> r = parse(input.first(k));
    if (!std::holds_alternative<socks5::need_more>(r)) check(same<T>(r, whole), "a prefix decided differently");
  }
  const auto* p = std::get_if<socks5::parsed<T>>(&whole);
  if (!p) return;
  check(p->consumed > 0 && p->consumed <= input.size(), "consumed out of range");
  const std::vector<std::uint8_t> encoded = encode(p->value);
  check(encoded.size() == p->consumed && std::equal(encoded.begin(), encoded.end(), input.begin()),
        "re-encoding differs from the parsed bytes");
  const socks5::parse_result<T> again = parse(std::span<const std::uint8_t>(encoded));
  check(same<T>(again, whole), "re-encoded message parses differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_message<socks5::greeting>(input, socks5::parse_greeting, socks5::encode_greeting);
  check_message<socks5::credentials>(input, socks5::parse_credentials, socks5::encode_credentials);
  check_message<socks5::request>(input, socks5::parse_request, socks5::encode_request);

  // The success reply carries the bound address; any IPv4/IPv6 endpoint fits the buffer.
  const auto request = socks5::parse_request(input);
  if (const auto* p = std::get_if<socks5::parsed<socks5::request>>(&request)) {
    std::uint8_t reply[socks5::max_reply_length];
    const auto& d = p->value.destination;
    const std::size_t n = socks5::encode_reply(socks5::reply_code::succeeded, d.address, reply);
    check(n == (d.address.is_v6() ? 22u : 10u), "reply length");
  }
  return 0;
}

// libFuzzer target for the HTTP proxy request-head parser and Basic credentials. Besides "never
// crash", it checks:
//  - consumed <= input size and never above the head limit;
//  - incremental = all at once: fed in two pieces split anywhere, or as a prefix alone, the
//    parser answers need_more or what it answers for the whole input;
//  - round trip: a parsed head re-encodes to a head that parses to the same value; the origin
//    rewrite never carries Proxy-Authorization; a decoded Basic value re-encodes and decodes to
//    the same credentials.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "egress/basic_credentials.hpp"
#include "egress/http_proxy_codec.hpp"

namespace egress = staticgate::egress;
namespace http = staticgate::egress::http_proxy;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

bool same(const http::parse_result& a, const http::parse_result& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ea = std::get_if<http::error>(&a)) return ea->status == std::get<http::error>(b).status;
  if (const auto* pa = std::get_if<http::parsed>(&a)) {
    const auto& pb = std::get<http::parsed>(b);
    return pa->consumed == pb.consumed && pa->head == pb.head;
  }
  return true;
}

// Every split for short inputs; a spread of them for long ones, to keep executions fast.
void check_splits(std::string_view input, const http::parse_result& whole, const http::limits& l) {
  const std::size_t stride = input.size() <= 256 ? 1 : input.size() / 64;
  for (std::size_t k = 0; k < input.size(); k += stride) {
    http::request_head_parser parser(l);
    const auto first = parser.parse(input.substr(0, k));
    if (!std::holds_alternative<http::need_more>(first)) check(same(first, whole), "a prefix decided differently");
    check(same(parser.parse(input), whole), "a split input decided differently");
  }
}

void check_credentials(std::string_view value) {
  const auto c = egress::decode_basic_credentials(value);
  if (!c) return;
  const auto encoded = egress::encode_basic_credentials(*c);
  check(encoded.has_value(), "decoded credentials must be encodable");
  check(egress::decode_basic_credentials(*encoded) == c, "credentials round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_credentials(input);

  http::limits small;
  small.max_head = 256;
  small.max_request_line = 128;
  small.max_fields = 4;
  for (const http::limits& l : {http::limits{}, small}) {
    const auto whole = http::parse_request_head(input, l);
    check_splits(input, whole, l);
    const auto* p = std::get_if<http::parsed>(&whole);
    if (!p) continue;
    check(p->consumed > 0 && p->consumed <= size && p->consumed <= l.max_head, "consumed out of range");

    // Re-encoding may add a port or a '/', so it is parsed without the limits.
    http::limits unlimited;
    unlimited.max_head = unlimited.max_request_line = unlimited.max_fields = SIZE_MAX;
    const auto again = http::parse_request_head(http::encode_request_head(p->head), unlimited);
    const auto* q = std::get_if<http::parsed>(&again);
    check(q != nullptr && q->head == p->head, "re-encoded head parses differently");

    if (const auto* auth = p->head.find("Proxy-Authorization")) check_credentials(auth->value);
    if (p->head.form == http::request_form::absolute) {
      const auto origin = http::encode_origin_request_head(p->head);
      check(origin.find("\r\nProxy-Authorization:") == std::string::npos, "Proxy-Authorization forwarded");
      check(origin.ends_with("\r\nConnection: close\r\n\r\n"), "origin head must end with Connection: close");
    }
  }
  return 0;
}

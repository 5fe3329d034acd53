// libFuzzer target for the PROXY protocol decoder and encoder. Besides "never crash", it checks:
//  - round trip: a decoded header re-encodes (with and without CRC32C) to bytes that decode to
//    the same header, consuming exactly what was written;
//  - incremental = all at once: each prefix decodes to need_more or to the whole input's answer;
//  - options only narrow: with one version turned off, a header of the other version decodes the
//    same, and one of the disabled version is refused as version_not_accepted.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "proxy_protocol/decoder.hpp"
#include "proxy_protocol/encoder.hpp"

namespace pp = staticgate::proxy_protocol;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

bool same(const pp::decode_result& a, const pp::decode_result& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ea = std::get_if<pp::error>(&a)) return ea->code == std::get<pp::error>(b).code;
  if (const auto* ca = std::get_if<pp::complete>(&a)) {
    const auto& cb = std::get<pp::complete>(b);
    return ca->consumed == cb.consumed && ca->header == cb.header;
  }
  return true;
}

void check_round_trip(const pp::header& h, bool with_crc) {
  pp::encode_options options;
  options.crc32c = with_crc;
  std::vector<std::uint8_t> out(h.version == pp::protocol_version::v1 ? pp::v1_max_length
                                                                       : pp::encoded_size_v2(h, options));
  const std::size_t n = pp::encode(h, out, options);
  check(n > 0 && n <= out.size(), "a decoded header must be encodable");
  pp::decode_options wide;
  wide.max_v2_length = pp::v2_fixed_length + 0xFFFF;
  const auto again = pp::decode(std::span(out).first(n), wide);
  const auto* c = std::get_if<pp::complete>(&again);
  check(c != nullptr, "re-encoded header must decode");
  check(c->consumed == n, "re-encoded header must be consumed exactly");
  check(c->header == h, "re-encoded header must decode to the same header");
}

void check_prefixes(std::span<const std::uint8_t> input, const pp::decode_result& whole,
                    const pp::decode_options& options) {
  // Every prefix for short inputs; a spread of them for long ones, to keep executions fast.
  const std::size_t n = input.size();
  const std::size_t stride = n <= 256 ? 1 : n / 64;
  for (std::size_t k = 0; k < n; k += stride) {
    const auto r = pp::decode(input.first(k), options);
    if (std::holds_alternative<pp::need_more>(r)) {
      if (const auto* c = std::get_if<pp::complete>(&whole))
        check(k < c->consumed, "need_more although the header was complete");
      continue;
    }
    check(same(r, whole), "a prefix decided differently from the whole input");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);

  pp::decode_options both;
  pp::decode_options largest;
  largest.max_v2_length = pp::v2_fixed_length + 0xFFFF;
  pp::decode_options smallest;
  smallest.max_v2_length = 28;  // exactly a TCP4 header without TLVs
  pp::decode_options v1_only;
  v1_only.accept_v2 = false;
  pp::decode_options v2_only;
  v2_only.accept_v1 = false;

  const auto result = pp::decode(input, both);
  if (const auto* c = std::get_if<pp::complete>(&result)) {
    check(c->consumed > 0 && c->consumed <= size, "consumed out of range");
    const bool v1 = c->header.version == pp::protocol_version::v1;
    check(!v1 || c->consumed <= pp::v1_max_length, "v1 longer than 107 bytes");
    check(v1 || c->consumed <= both.max_v2_length, "v2 longer than max_v2_length");
    check(c->header.command == pp::proxy_command::proxy ||
              c->header.family == pp::address_family::unspec,
          "LOCAL must not carry addresses");
    check_round_trip(c->header, false);
    if (!v1) check_round_trip(c->header, true);

    const auto narrowed = pp::decode(input, v1 ? v1_only : v2_only);
    check(same(narrowed, result), "enabling only this version changed the result");
    const auto refused = pp::decode(input, v1 ? v2_only : v1_only);
    const auto* e = std::get_if<pp::error>(&refused);
    check(e && e->code == pp::decode_error::version_not_accepted, "disabled version not refused");
  }
  check_prefixes(input, result, both);

  for (const auto* options : {&largest, &smallest, &v1_only, &v2_only}) {
    const auto r = pp::decode(input, *options);
    if (const auto* c = std::get_if<pp::complete>(&r)) {
      check(c->consumed <= size, "consumed out of range");
      check_round_trip(c->header, false);
    }
  }
  return 0;
}

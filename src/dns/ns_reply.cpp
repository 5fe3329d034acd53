#include "dns/ns_reply.hpp"

#include <ares.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace staticgate::dns {

namespace {

constexpr std::size_t header_size = 12;
constexpr std::uint16_t type_ns = 2;

std::uint16_t read16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t read32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// A cursor over the message; every read is bounds-checked, and a failed one
// leaves the cursor failed for good so callers can check once per record.
class reader {
 public:
  explicit reader(std::span<const unsigned char> msg) : msg_(msg) {}

  bool ok() const { return ok_; }
  const unsigned char* here() const { return msg_.data() + pos_; }
  bool skip(std::size_t n) {
    if (!ok_ || msg_.size() - pos_ < n) ok_ = false;
    if (ok_) pos_ += n;
    return ok_;
  }
  // Expands the (possibly compressed) name at the cursor into `out` and steps over it.
  // ares_expand_name checks every label and pointer against the message bounds.
  bool name(std::string* out) {
    return name_at(here(), out, [this](long len) { return skip(static_cast<std::size_t>(len)); });
  }
  // Expands a name that must end within the next `limit` bytes (an RDATA), without moving.
  bool name_within(std::size_t limit, std::string* out) {
    return name_at(here(), out, [limit](long len) { return static_cast<std::size_t>(len) <= limit; });
  }

 private:
  template <typename Check>
  bool name_at(const unsigned char* at, std::string* out, Check check) {
    if (!ok_ || pos_ >= msg_.size()) return ok_ = false;
    char* text = nullptr;
    long len = 0;
    if (::ares_expand_name(at, msg_.data(), static_cast<int>(msg_.size()), &text, &len) != ARES_SUCCESS)
      return ok_ = false;
    if (out) *out = text;
    ::ares_free_string(text);
    return ok_ = check(len);
  }

  std::span<const unsigned char> msg_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::error_code parse_ns_reply(std::span<const unsigned char> reply, ns_answer& answer) {
  answer = {};
  if (reply.size() < header_size || reply.size() > static_cast<std::size_t>(INT_MAX))
    return errc::bad_response;
  std::size_t qdcount = read16(reply.data() + 4);
  std::size_t ancount = read16(reply.data() + 6);
  reader r(reply);
  r.skip(header_size);
  for (std::size_t i = 0; i < qdcount && r.ok(); ++i)
    if (r.name(nullptr)) r.skip(4);  // QTYPE, QCLASS
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  ns_answer out;
  for (std::size_t i = 0; i < ancount && r.ok(); ++i) {
    if (!r.name(nullptr)) break;
    const unsigned char* fixed = r.here();
    if (!r.skip(10)) break;  // TYPE, CLASS, TTL, RDLENGTH
    std::uint16_t type = read16(fixed);
    // RFC 2181 8: a TTL with the top bit set is read as zero.
    std::uint32_t record_ttl = read32(fixed + 4);
    if (record_ttl > std::uint32_t{INT32_MAX}) record_ttl = 0;
    std::size_t rdlength = read16(fixed + 8);
    if (type == type_ns) {
      std::string host;
      if (!r.name_within(rdlength, &host)) break;
      if (!host.empty()) out.hosts.push_back(std::move(host));  // "." names no server
    }
    if (!r.skip(rdlength)) break;
    ttl = std::min(ttl, record_ttl);
  }
  if (!r.ok()) return errc::bad_response;
  if (out.hosts.empty()) return errc::no_data;
  out.ttl_seconds = ttl;
  answer = std::move(out);
  return {};
}

}  // namespace staticgate::dns

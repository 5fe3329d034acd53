// dns::category(): the error_code category of resolver answers (resolver.hpp).
// Apart from the resolver so that pure parts such as ns_reply.cpp link (and
// fuzz) without c-ares' channel and the event loop.
#include "dns/resolver.hpp"

namespace staticgate::dns {

namespace {

class dns_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "dns"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::nxdomain: return "name does not exist (NXDOMAIN)";
      case errc::servfail: return "server failure (SERVFAIL)";
      case errc::refused: return "query refused (REFUSED)";
      case errc::timeout: return "no answer before the timeout";
      case errc::no_data: return "no record of the requested type";
      case errc::bad_response: return "malformed DNS response";
      case errc::connection_refused: return "connection to the DNS server refused";
      case errc::cancelled: return "query cancelled";
      case errc::other: return "DNS resolution failed";
    }
    return "unknown DNS error";
  }
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::timeout: return std::errc::timed_out;
      case errc::connection_refused: return std::errc::connection_refused;
      case errc::cancelled: return std::errc::operation_canceled;
      default: return {value, *this};
    }
  }
};

}  // namespace

const std::error_category& category() {
  static const dns_category instance;
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace staticgate::dns

#include "admin/status_client.hpp"

// See admin_server.cpp: Debian's compiled cpp-httplib needs its own flags.
#if !defined(CPPHTTPLIB_OPENSSL_SUPPORT) || !defined(CPPHTTPLIB_ZLIB_SUPPORT) || !defined(CPPHTTPLIB_BROTLI_SUPPORT)
#error "compile with the flags of `pkg-config --cflags cpp-httplib`; see admin_server.cpp"
#endif
#include <httplib.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "admin/status_table.hpp"
#include "net/endpoint.hpp"

namespace staticgate::admin {

namespace {

struct host_port {
  std::string host;
  int port = 0;
};

std::optional<host_port> split_address(const std::string& address) {
  if (auto ep = net::endpoint::parse(address); ep && ep->port() != 0) return host_port{ep->ip_string(), ep->port()};
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || address.find(':') != colon) return std::nullopt;
  int port = 0;
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc{} || ptr != last || first == last || port <= 0 || port > 65535) return std::nullopt;
  return host_port{address.substr(0, colon), port};
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "connection failed (refused or unreachable)";
    case httplib::Error::ConnectionTimeout: return "connection timed out after 5 s";
    case httplib::Error::Read: return "no complete answer within 5 s";
    case httplib::Error::Write: return "could not send the request";
    default: return httplib::to_string(error);
  }
}

}  // namespace

int run_status_command(const std::string& admin_address, bool json, std::ostream& out, std::ostream& err) {
  auto where = split_address(admin_address);
  if (!where) {
    err << "staticgate status: invalid admin address '" << admin_address
        << "' (expected ip:port, [ipv6]:port or host:port)\n";
    return 1;
  }
  httplib::Client client(where->host, where->port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  auto res = client.Get("/api/v1/status");
  if (!res) {
    err << "staticgate status: cannot reach the admin endpoint at " << admin_address << ": "
        << describe(res.error()) << "; is staticgate running with its admin endpoint there?\n";
    return 1;
  }
  if (res->status != 200) {
    err << "staticgate status: " << admin_address << " answered HTTP " << res->status << " to GET /api/v1/status\n";
    return 1;
  }
  auto status = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (status.is_discarded() || !status.is_object()) {
    err << "staticgate status: " << admin_address << " answered something that is not a status document\n";
    return 1;
  }
  if (json) {
    out << status.dump(2) << '\n';
  } else {
    out << render_status_table(status);
  }
  return 0;
}

int run_reload_command(const std::string& admin_address, std::ostream& out, std::ostream& err) {
  auto where = split_address(admin_address);
  if (!where) {
    err << "staticgate reload: invalid admin address '" << admin_address << "'\n";
    return 1;
  }
  httplib::Client client(where->host, where->port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  auto res = client.Post("/api/v1/reload", "", "application/json");
  if (!res) {
    err << "staticgate reload: cannot reach the admin endpoint at " << admin_address << ": " << describe(res.error())
        << "\n";
    return 1;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status == 200) {
    out << "reloaded\n";
    return 0;
  }
  err << "staticgate reload: refused (HTTP " << res->status << ")";
  if (!body.is_discarded() && body.is_object()) {
    if (body.contains("details") && body["details"].is_string())
      err << ":\n" << body["details"].get<std::string>();
    else if (body.contains("error"))
      err << ": " << body["error"].dump();
  }
  err << "\n";
  return 1;
}

}  // namespace staticgate::admin

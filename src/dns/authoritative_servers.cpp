#include "dns/authoritative_servers.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <compare>
#include <limits>
#include <set>

namespace staticgate::dns {

namespace {

// An address as its bytes, so that the server list sorts numerically
// ("127.0.0.2" before "127.0.0.10") and IPv4 before IPv6.
struct address_key {
  int order = 0;  // 4 or 6
  std::array<unsigned char, 16> bytes{};
  auto operator<=>(const address_key&) const = default;
};

bool to_key(const std::string& text, address_key& key) {
  if (::inet_pton(AF_INET, text.c_str(), key.bytes.data()) == 1) {
    key.order = 4;
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), key.bytes.data()) == 1) {
    key.order = 6;
    return true;
  }
  return false;
}

std::string server_string(const address_key& key, std::uint16_t port) {
  char text[INET6_ADDRSTRLEN];
  ::inet_ntop(key.order == 4 ? AF_INET : AF_INET6, key.bytes.data(), text, sizeof text);
  std::string host = key.order == 4 ? std::string(text) : "[" + std::string(text) + "]";
  return host + ":" + std::to_string(port);
}

// Lower case, no trailing dot; empty when the name is empty or has an empty label.
std::string normalize(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos) return {};
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return name;
}

// "a.b.c" -> "b.c"; "c" -> "" (the root).
std::string parent(const std::string& name) {
  auto dot = name.find('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

// Answers that mean "no zone here", as opposed to a failure to get an answer.
bool is_absence(std::error_code ec) { return ec == errc::no_data || ec == errc::nxdomain; }

}  // namespace

struct authoritative_finder::operation {
  authoritative_options options;
  callback done;
  std::string zone;  // the name whose NS records are being asked
  authoritative_servers result;
  // Address phase.
  std::size_t outstanding = 0;
  std::vector<bool> host_resolved;
  std::set<address_key> addresses;
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  std::error_code first_error;
  std::error_code first_failure;  // first error other than no_data/nxdomain
};

authoritative_finder::authoritative_finder(resolver& bootstrap)
    : bootstrap_(bootstrap), alive_(std::make_shared<authoritative_finder*>(this)) {}

// Callbacks still queued in the resolver may hold the token locked while this
// runs (done() destroying the finder), so expiry alone cannot tell them: the
// pointer inside is cleared as well.
authoritative_finder::~authoritative_finder() { *alive_ = nullptr; }

void authoritative_finder::find(const std::string& name, authoritative_options options, callback done) {
  std::string normalized = normalize(name);
  std::string zone = parent(normalized);
  if (zone.empty() || (!options.ipv4 && !options.ipv6)) {
    done(make_error_code(std::errc::invalid_argument), {});
    return;
  }
  operation_id id = next_id_++;
  auto op = std::make_unique<operation>();
  op->options = options;
  op->done = std::move(done);
  operations_.emplace(id, std::move(op));
  ask_ns(id, std::move(zone));
}

void authoritative_finder::ask_ns(operation_id id, std::string zone) {
  operations_.at(id)->zone = zone;
  // `zone` is a local: an answer given before resolve_ns() returns may end the operation.
  bootstrap_.resolve_ns(zone, [token = token(), id](std::error_code ec, ns_answer answer) {
    if (auto self = token.lock(); self && *self) (*self)->on_ns(id, ec, std::move(answer));
  });
}

void authoritative_finder::on_ns(operation_id id, std::error_code ec, ns_answer answer) {
  auto it = operations_.find(id);
  if (it == operations_.end()) return;
  operation& op = *it->second;
  if (is_absence(ec)) {
    std::string up = parent(op.zone);
    if (up.empty()) return finish(id, ec);  // out of labels: never ask the root
    return ask_ns(id, std::move(up));
  }
  if (ec) return finish(id, ec);

  std::set<std::string> hosts;
  for (auto& h : answer.hosts)
    if (auto n = normalize(h); !n.empty()) hosts.insert(std::move(n));
  if (hosts.empty()) return finish(id, errc::bad_response);
  op.result.zone = op.zone;
  op.result.hosts.assign(hosts.begin(), hosts.end());
  op.ttl = answer.ttl_seconds;

  std::vector<int> families;
  if (op.options.ipv4) families.push_back(AF_INET);
  if (op.options.ipv6) families.push_back(AF_INET6);
  // Counted in full before the first query: an answer may arrive before
  // resolve() returns and must not see the phase as finished early.
  op.outstanding = op.result.hosts.size() * families.size();
  op.host_resolved.assign(op.result.hosts.size(), false);
  std::vector<std::string> names = op.result.hosts;  // `op` may be gone after any resolve()
  std::shared_ptr<authoritative_finder*> guard = alive_;  // outlives `this` if done() destroys it
  for (std::size_t h = 0; h < names.size(); ++h) {
    for (int family : families) {
      bootstrap_.resolve(names[h], family, [token = token(), id, h](std::error_code e, dns_answer a) {
        if (auto self = token.lock(); self && *self) (*self)->on_address(id, h, e, std::move(a));
      });
      if (!*guard || !operations_.contains(id)) return;  // finished (and maybe destroyed) meanwhile
    }
  }
}

void authoritative_finder::on_address(operation_id id, std::size_t host, std::error_code ec, dns_answer answer) {
  auto it = operations_.find(id);
  if (it == operations_.end()) return;
  operation& op = *it->second;
  --op.outstanding;
  if (ec) {
    if (!op.first_error) op.first_error = ec;
    if (!op.first_failure && !is_absence(ec)) op.first_failure = ec;
  } else {
    for (const auto& text : answer.addresses) {
      address_key key;
      if (!to_key(text, key)) continue;
      op.addresses.insert(key);
      op.host_resolved[host] = true;
    }
    if (!answer.addresses.empty()) op.ttl = std::min(op.ttl, answer.ttl_seconds);
  }
  if (op.outstanding > 0) return;

  if (op.addresses.empty()) {
    std::error_code why = op.first_failure ? op.first_failure : op.first_error;
    return finish(id, why ? why : make_error_code(errc::no_data));
  }
  for (const auto& key : op.addresses) op.result.servers.push_back(server_string(key, op.options.port));
  for (std::size_t h = 0; h < op.host_resolved.size(); ++h)
    if (!op.host_resolved[h]) op.result.unresolved_hosts.push_back(op.result.hosts[h]);
  op.result.ttl_seconds = op.ttl;
  finish(id, {});
}

void authoritative_finder::finish(operation_id id, std::error_code ec) {
  auto node = operations_.extract(id);
  if (node.empty()) return;
  operation& op = *node.mapped();
  // Nothing of the finder is touched after done(): it may destroy the finder.
  callback done = std::move(op.done);
  authoritative_servers result = ec ? authoritative_servers{} : std::move(op.result);
  node = {};
  done(ec, std::move(result));
}

}  // namespace staticgate::dns

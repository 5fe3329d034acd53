// TOML text to a validated config. Every problem is reported, each at the line
// and column of the key or value at fault, so that one run shows everything to
// fix. toml++ is used here only; the rest of the program sees the model.
// [[egress]] tables are read in load_egress.cpp.
#include "config/load.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/loader.hpp"
#include "config/read_file.hpp"
#include "config/rules.hpp"
#include "ingress/health/check_schedule.hpp"
#include "ingress/health/health_state.hpp"
#include "ingress/health/http_probe_codec.hpp"

namespace staticgate::config {

namespace detail {

namespace {

constexpr std::string_view root_keys[] = {"global", "admin", "listener", "target_group", "egress", "aws"};
constexpr std::string_view admin_keys[] = {"listen"};
constexpr std::string_view global_keys[] = {"workers", "log_level", "forwarding", "connection_log",
                                            "shutdown_grace", "state_dir"};
constexpr std::string_view listener_keys[] = {"name",           "bind",         "target_group",
                                              "max_connections", "idle_timeout", "backlog",
                                              "accept_proxy_protocol"};
constexpr std::string_view group_keys[] = {"name",            "algorithm",       "maglev_table_size",
                                           "connect_timeout", "connect_retries", "targets",
                                           "proxy_protocol",  "health_check",    "deregistration_delay",
                                           "discovery"};
constexpr std::string_view discovery_keys[] = {"dns", "aws"};
constexpr std::string_view dns_discovery_keys[] = {
    "names",        "port",          "families",    "name_servers",
    "authoritative", "authoritative_port", "interval", "jitter",
    "max_lookups",  "parallel_lookups", "answer_size", "query_timeout",
    "query_tries",  "misses_before_deregistration", "max_deregistration_fraction", "weight"};
constexpr std::string_view target_keys[] = {"address", "weight"};
constexpr std::string_view health_check_keys[] = {
    "protocol",         "interval",      "timeout",   "jitter", "healthy_threshold", "unhealthy_threshold",
    "passive_failures", "start_healthy", "fail_open", "port",   "method",            "path",
    "host",             "expected_status", "on_unhealthy"};
// Keys that only mean something to an HTTP probe.
constexpr std::string_view http_only_keys[] = {"method", "path", "host", "expected_status"};

constexpr choice<std::string_view> log_levels[] = {
    {"trace", "trace"}, {"debug", "debug"}, {"info", "info"}, {"warn", "warn"}, {"error", "error"}};
constexpr choice<forwarding_mode> forwarding_modes[] = {{"auto", forwarding_mode::automatic},
                                                        {"splice", forwarding_mode::splice},
                                                        {"copy", forwarding_mode::copy}};
constexpr choice<proxy_protocol_mode> proxy_protocol_modes[] = {{"off", proxy_protocol_mode::off},
                                                               {"v1", proxy_protocol_mode::v1},
                                                               {"v2", proxy_protocol_mode::v2}};
constexpr choice<algorithm> algorithms[] = {{"round_robin", algorithm::round_robin},
                                            {"least_connections", algorithm::least_connections},
                                            {"maglev", algorithm::maglev}};
constexpr choice<health_protocol> health_protocols[] = {{"tcp", health_protocol::tcp},
                                                        {"http", health_protocol::http}};
constexpr choice<unhealthy_action> unhealthy_actions[] = {{"keep", unhealthy_action::keep},
                                                          {"close", unhealthy_action::close}};

// Shortest text that reads back as the same double: 0.7, 1e+100, nan.
std::string number_text(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "?";
}

}  // namespace

std::string type_phrase(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}


load_result loader::run(const toml::table& root) {
  reject_unknown_keys(root, "at top level", root_keys);
  if (const auto* global = root.get("global")) read_global(*global);
  if (const auto* admin = root.get("admin")) read_admin(*admin);
  if (const auto* aws = root.get("aws")) read_aws(*aws);

  const auto* listeners = root.get("listener");
  if (listeners) {
    for_each_table(*listeners, "listener",
                   [this](const toml::table& t, std::size_t i) { read_listener(t, i); });
  }
  // Egress servers after listeners, so that an address bound by both is reported at the egress.
  const auto* egress = root.get("egress");
  if (egress) {
    for_each_table(*egress, "egress", [this](const toml::table& t, std::size_t i) { read_egress(t, i); });
  }
  // A listener-less config is fine when it runs an egress proxy; one with neither does nothing.
  auto is_empty = [](const toml::node* node) {
    const auto* array = node ? node->as_array() : nullptr;
    return !node || (array && array->empty());
  };

  if (const auto* groups = root.get("target_group")) {
    for_each_table(*groups, "target_group",
                   [this](const toml::table& t, std::size_t i) { read_group(t, i); });
  }
  // Nor is one that only works AWS: an NLB target group kept in sync, Elastic IPs kept on
  // interfaces.
  const bool works_aws = !config_.aws.elastic_ips.empty() ||
                         std::any_of(config_.target_groups.begin(), config_.target_groups.end(),
                                     [](const target_group& g) { return g.aws.has_value(); });
  if (is_empty(listeners) && is_empty(egress) && !works_aws) {
    error(listeners ? where(*listeners) : egress ? where(*egress) : position{1, 1},
          "at least one [[listener]] is required (or an [[egress]], a [target_group.discovery.aws] or an "
          "[[aws.elastic_ip]])");
  }
  check_group_references();

  // Tables iterate in key order, not document order; sort so the report reads top to bottom.
  std::stable_sort(errors_.begin(), errors_.end(), [](const diagnostic& a, const diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  load_result result;
  if (errors_.empty())
    result.value = std::move(config_);
  else
    result.errors = std::move(errors_);
  return result;
}

void loader::reject_unknown_keys(const toml::table& table, std::string_view place,
                                 std::span<const std::string_view> allowed) {
  for (auto&& [key, value] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string expected;
    for (auto word : allowed) expected += (expected.empty() ? "" : ", ") + std::string(word);
    error(where(key), "unknown key " + quote(key.str()) + " " + std::string(place) +
                          " (expected one of: " + expected + ")");
  }
}

const toml::node* loader::require(const toml::table& table, std::string_view key,
                                  const std::string& ctx) {
  if (const auto* node = table.get(key)) return node;
  error(where(table), ctx + ": missing required key " + quote(key));
  return nullptr;
}

std::optional<bool> loader::read_bool(const toml::node& node, const std::string& what) {
  if (const auto* value = node.as_boolean()) return value->get();
  error(where(node), what + ": expected true or false, got " + type_phrase(node));
  return std::nullopt;
}

std::optional<std::int64_t> loader::read_integer(const toml::node& node, const std::string& what,
                                                 std::int64_t low, std::int64_t high) {
  const auto* value = node.as_integer();
  if (!value) {
    error(where(node), what + ": expected an integer, got " + type_phrase(node));
    return std::nullopt;
  }
  if (value->get() < low || value->get() > high) {
    error(where(node), what + ": expected an integer in " + std::to_string(low) + ".." +
                           std::to_string(high) + ", got " + std::to_string(value->get()));
    return std::nullopt;
  }
  return value->get();
}

std::optional<std::string> loader::read_string(const toml::node& node, const std::string& what) {
  if (const auto* value = node.as_string()) return value->get();
  error(where(node), what + ": expected a string, got " + type_phrase(node));
  return std::nullopt;
}

std::optional<duration> loader::read_positive_duration(const toml::node& node,
                                                       const std::string& what) {
  const std::string expected = what + ": expected a duration like \"30s\" or \"500ms\", got ";
  const auto* text = node.as_string();
  if (!text) {
    error(where(node), expected + type_phrase(node));
    return std::nullopt;
  }
  auto value = parse_duration(text->get());
  if (!value) {
    error(where(node), expected + quote(text->get()));
    return std::nullopt;
  }
  if (value->count() == 0) {
    error(where(node), what + ": must be greater than zero, got " + quote(text->get()));
    return std::nullopt;
  }
  return value;
}

std::optional<duration> loader::read_bounded_duration(const toml::node& node, const std::string& what,
                                                      duration high, std::string_view high_text) {
  auto value = read_positive_duration(node, what);
  if (value && *value > high) {
    error(where(node), what + ": must be at most " + std::string(high_text) + ", got " + quote(node.as_string()->get()));
    return std::nullopt;
  }
  return value;
}

std::optional<double> loader::read_number(const toml::node& node, const std::string& what, double low, double high) {
  std::optional<double> value;
  if (const auto* f = node.as_floating_point())
    value = f->get();
  else if (const auto* i = node.as_integer())
    value = static_cast<double>(i->get());
  const std::string range = "a number in " + number_text(low) + ".." + number_text(high);
  if (!value) {
    error(where(node), what + ": expected " + range + ", got " + type_phrase(node));
    return std::nullopt;
  }
  if (!(*value >= low && *value <= high)) {  // NaN fails too
    error(where(node), what + ": expected " + range + ", got " + number_text(*value));
    return std::nullopt;
  }
  return value;
}

std::optional<net::endpoint> loader::read_endpoint(const toml::node& node,
                                                   const std::string& what) {
  const auto* text = node.as_string();
  if (!text) {
    error(where(node), what + ": expected an \"ip:port\" string, got " + type_phrase(node));
    return std::nullopt;
  }
  auto address = net::endpoint::parse(text->get());
  if (!address) {
    error(where(node), what + ": expected \"ip:port\" such as \"127.0.0.1:80\" or \"[::1]:80\", got " +
                           quote(text->get()));
    return std::nullopt;
  }
  if (address->port() == 0) {
    error(where(node), what + ": port must be 1..65535, got " + quote(text->get()));
    return std::nullopt;
  }
  return address;
}

// A valid name, or nullopt. A duplicate is reported but still returned, so
// that later messages can name the table.
std::optional<std::string> loader::read_name(const toml::table& table, const std::string& ctx,
                                             std::string_view kind,
                                             std::map<std::string, position>& seen) {
  const auto* node = require(table, "name", ctx);
  if (!node) return std::nullopt;
  auto name = read_string(*node, label(ctx, "name"));
  if (!name) return std::nullopt;
  if (!rules::is_valid_name(*name)) {
    error(where(*node), label(ctx, "name") + ": expected 1 to " +
                            std::to_string(rules::max_name_length) +
                            " characters from A-Z a-z 0-9 _ . -, got " + quote(*name));
    return std::nullopt;
  }
  auto [first, inserted] = seen.emplace(*name, where(*node));
  if (!inserted) {
    error(where(*node), "duplicate " + std::string(kind) + " name " + quote(*name) +
                            " (first defined at line " + std::to_string(first->second.line) + ")");
  }
  return name;
}

void loader::read_admin(const toml::node& node) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), "admin: expected a table, written [admin], got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [admin]", admin_keys);
  config_.admin.enabled = true;
  if (const auto* n = table->get("listen")) {
    if (auto address = read_endpoint(*n, "admin.listen")) {
      if (is_local_ && !is_local_(*address))
        error(where(*n), "admin.listen: " + address->to_string() + " is not an address of this host");
      config_.admin.listen = *address;
    }
  }
}

void loader::read_global(const toml::node& node) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), "global: expected a table, written [global], got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [global]", global_keys);
  auto& global = config_.global;
  if (const auto* n = table->get("workers"))
    if (auto v = read_integer(*n, "workers", 0, rules::max_workers))
      global.workers = static_cast<unsigned>(*v);
  if (const auto* n = table->get("log_level"))
    if (auto v = read_choice(*n, "log_level", log_levels)) global.log_level = std::string(*v);
  if (const auto* n = table->get("forwarding"))
    if (auto v = read_choice(*n, "forwarding", forwarding_modes)) global.forwarding = *v;
  if (const auto* n = table->get("shutdown_grace"))
    if (auto v = read_positive_duration(*n, "shutdown_grace")) global.shutdown_grace = *v;
  if (const auto* n = table->get("state_dir")) {
    if (auto v = read_string(*n, "state_dir")) {
      if (v->empty() || v->front() != '/')
        error(where(*n), "state_dir: expected an absolute directory path, got " + quote(*v));
      else
        global.state_dir = *v;
    }
  }
  if (const auto* n = table->get("connection_log")) {
    if (auto v = read_string(*n, "connection_log")) {
      if (v->empty() || (*v != "off" && *v != "stdout" && *v != "stderr" && v->front() != '/'))
        error(where(*n), "connection_log: expected \"off\", \"stdout\", \"stderr\" or an absolute file path, got " +
                             quote(*v));
      else
        global.connection_log = *v;
    }
  }
}

void loader::read_listener(const toml::table& table, std::size_t index) {
  reject_unknown_keys(table, "in [[listener]]", listener_keys);
  listener out;
  std::string ctx = "listener #" + std::to_string(index + 1);
  if (auto name = read_name(table, ctx, "listener", listener_names_)) {
    out.name = *name;
    ctx = "listener " + quote(*name);
  }
  if (const auto* n = require(table, "bind", ctx))
    read_binds(*n, ctx, out.name.empty() ? "the listener" : "listener " + quote(out.name), out.binds);
  if (const auto* n = require(table, "target_group", ctx)) {
    if (auto group = read_string(*n, label(ctx, "target_group"))) {
      out.target_group = *group;
      references_.push_back({ctx, *group, where(*n)});
    }
  }
  if (const auto* n = table.get("max_connections"))
    if (auto v = read_integer(*n, label(ctx, "max_connections"), 0, rules::max_connections))
      out.max_connections = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("idle_timeout"))
    if (auto v = read_positive_duration(*n, label(ctx, "idle_timeout"))) out.idle_timeout = *v;
  if (const auto* n = table.get("backlog"))
    if (auto v = read_integer(*n, label(ctx, "backlog"), 1, rules::max_backlog))
      out.backlog = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("accept_proxy_protocol"))
    if (auto v = read_bool(*n, label(ctx, "accept_proxy_protocol"))) out.accept_proxy_protocol = *v;
  config_.listeners.push_back(std::move(out));
}

// bind = "ip:port" or ["ip:port", ...]. Each address must be this host's and bound by only
// one listener or egress entry in the whole file. owner_text names the entry in the message a
// later entry gets ("listener \"web\"").
void loader::read_binds(const toml::node& node, const std::string& ctx, const std::string& owner_text,
                        std::vector<net::endpoint>& out) {
  const std::string what = label(ctx, "bind");
  std::vector<const toml::node*> entries;
  if (node.is_string()) {
    entries.push_back(&node);
  } else if (const auto* array = node.as_array()) {
    if (array->empty()) error(where(node), what + ": expected at least one \"ip:port\"");
    for (const toml::node& element : *array) entries.push_back(&element);
  } else {
    error(where(node), what + ": expected an \"ip:port\" string or an array of them, got " +
                           type_phrase(node));
    return;
  }
  const std::size_t owner = bind_owners_++;
  for (const toml::node* entry : entries) {
    auto address = read_endpoint(*entry, what);
    if (!address) continue;
    if (is_local_ && !is_local_(*address))
      error(where(*entry), what + ": " + address->to_string() + " is not an address of this host");
    auto used = std::find_if(binds_.begin(), binds_.end(),
                             [&](const bind_use& b) { return b.address == *address; });
    if (used == binds_.end()) {
      binds_.push_back({*address, owner, owner_text, where(*entry)});
    } else {
      const std::string line = std::to_string(used->at.line);
      const std::string by = used->owner == owner ? "is listed twice (first at line " + line + ")"
                                                  : "is already bound by " + used->owner_text + " at line " + line;
      error(where(*entry), what + ": " + address->to_string() + " " + by);
    }
    out.push_back(*address);
  }
}

// name_servers = ["ip", "ip:port", ...]: stored as "ip:port", port 53 when left out.
void loader::read_name_servers(const toml::node& node, const std::string& what, std::vector<std::string>& out) {
  const auto* array = node.as_array();
  if (!array) {
    error(where(node), what + ": expected an array of \"ip\" or \"ip:port\" strings, got " + type_phrase(node));
    return;
  }
  for (const toml::node& element : *array) {
    auto text = read_string(element, what);
    if (!text) continue;
    auto server = net::endpoint::parse(*text);
    if (!server) {  // no port: 53
      const bool v6 = text->find(':') != std::string::npos;
      server = net::endpoint::parse(v6 ? "[" + *text + "]:53" : *text + ":53");
    }
    if (!server || server->port() == 0) {
      error(where(element), what + ": expected \"ip\" or \"ip:port\" such as \"10.0.0.2\", "
                                   "\"127.0.0.1:5353\" or \"[::1]:53\", got " + quote(*text));
      continue;
    }
    out.push_back(server->to_string());
  }
}

void loader::read_group(const toml::table& table, std::size_t index) {
  reject_unknown_keys(table, "in [[target_group]]", group_keys);
  target_group out;
  std::string ctx = "target_group #" + std::to_string(index + 1);
  if (auto name = read_name(table, ctx, "target_group", group_names_)) {
    out.name = *name;
    ctx = "target_group " + quote(*name);
  }
  if (const auto* n = table.get("algorithm"))
    if (auto v = read_choice(*n, label(ctx, "algorithm"), algorithms)) out.balance = *v;
  if (const auto* n = table.get("proxy_protocol"))
    if (auto v = read_choice(*n, label(ctx, "proxy_protocol"), proxy_protocol_modes)) out.proxy_protocol = *v;
  if (const auto* n = table.get("connect_timeout"))
    if (auto v = read_positive_duration(*n, label(ctx, "connect_timeout"))) out.connect_timeout = *v;
  if (const auto* n = table.get("deregistration_delay"))
    if (auto v = read_positive_duration(*n, label(ctx, "deregistration_delay"))) out.deregistration_delay = *v;
  if (const auto* n = table.get("connect_retries"))
    if (auto v = read_integer(*n, label(ctx, "connect_retries"), 0, rules::max_connect_retries))
      out.connect_retries = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("discovery")) read_discovery(*n, ctx, out);
  // With discovery, static targets are optional and may be an empty list.
  std::size_t target_count = 0;
  const auto* targets = table.contains("discovery") ? table.get("targets") : require(table, "targets", ctx);
  if (targets) {
    read_targets(*targets, ctx, out, !table.contains("discovery"));
    if (const auto* array = targets->as_array()) target_count = array->size();
  }
  read_maglev_table_size(table, target_count, ctx, out);
  if (const auto* n = table.get("health_check")) read_health_check(*n, ctx, out);
  config_.target_groups.push_back(std::move(out));
}

// targets = ["ip:port", { address = "ip:port", weight = 3 }, ...]
void loader::read_targets(const toml::node& node, const std::string& ctx, target_group& out, bool required) {
  const std::string what = label(ctx, "targets");
  const auto* array = node.as_array();
  if (!array) {
    error(where(node), what + ": expected an array of \"ip:port\" strings or "
                              "{ address = ..., weight = ... } tables, got " + type_phrase(node));
    return;
  }
  if (array->empty() && required)
    error(where(node), what + ": expected at least one target (or a [target_group.discovery.dns] to find them)");
  std::vector<position> seen_at;  // parallel to out.targets
  for (const toml::node& element : *array) {
    const toml::node* address_node = &element;
    target result;
    if (const auto* table = element.as_table()) {
      reject_unknown_keys(*table, "in a target", target_keys);
      if (const auto* n = table->get("weight"))
        if (auto v = read_integer(*n, label(ctx, "weight"), 1, rules::max_weight))
          result.weight = static_cast<std::uint32_t>(*v);
      address_node = require(*table, "address", what);
      if (!address_node) continue;
    } else if (!element.is_string()) {
      error(where(element), what + ": expected an \"ip:port\" string or a "
                                   "{ address = ..., weight = ... } table, got " +
                                type_phrase(element));
      continue;
    }
    auto address = read_endpoint(*address_node, what);
    if (!address) continue;
    result.address = *address;
    for (std::size_t i = 0; i < out.targets.size(); ++i) {
      if (out.targets[i].address == *address) {
        error(where(*address_node), what + ": " + address->to_string() +
                                        " is listed twice (first at line " +
                                        std::to_string(seen_at[i].line) + ")");
        break;
      }
    }
    out.targets.push_back(result);
    seen_at.push_back(where(*address_node));
  }
}

// Checked for every group, not only maglev ones, so that switching the
// algorithm later cannot turn a loaded config into an invalid one.
void loader::read_maglev_table_size(const toml::table& table, std::size_t target_count,
                                    const std::string& ctx, target_group& out) {
  const std::string what = label(ctx, "maglev_table_size");
  const auto* node = table.get("maglev_table_size");
  if (node) {
    auto size = read_integer(*node, what, 2, rules::max_maglev_table_size);
    if (!size) return;
    const auto value = static_cast<std::uint64_t>(*size);
    if (!rules::is_prime(value)) {
      error(where(*node), what + ": " + std::to_string(value) + " is not prime (the next prime is " +
                              std::to_string(rules::next_prime(value)) + ")");
      return;
    }
    out.maglev_table_size = static_cast<std::uint32_t>(value);
  }
  if (out.maglev_table_size <= target_count) {
    error(node ? where(*node) : where(table),
          what + ": must be greater than the number of targets (" + std::to_string(target_count) +
              "), got " + std::to_string(out.maglev_table_size) + (node ? "" : " (the default)"));
  }
}

// [target_group.discovery.dns] (or discovery = { dns = { ... } }).
void loader::read_discovery(const toml::node& node, const std::string& ctx, target_group& out) {
  const std::string what = label(ctx, "discovery");
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), what + ": expected a table, written [target_group.discovery.dns], got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [target_group.discovery]", discovery_keys);
  const auto* dns = table->get("dns");
  if (!dns) {
    error(where(*table), what + ": expected a [target_group.discovery.dns] table");
    return;
  }
  const auto* dns_table = dns->as_table();
  if (!dns_table) {
    error(where(*dns), what + ".dns: expected a table, got " + type_phrase(*dns));
    return;
  }
  dns_discovery result;
  read_dns_discovery(*dns_table, what + ".dns", result);
  out.discovery = std::move(result);
  if (const auto* aws = table->get("aws")) read_aws_target_group(*aws, what + ".aws", out);
}

void loader::read_dns_discovery(const toml::table& table, const std::string& base, dns_discovery& out) {
  reject_unknown_keys(table, "in [target_group.discovery.dns]", dns_discovery_keys);
  auto what = [&base](std::string_view key) { return base + "." + std::string(key); };

  if (const auto* n = require(table, "names", base)) {
    const auto* array = n->as_array();
    if (!array || array->empty()) {
      error(where(*n), what("names") + ": expected a non-empty array of DNS names, got " + type_phrase(*n));
    } else {
      for (const toml::node& element : *array) {
        auto name = read_string(element, what("names"));
        if (!name) continue;
        if (!rules::is_valid_dns_name(*name)) {
          error(where(element), what("names") + ": " + quote(*name) +
                                    " is not a DNS name (labels of 1-63 letters, digits, '-' or '_', at most 253 characters)");
          continue;
        }
        std::string canonical = *name;
        if (canonical.back() == '.') canonical.pop_back();
        std::transform(canonical.begin(), canonical.end(), canonical.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (std::find(out.names.begin(), out.names.end(), canonical) != out.names.end()) {
          error(where(element), what("names") + ": " + quote(*name) + " is listed twice");
          continue;
        }
        out.names.push_back(std::move(canonical));
      }
    }
  }
  if (const auto* n = require(table, "port", base))
    if (auto v = read_integer(*n, what("port"), 1, 65535)) out.port = static_cast<std::uint16_t>(*v);
  if (const auto* n = table.get("families")) {
    const auto* array = n->as_array();
    if (!array || array->empty()) {
      error(where(*n), what("families") + ": expected [\"ipv4\"], [\"ipv6\"] or [\"ipv4\", \"ipv6\"], got " +
                           type_phrase(*n));
    } else {
      out.ipv4 = out.ipv6 = false;
      for (const toml::node& element : *array) {
        const auto* text = element.as_string();
        const std::string word = text ? text->get() : std::string();
        bool& flag = word == "ipv4" ? out.ipv4 : out.ipv6;
        if (word != "ipv4" && word != "ipv6") {
          error(where(element), what("families") + ": expected \"ipv4\" or \"ipv6\", got " +
                                    (text ? quote(word) : type_phrase(element)));
        } else if (flag) {
          error(where(element), what("families") + ": " + quote(word) + " is listed twice");
        } else {
          flag = true;
        }
      }
      if (!out.ipv4 && !out.ipv6) out.ipv4 = true;  // errors reported above
    }
  }
  if (const auto* n = table.get("name_servers")) read_name_servers(*n, what("name_servers"), out.name_servers);
  if (const auto* n = table.get("authoritative"))
    if (auto v = read_bool(*n, what("authoritative"))) out.authoritative = *v;
  if (const auto* n = table.get("authoritative_port"))
    if (auto v = read_integer(*n, what("authoritative_port"), 1, 65535))
      out.authoritative_port = static_cast<std::uint16_t>(*v);
  if (const auto* n = table.get("interval"))
    if (auto v = read_bounded_duration(*n, what("interval"), rules::max_discovery_interval, "24h")) out.interval = *v;
  if (const auto* n = table.get("jitter"))
    if (auto v = read_number(*n, what("jitter"), 0.0, rules::max_discovery_jitter)) out.jitter = *v;
  if (const auto* n = table.get("max_lookups"))
    if (auto v = read_integer(*n, what("max_lookups"), 1, rules::max_discovery_lookups))
      out.max_lookups = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("parallel_lookups"))
    if (auto v = read_integer(*n, what("parallel_lookups"), 1, rules::max_parallel_lookups))
      out.parallel_lookups = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("answer_size"))
    if (auto v = read_integer(*n, what("answer_size"), 1, rules::max_answer_size))
      out.answer_size = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("query_timeout"))
    if (auto v = read_bounded_duration(*n, what("query_timeout"), rules::max_query_timeout, "60s"))
      out.query_timeout = *v;
  if (const auto* n = table.get("query_tries"))
    if (auto v = read_integer(*n, what("query_tries"), 1, rules::max_query_tries))
      out.query_tries = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("misses_before_deregistration"))
    if (auto v = read_integer(*n, what("misses_before_deregistration"), 1, rules::max_misses_before_deregistration))
      out.misses_before_deregistration = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("max_deregistration_fraction"))
    if (auto v = read_number(*n, what("max_deregistration_fraction"), 0.0, 1.0)) out.max_deregistration_fraction = *v;
  if (const auto* n = table.get("weight"))
    if (auto v = read_integer(*n, what("weight"), 1, rules::max_weight)) out.weight = static_cast<std::uint32_t>(*v);
}

// [target_group.health_check] or health_check = { ... }. Its presence turns
// checking on, so an empty table means "check with the defaults". Each key is
// checked on its own, then the schedule as a whole (timeout against interval
// and jitter) once its parts are valid.
void loader::read_health_check(const toml::node& node, const std::string& ctx, target_group& out) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), label(ctx, "health_check") +
                           ": expected a table, written [target_group.health_check] or "
                           "health_check = { ... }, got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in [target_group.health_check]", health_check_keys);
  const std::string hc = label(ctx, "health_check");
  auto what = [&hc](std::string_view key) { return hc + "." + std::string(key); };
  health_check result;

  bool protocol_known = true;
  if (const auto* n = table->get("protocol")) {
    if (auto v = read_choice(*n, what("protocol"), health_protocols))
      result.protocol = *v;
    else
      protocol_known = false;
  }

  bool schedule_valid = true;
  const auto* interval_node = table->get("interval");
  if (interval_node) {
    if (auto v = read_positive_duration(*interval_node, what("interval"))) {
      if (*v > rules::max_health_interval) {
        error(where(*interval_node), what("interval") + ": must be at most 24h, got " +
                                         quote(interval_node->as_string()->get()));
        schedule_valid = false;
      } else {
        result.interval = *v;
      }
    } else {
      schedule_valid = false;
    }
  }
  if (const auto* n = table->get("timeout")) {
    if (auto v = read_positive_duration(*n, what("timeout")))
      result.timeout = *v;
    else
      schedule_valid = false;
  }
  const auto* jitter_node = table->get("jitter");
  if (jitter_node) {
    std::optional<double> jitter;
    if (const auto* f = jitter_node->as_floating_point())
      jitter = f->get();
    else if (const auto* i = jitter_node->as_integer())
      jitter = static_cast<double>(i->get());
    const std::string range = "a number in 0.." + number_text(rules::max_health_jitter);
    if (!jitter) {
      error(where(*jitter_node), what("jitter") + ": expected " + range + ", got " + type_phrase(*jitter_node));
      schedule_valid = false;
    } else if (!(*jitter >= 0.0 && *jitter <= rules::max_health_jitter)) {  // NaN fails too
      error(where(*jitter_node), what("jitter") + ": expected " + range + ", got " + number_text(*jitter));
      schedule_valid = false;
    } else {
      result.jitter = *jitter;
    }
  }
  if (schedule_valid) {
    const health::schedule_options schedule{
        .interval = result.interval, .timeout = result.timeout, .jitter = result.jitter};
    if (auto problem = health::validate(schedule)) {
      // At the timeout key when it is set; else at whatever made the default one too long.
      position at = where(*table);
      if (auto it = table->find("timeout"); it != table->end())
        at = where(it->first);
      else if (interval_node)
        at = where(*interval_node);
      else if (jitter_node)
        at = where(*jitter_node);
      error(at, hc + ": " + *problem +
                    (table->contains("timeout") ? "" : " (timeout is not set; the default is 5s)"));
    }
  }

  if (const auto* n = table->get("healthy_threshold"))
    if (auto v = read_integer(*n, what("healthy_threshold"), 1, rules::max_health_threshold))
      result.healthy_threshold = static_cast<std::uint32_t>(*v);
  if (const auto* n = table->get("unhealthy_threshold"))
    if (auto v = read_integer(*n, what("unhealthy_threshold"), 1, rules::max_health_threshold))
      result.unhealthy_threshold = static_cast<std::uint32_t>(*v);
  if (const auto* n = table->get("passive_failures"))
    if (auto v = read_integer(*n, what("passive_failures"), 0, rules::max_passive_failures))
      result.passive_failures = static_cast<std::uint32_t>(*v);
  if (const auto* n = table->get("on_unhealthy"))
    if (auto v = read_choice(*n, what("on_unhealthy"), unhealthy_actions)) result.on_unhealthy = *v;
  if (const auto* n = table->get("start_healthy"))
    if (auto v = read_bool(*n, what("start_healthy"))) result.start_healthy = *v;
  if (const auto* n = table->get("fail_open"))
    if (auto v = read_bool(*n, what("fail_open"))) result.fail_open = *v;
  if (const auto* n = table->get("port"))
    if (auto v = read_integer(*n, what("port"), 1, 65535)) result.port = static_cast<std::uint16_t>(*v);
  // The ranges above already keep the thresholds valid; this catches a rule
  // added to the state machine later.
  const health::health_options state{.healthy_threshold = result.healthy_threshold,
                                     .unhealthy_threshold = result.unhealthy_threshold,
                                     .passive_failures = result.passive_failures,
                                     .start_healthy = result.start_healthy};
  if (auto problem = health::validate(state)) error(where(*table), hc + ": " + *problem);

  if (result.protocol == health_protocol::http) {
    read_http_probe(*table, hc, result);
  } else if (protocol_known) {
    for (auto&& [key, value] : *table) {
      if (std::find(std::begin(http_only_keys), std::end(http_only_keys), key.str()) != std::end(http_only_keys))
        error(where(key), what(key.str()) + ": only for protocol = \"http\"");
    }
  }
  out.health = std::move(result);
}

// method, path, host and expected_status. Each is checked alone (with valid
// values for the others) so that the message lands on the key at fault.
void loader::read_http_probe(const toml::table& table, const std::string& hc, health_check& out) {
  auto what = [&hc](std::string_view key) { return hc + "." + std::string(key); };
  auto check = [&](std::string_view key, auto set_field, std::string& field) {
    const auto* n = table.get(key);
    if (!n) return;
    auto v = read_string(*n, what(key));
    if (!v) return;
    health::http_probe_request request{.method = "GET", .path = "/", .host = "localhost"};
    set_field(request, *v);
    if (auto problem = health::validate(request))
      error(where(*n), what(key) + ": " + *problem);
    else
      field = *v;
  };
  check("method", [](health::http_probe_request& r, const std::string& v) { r.method = v; }, out.method);
  check("path", [](health::http_probe_request& r, const std::string& v) { r.path = v; }, out.path);
  // host = "" is an error rather than "the target's address": leave the key out for that.
  check("host", [](health::http_probe_request& r, const std::string& v) { r.host = v; }, out.host);
  if (const auto* n = table.get("expected_status")) {
    if (auto v = read_string(*n, what("expected_status"))) {
      std::string problem;
      if (health::status_ranges::parse(*v, problem))
        out.expected_status = *v;
      else
        error(where(*n), what("expected_status") + ": " + problem);
    }
  }
}

void loader::check_group_references() {
  for (const auto& ref : references_) {
    if (group_names_.contains(ref.group)) continue;
    std::string known;
    for (const auto& [name, at] : group_names_) known += (known.empty() ? "" : ", ") + quote(name);
    error(ref.at, ref.ctx + ": target_group " + quote(ref.group) +
                      " does not name a [[target_group]] " +
                      (known.empty() ? "(none is defined)" : "(known: " + known + ")"));
  }
}

}  // namespace detail

load_result parse(std::string_view toml_text, std::string_view source_name,
                  const local_address_check& is_local, const getenv_function& getenv) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    load_result result;
    result.errors.push_back({std::string(source_name), e.source().begin.line,
                             e.source().begin.column, "invalid TOML: " + std::string(e.description())});
    return result;
  }
  return detail::loader(source_name, is_local, getenv).run(root);
}

load_result load_file(const std::string& path, const local_address_check& is_local,
                      const getenv_function& getenv) {
  std::string text;
  if (auto ec = read_file(path, text)) {
    load_result result;
    result.errors.push_back({path, 0, 0, "cannot read the file: " + ec.message()});
    return result;
  }
  return parse(text, path, is_local, getenv);
}

}  // namespace staticgate::config

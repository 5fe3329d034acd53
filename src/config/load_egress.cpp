// [[egress]] tables: forward proxies, their users, access rules and source addresses. Part of
// the loader (see loader.hpp): every problem is reported at its position and reading goes on.
// Passwords are resolved here, once: a credentials_file is read and checked, environment
// variables are read, hashes are checked with check_password_hash() and plain passwords hashed,
// so the model holds one password_hash per user and the runtime never looks elsewhere.
#include <algorithm>
#include <cctype>

#include "config/loader.hpp"
#include "config/read_file.hpp"
#include "config/rules.hpp"
#include "egress/credentials.hpp"
#include "egress/destination_policy.hpp"
#include "egress/ip_prefix.hpp"
#include "egress/port_ranges.hpp"

namespace staticgate::config::detail {

namespace {

constexpr std::string_view egress_keys[] = {
    "name",          "bind",             "protocols",         "authentication",  "allow_open_proxy",
    "credentials_file", "source_addresses", "source_selection", "name_servers",    "handshake_timeout",
    "connect_timeout",  "idle_timeout",     "max_connections",  "max_connections_per_user", "access",
    "user"};
constexpr std::string_view user_keys[] = {"name",           "password_hash_env", "password_env",
                                          "source_address", "max_connections",   "access"};
constexpr std::string_view access_keys[] = {"allow", "allow_private"};
constexpr std::string_view rule_keys[] = {"destination", "ports"};

constexpr choice<bool> authentications[] = {{"password", true}, {"none", false}};
constexpr choice<source_selection> source_selections[] = {{"round_robin", source_selection::round_robin},
                                                          {"per_user", source_selection::per_user},
                                                          {"destination_hash", source_selection::destination_hash}};

const std::string ip_example = "an IP address such as \"192.0.2.10\" or \"2001:db8::10\" (no port)";

// 127.0.0.0/8 and ::1, also written as IPv4-mapped (::ffff:127.0.0.1).
bool is_loopback(const net::endpoint& address) {
  const auto ip = egress::ip_address::parse(address.ip_string());
  if (!ip) return false;
  const auto plain = ip->unmapped();
  if (plain.is_v4()) return plain.v4_host_order() >> 24 == 127;
  return plain == *egress::ip_address::parse("::1");
}

net::endpoint with_port_zero(const egress::ip_address& ip) {
  return *net::endpoint::parse(ip.is_v6() ? "[" + ip.to_string() + "]:0" : ip.to_string() + ":0");
}

// POSIX shell names: a letter or '_', then letters, digits and '_'.
bool is_variable_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The string form of an allow rule, split into destination and ports before either is checked:
//   "api.example.com", "*.vendor.com:443", "203.0.113.0/24:80,443", "any", "any:443",
//   "[2001:db8::1]", "[2001:db8::]/32:443".
// An IPv6 address must be in brackets, as in "ip:port" endpoints, because "2001:db8::1:443"
// is itself a valid address: without brackets the port could not be told apart. "any" is
// stored as "*" (destination_rule's spelling).
struct split_rule {
  std::string destination;
  std::string ports = "any";
  std::string error;  // set when the text cannot be split
};

split_rule split_rule_text(std::string_view text) {
  split_rule result;
  std::string_view destination = text;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      result.error = "'[' without a closing ']'";
      return result;
    }
    const auto address = text.substr(1, close - 1);
    if (address.find(':') == std::string_view::npos) {
      result.error = "brackets are only for IPv6 addresses, as in \"[2001:db8::]/32:443\"";
      return result;
    }
    std::string joined(address);
    rest = text.substr(close + 1);
    if (rest.starts_with('/')) {
      const auto colon = rest.find(':');
      joined += rest.substr(0, colon);
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
    }
    if (!rest.empty() && !rest.starts_with(':')) {
      result.error = "expected \"/length\" or \":ports\" after ']'";
      return result;
    }
    result.destination = std::move(joined);
  } else {
    const auto colons = std::count(text.begin(), text.end(), ':');
    if (colons > 1) {
      result.error = "an IPv6 destination must be in brackets, as in \"[2001:db8::]/32\" or "
                     "\"[2001:db8::1]:443\", or written { destination = \"2001:db8::/32\", ports = \"443\" }";
      return result;
    }
    const auto colon = text.find(':');
    destination = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    result.destination = std::string(destination);
  }
  if (!rest.empty()) result.ports = std::string(rest.substr(1));  // "" is reported by port_ranges
  if (result.destination == "any") result.destination = "*";
  return result;
}

}  // namespace

void loader::read_egress(const toml::table& table, std::size_t index) {
  reject_unknown_keys(table, "in [[egress]]", egress_keys);
  egress_server out;
  std::string ctx = "egress #" + std::to_string(index + 1);
  if (auto name = read_name(table, ctx, "egress", egress_names_)) {
    out.name = *name;
    ctx = "egress " + quote(*name);
  }
  auto what = [&ctx](std::string_view key) { return label(ctx, key); };

  if (const auto* n = require(table, "bind", ctx))
    read_binds(*n, ctx, out.name.empty() ? "the egress" : "egress " + quote(out.name), out.binds);
  if (const auto* n = table.get("protocols")) read_protocols(*n, what("protocols"), out);
  const auto* authentication = table.get("authentication");
  bool authentication_known = true;
  if (authentication) {
    if (auto v = read_choice(*authentication, what("authentication"), authentications))
      out.authentication = *v;
    else
      authentication_known = false;
  }
  const auto* open_proxy = table.get("allow_open_proxy");
  if (open_proxy)
    if (auto v = read_bool(*open_proxy, what("allow_open_proxy"))) out.allow_open_proxy = *v;
  if (const auto* n = table.get("source_addresses")) read_source_addresses(*n, what("source_addresses"), out);
  const auto* selection = table.get("source_selection");
  if (selection)
    if (auto v = read_choice(*selection, what("source_selection"), source_selections)) out.selection = *v;
  if (const auto* n = table.get("name_servers")) read_name_servers(*n, what("name_servers"), out.name_servers);
  if (const auto* n = table.get("handshake_timeout"))
    if (auto v = read_positive_duration(*n, what("handshake_timeout"))) out.handshake_timeout = *v;
  if (const auto* n = table.get("connect_timeout"))
    if (auto v = read_positive_duration(*n, what("connect_timeout"))) out.connect_timeout = *v;
  if (const auto* n = table.get("idle_timeout"))
    if (auto v = read_positive_duration(*n, what("idle_timeout"))) out.idle_timeout = *v;
  if (const auto* n = table.get("max_connections"))
    if (auto v = read_integer(*n, what("max_connections"), 0, rules::max_connections))
      out.max_connections = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("max_connections_per_user"))
    if (auto v = read_integer(*n, what("max_connections_per_user"), 0, rules::max_connections))
      out.max_connections_per_user = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("access")) read_access(*n, what("access"), "[egress.access]", out.access);

  // Users only mean something with passwords; with "none" their tables are reported once below
  // and not read, so that no environment variable or file is looked at for nothing.
  const auto* credentials = table.get("credentials_file");
  const auto* users = table.get("user");
  if (!out.authentication) {
    if (credentials) error(where(*credentials), what("credentials_file") + ": only for authentication = \"password\"");
    if (users) error(where(*users), ctx + ": [[egress.user]] is only for authentication = \"password\"");
  } else if (authentication_known) {
    user_sources sources;
    if (credentials) sources.file_read = read_credentials_file(*credentials, what("credentials_file"), out, sources);
    std::map<std::string, position> seen;
    if (users) {
      for_each_table(*users, "egress.user", [&](const toml::table& t, std::size_t i) {
        read_egress_user(t, i, ctx, sources, out, seen);
      });
    }
    // Users of the file without a [[egress.user]] table: default access, no pinned address.
    for (const auto& [name, hash] : sources.file_hashes) {
      if (seen.contains(name)) continue;
      egress_user user;
      user.name = name;
      user.password_hash = hash;
      out.users.push_back(std::move(user));
    }
    // Unless the file could not be used: that was reported, and the users may well be in it.
    if (out.users.empty() && (!credentials || sources.file_read)) {
      error(authentication ? where(*authentication) : where(table),
            ctx + ": authentication = \"password\" needs at least one user: add [[egress.user]] tables "
                  "or a credentials_file");
    }
  }

  if (open_proxy && out.allow_open_proxy && out.authentication && authentication_known)
    error(where(*open_proxy), what("allow_open_proxy") + ": only for authentication = \"none\"");
  if (!out.authentication && !out.allow_open_proxy) {
    const auto open = std::find_if(out.binds.begin(), out.binds.end(),
                                   [](const net::endpoint& b) { return !is_loopback(b); });
    if (open != out.binds.end()) {
      error(where(*authentication),
            what("authentication") + ": \"none\" on " + open->to_string() +
                ", which is not a loopback address, would make an open proxy: anyone who can reach it "
                "could connect anywhere from this host's addresses. Bind to loopback only, use "
                "\"password\", or set allow_open_proxy = true if only trusted clients can reach it");
    }
  }
  if (selection && out.selection == source_selection::per_user && !out.authentication)
    error(where(*selection), what("source_selection") + ": \"per_user\" needs authentication = \"password\"");

  config_.egress.push_back(std::move(out));
}

// protocols = ["socks5", "http"]: at least one, each once.
void loader::read_protocols(const toml::node& node, const std::string& what, egress_server& out) {
  const auto* array = node.as_array();
  if (!array || array->empty()) {
    error(where(node), what + ": expected [\"socks5\"], [\"http\"] or [\"socks5\", \"http\"], got " +
                           (array ? "an empty array" : type_phrase(node)));
    return;
  }
  out.socks5 = out.http = false;
  for (const toml::node& element : *array) {
    const auto* text = element.as_string();
    const std::string word = text ? text->get() : std::string();
    if (word != "socks5" && word != "http") {
      error(where(element), what + ": expected \"socks5\" or \"http\", got " +
                                (text ? quote(word) : type_phrase(element)));
      continue;
    }
    bool& flag = word == "socks5" ? out.socks5 : out.http;
    if (flag) error(where(element), what + ": " + quote(word) + " is listed twice");
    flag = true;
  }
  if (!out.socks5 && !out.http) out.socks5 = out.http = true;  // errors reported above
}

// source_addresses = ["192.0.2.10", "2001:db8::10"]: this host's addresses, each once. Stored in
// canonical text (inet_ntop's), which users' source_address values are compared against.
// A bad address is still kept so a user naming it gets no second, misleading error.
void loader::read_source_addresses(const toml::node& node, const std::string& what, egress_server& out) {
  const auto* array = node.as_array();
  if (!array) {
    error(where(node), what + ": expected an array of IP addresses such as [\"192.0.2.10\", \"2001:db8::10\"], got " +
                           type_phrase(node));
    return;
  }
  std::vector<position> seen_at;  // parallel to out.source_addresses
  for (const toml::node& element : *array) {
    auto text = read_string(element, what);
    if (!text) continue;
    const auto ip = egress::ip_address::parse(*text);
    if (!ip) {
      error(where(element), what + ": expected " + ip_example + ", got " + quote(*text));
      continue;
    }
    const std::string canonical = ip->to_string();
    const auto address = with_port_zero(*ip);
    const auto twice = std::find(out.source_addresses.begin(), out.source_addresses.end(), canonical);
    if (twice != out.source_addresses.end()) {
      const auto first = seen_at[static_cast<std::size_t>(twice - out.source_addresses.begin())];
      error(where(element), what + ": " + canonical + " is listed twice (first at line " +
                                std::to_string(first.line) + ")");
      continue;
    }
    if (address.is_unspecified())
      error(where(element), what + ": " + canonical +
                                " is not one address (leave source_addresses out to let the kernel choose)");
    else if (is_local_ && !is_local_(address))
      error(where(element), what + ": " + canonical + " is not an address of this host");
    out.source_addresses.push_back(canonical);
    seen_at.push_back(where(element));
  }
}

// [egress.access], [egress.user.access] or access = { allow = [...], allow_private = ... }.
// written is the header form, for messages.
void loader::read_access(const toml::node& node, const std::string& what, std::string_view written,
                         egress_access& out) {
  const auto* table = node.as_table();
  if (!table) {
    error(where(node), what + ": expected a table, written " + std::string(written) +
                           " or access = { allow = [...] }, got " + type_phrase(node));
    return;
  }
  reject_unknown_keys(*table, "in " + std::string(written), access_keys);
  if (const auto* n = table->get("allow")) {
    if (const auto* array = n->as_array()) {
      out.allow.emplace();  // [] allows nothing
      for (const toml::node& element : *array)
        if (auto rule = read_rule(element, what + ".allow")) out.allow->push_back(std::move(*rule));
    } else {
      error(where(*n), what + ".allow: expected an array of rules such as [\"api.example.com:443\", "
                              "{ destination = \"203.0.113.0/24\", ports = \"80,443\" }], got " + type_phrase(*n));
    }
  }
  if (const auto* n = table->get("allow_private"))
    if (auto v = read_bool(*n, what + ".allow_private")) out.allow_private = *v;
}

// One allow rule: { destination = "...", ports = "..." | 443 } or a string (split_rule_text).
// Checked with egress::destination_rule::parse so the runtime cannot meet an invalid one; each
// error is at the value at fault.
std::optional<egress_rule> loader::read_rule(const toml::node& node, const std::string& what) {
  egress_rule rule;
  const toml::node* destination_at = &node;
  const toml::node* ports_at = &node;
  std::string prefix = what + ": ";  // a string rule's errors also quote the string
  if (const auto* table = node.as_table()) {
    reject_unknown_keys(*table, "in an allow rule", rule_keys);
    const auto* destination = require(*table, "destination", what);
    if (!destination) return std::nullopt;
    auto text = read_string(*destination, what + ".destination");
    if (!text) return std::nullopt;
    rule.destination = *text == "any" ? "*" : *text;
    destination_at = destination;
    if (const auto* ports = table->get("ports")) {
      ports_at = ports;
      if (ports->is_integer()) {
        auto port = read_integer(*ports, what + ".ports", 1, 65535);
        if (!port) return std::nullopt;
        rule.ports = std::to_string(*port);
      } else if (const auto* ports_text = ports->as_string()) {
        rule.ports = ports_text->get();
      } else {
        error(where(*ports), what + ".ports: expected a port number or a string such as \"443\", "
                                    "\"80,443\" or \"8000-8999\", got " + type_phrase(*ports));
        return std::nullopt;
      }
    }
  } else if (const auto* text = node.as_string()) {
    auto split = split_rule_text(text->get());
    prefix += quote(text->get()) + ": ";
    if (!split.error.empty()) {
      error(where(node), prefix + split.error);
      return std::nullopt;
    }
    rule.destination = std::move(split.destination);
    rule.ports = std::move(split.ports);
  } else {
    error(where(node), what + ": expected \"destination\", \"destination:ports\" or "
                              "{ destination = ..., ports = ... }, got " + type_phrase(node));
    return std::nullopt;
  }
  // Ports first, on their own, so that each message lands on its own key.
  if (auto ports = egress::port_ranges::parse(rule.ports); !ports.ports) {
    error(where(*ports_at), prefix + ports.error);
    return std::nullopt;
  }
  if (auto parsed = egress::destination_rule::parse(rule.destination, rule.ports); !parsed.rule) {
    error(where(*destination_at), prefix + parsed.error);
    return std::nullopt;
  }
  return rule;
}

// credentials_file = "/abs/path": read and checked now. Each problem in the file is reported at
// the key, with the file's line in the message ("FILE:LINE: ..."). True when it was read
// without problems (its users are then in sources.file_hashes).
bool loader::read_credentials_file(const toml::node& node, const std::string& what, egress_server& out,
                                   user_sources& sources) {
  auto path = read_string(node, what);
  if (!path) return false;
  if (path->empty() || path->front() != '/') {
    error(where(node), what + ": expected an absolute file path, got " + quote(*path));
    return false;
  }
  out.credentials_file = *path;
  std::string text;
  if (auto ec = read_file(*path, text)) {
    error(where(node), what + ": cannot read " + *path + ": " + ec.message());
    return false;
  }
  auto parsed = egress::parse_credentials(text);
  for (const auto& problem : parsed.errors)
    error(where(node), what + ": " + *path + ":" + std::to_string(problem.line) + ": " + problem.message);
  if (!parsed.errors.empty()) return false;
  for (const auto& [user, hash] : parsed.store.entries()) sources.file_hashes.emplace(user, hash);
  return true;
}

// [[egress.user]]: name, where the password comes from, pinned address, limit, access.
void loader::read_egress_user(const toml::table& table, std::size_t index, const std::string& server_ctx,
                              const user_sources& sources, egress_server& out,
                              std::map<std::string, position>& seen) {
  reject_unknown_keys(table, "in [[egress.user]]", user_keys);
  egress_user user;
  std::string ctx = server_ctx + " user #" + std::to_string(index + 1);
  auto what = [&ctx](std::string_view key) { return label(ctx, key); };
  const auto* name_node = require(table, "name", ctx);
  if (name_node) {
    if (auto name = read_string(*name_node, what("name"))) {
      if (auto problem = egress::check_user_name(*name)) {
        error(where(*name_node), what("name") + ": " + *problem + ", got " + quote(*name));
      } else {
        auto [first, inserted] = seen.emplace(*name, where(*name_node));
        if (!inserted)
          error(where(*name_node), server_ctx + ": duplicate user name " + quote(*name) + " (first defined at line " +
                                       std::to_string(first->second.line) + ")");
        user.name = *name;
        ctx = server_ctx + " user " + quote(*name);
      }
    }
  }

  // The password: from the environment (a hash or the password itself), else the file.
  const auto* hash_env = table.get("password_hash_env");
  const auto* plain_env = table.get("password_env");
  if (hash_env && plain_env) {
    error(where(*plain_env), what("password_env") + ": set password_hash_env or password_env, not both");
  } else if (hash_env || plain_env) {
    const auto& node = hash_env ? *hash_env : *plain_env;
    const std::string key = hash_env ? "password_hash_env" : "password_env";
    auto variable = read_string(node, what(key));
    if (variable && !is_variable_name(*variable)) {
      error(where(node), what(key) + ": expected an environment variable name (letters, digits and '_', "
                                     "not starting with a digit), got " + quote(*variable));
    } else if (variable) {
      (hash_env ? user.password_hash_env : user.password_env) = *variable;
      if (user.name.empty()) {
        // The name is bad (reported above): nothing to check the secret against.
      } else if (sources.file_hashes.contains(user.name)) {
        error(where(node), what(key) + ": user " + quote(user.name) + " is also in credentials_file " +
                               out.credentials_file + "; give each user's password in one place");
      } else {
        egress::credential_store store;
        const egress::environment_credential entry{
            .user = user.name,
            .variable = *variable,
            .form = hash_env ? egress::secret_form::password_hash : egress::secret_form::plain_text};
        if (auto problem = egress::add_from_environment(store, entry, getenv_))
          error(where(node), what(key) + ": " + *problem);
        else
          user.password_hash = store.entries().begin()->second;
      }
    }
  } else if (!user.name.empty()) {
    if (auto it = sources.file_hashes.find(user.name); it != sources.file_hashes.end()) {
      user.password_hash = it->second;
    } else if (out.credentials_file.empty()) {
      error(where(*name_node), ctx + ": no password: set password_hash_env or password_env, or add the user to "
                                     "a credentials_file");
    } else if (sources.file_read) {
      error(where(*name_node), ctx + ": not in credentials_file " + out.credentials_file +
                                   ": add it there, or set password_hash_env or password_env");
    }
  }

  if (const auto* n = table.get("source_address")) {
    if (auto text = read_string(*n, what("source_address"))) {
      const auto ip = egress::ip_address::parse(*text);
      if (!ip) {
        error(where(*n), what("source_address") + ": expected " + ip_example + ", got " + quote(*text));
      } else if (std::find(out.source_addresses.begin(), out.source_addresses.end(), ip->to_string()) ==
                 out.source_addresses.end()) {
        std::string known;
        for (const auto& a : out.source_addresses) known += (known.empty() ? "" : ", ") + a;
        error(where(*n), what("source_address") + ": " + ip->to_string() + " is not one of source_addresses " +
                             (known.empty() ? "(none is set)" : "(" + known + ")"));
      } else if (out.selection != source_selection::per_user) {
        error(where(*n), what("source_address") + ": only used with source_selection = \"per_user\"");
      } else {
        user.source_address = ip->to_string();
      }
    }
  }
  if (const auto* n = table.get("max_connections"))
    if (auto v = read_integer(*n, what("max_connections"), 0, rules::max_connections))
      user.max_connections = static_cast<std::uint32_t>(*v);
  if (const auto* n = table.get("access")) read_access(*n, what("access"), "[egress.user.access]", user.access);
  out.users.push_back(std::move(user));
}

}  // namespace staticgate::config::detail

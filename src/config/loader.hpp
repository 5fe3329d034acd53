// Internal to the config loader: the one-pass `loader` shared by load.cpp (global, admin,
// listeners, target groups) and load_egress.cpp ([[egress]]). Nothing outside src/config
// includes this; the rest of the program sees load.hpp and the model only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "config/load.hpp"

namespace staticgate::config::detail {

struct position {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

inline position where(const toml::source_region& region) { return {region.begin.line, region.begin.column}; }
inline position where(const toml::node& node) { return where(node.source()); }
inline position where(const toml::key& key) { return where(key.source()); }

// For "expected X, got <phrase>": "a table", "an integer", ...
std::string type_phrase(const toml::node& node);

// "ctx: key", or just "key" where the context goes without saying ([global]).
inline std::string label(const std::string& ctx, std::string_view key) {
  return ctx.empty() ? std::string(key) : ctx + ": " + std::string(key);
}

template <typename T>
struct choice {
  std::string_view word;
  T value;
};

// One pass over one document. Readers record a diagnostic and return nullopt
// on a bad value, then carry on with the next key.
class loader {
 public:
  loader(std::string_view source, const local_address_check& is_local, const getenv_function& getenv)
      : source_(source), is_local_(is_local), getenv_(getenv) {}

  load_result run(const toml::table& root);

 private:
  // An address bound by a listener or an egress server; each address may be bound once.
  struct bind_use {
    net::endpoint address;
    std::size_t owner;  // one number per listener or egress table
    std::string owner_text;  // "listener \"web\"", "egress \"out\"", for the message
    position at;
  };
  struct group_reference {
    std::string ctx;  // the listener, for the message
    std::string group;
    position at;
  };

  void error(position at, std::string message) {
    errors_.push_back({source_, at.line, at.column, std::move(message)});
  }

  // Generic readers (load.cpp).
  void reject_unknown_keys(const toml::table& table, std::string_view place,
                           std::span<const std::string_view> allowed);
  const toml::node* require(const toml::table& table, std::string_view key, const std::string& ctx);
  template <typename F>
  void for_each_table(const toml::node& node, std::string_view key, F&& read);

  std::optional<bool> read_bool(const toml::node& node, const std::string& what);
  std::optional<std::int64_t> read_integer(const toml::node& node, const std::string& what,
                                           std::int64_t low, std::int64_t high);
  std::optional<std::string> read_string(const toml::node& node, const std::string& what);
  std::optional<duration> read_positive_duration(const toml::node& node, const std::string& what);
  std::optional<duration> read_bounded_duration(const toml::node& node, const std::string& what, duration high,
                                                std::string_view high_text);
  std::optional<double> read_number(const toml::node& node, const std::string& what, double low, double high);
  template <typename T, std::size_t N>
  std::optional<T> read_choice(const toml::node& node, const std::string& what,
                               const choice<T> (&choices)[N]);
  std::optional<net::endpoint> read_endpoint(const toml::node& node, const std::string& what);
  std::optional<std::string> read_name(const toml::table& table, const std::string& ctx,
                                       std::string_view kind, std::map<std::string, position>& seen);
  void read_binds(const toml::node& node, const std::string& ctx, const std::string& owner_text,
                  std::vector<net::endpoint>& out);
  void read_name_servers(const toml::node& node, const std::string& what, std::vector<std::string>& out);

  // Ingress (load.cpp).
  void read_admin(const toml::node& node);
  void read_global(const toml::node& node);
  void read_listener(const toml::table& table, std::size_t index);
  void read_group(const toml::table& table, std::size_t index);
  void read_targets(const toml::node& node, const std::string& ctx, target_group& out, bool required);
  void read_maglev_table_size(const toml::table& table, std::size_t target_count,
                              const std::string& ctx, target_group& out);
  void read_health_check(const toml::node& node, const std::string& ctx, target_group& out);
  void read_discovery(const toml::node& node, const std::string& ctx, target_group& out);
  void read_dns_discovery(const toml::table& table, const std::string& what, dns_discovery& out);
  void read_http_probe(const toml::table& table, const std::string& hc, health_check& out);
  void check_group_references();

  // AWS mode (load_aws.cpp).
  void read_aws(const toml::node& node);
  void read_aws_target_group(const toml::node& node, const std::string& what, target_group& out);
  std::vector<std::string> read_id_list(const toml::node& node, const std::string& what, std::string_view prefix,
                                        bool required_non_empty);

  // Egress (load_egress.cpp).
  struct user_sources {
    std::map<std::string, std::string> file_hashes;  // credentials_file's users and hashes
    bool file_read = false;  // credentials_file set and read without problems
  };
  void read_egress(const toml::table& table, std::size_t index);
  void read_protocols(const toml::node& node, const std::string& what, egress_server& out);
  void read_source_addresses(const toml::node& node, const std::string& what, egress_server& out);
  void read_access(const toml::node& node, const std::string& what, std::string_view written, egress_access& out);
  std::optional<egress_rule> read_rule(const toml::node& node, const std::string& what);
  bool read_credentials_file(const toml::node& node, const std::string& what, egress_server& out,
                             user_sources& sources);
  void read_egress_user(const toml::table& table, std::size_t index, const std::string& server_ctx,
                        const user_sources& sources, egress_server& out, std::map<std::string, position>& seen);

  std::string source_;
  const local_address_check& is_local_;
  const getenv_function& getenv_;
  std::vector<diagnostic> errors_;
  config config_;
  std::map<std::string, position> listener_names_;
  std::map<std::string, position> group_names_;
  std::map<std::string, position> egress_names_;
  std::vector<bind_use> binds_;
  std::size_t bind_owners_ = 0;
  std::vector<group_reference> references_;
};

// Calls read(table, index) for each [[key]] table.
template <typename F>
void loader::for_each_table(const toml::node& node, std::string_view key, F&& read) {
  const std::string expected = std::string(key) + ": expected an array of tables, written [[" +
                               std::string(key) + "]], got ";
  const auto* array = node.as_array();
  if (!array) {
    error(where(node), expected + type_phrase(node));
    return;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* table = element.as_table())
      read(*table, i);
    else
      error(where(element), expected + "an array containing " + type_phrase(element));
  }
}

template <typename T, std::size_t N>
std::optional<T> loader::read_choice(const toml::node& node, const std::string& what,
                                     const choice<T> (&choices)[N]) {
  const auto* text = node.as_string();
  if (text) {
    for (const auto& c : choices)
      if (c.word == text->get()) return c.value;
  }
  std::string words;
  for (const auto& c : choices) words += (words.empty() ? "" : ", ") + std::string(c.word);
  error(where(node), what + ": expected one of " + words + "; got " +
                         (text ? quote(text->get()) : type_phrase(node)));
  return std::nullopt;
}

}  // namespace staticgate::config::detail

// Reads a staticgate TOML configuration and validates all of it, so the rest of
// the program only ever sees a config that can run. The TOML library stays
// behind this header.
#pragma once

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/duration.hpp"
#include "config/local_address.hpp"
#include "config/model.hpp"

namespace staticgate::config {

struct load_result {
  std::optional<config> value;     // set only when errors is empty
  std::vector<diagnostic> errors;  // every problem found, in document order
  bool ok() const { return value.has_value(); }
};

// Reads an environment variable, with ::getenv's contract (nullptr when unset), so tests can
// inject one. The same type as egress::getenv_function.
using getenv_function = std::function<const char*(const char*)>;

// Parses and validates toml_text. source_name is used in diagnostics only.
// Does not stop at the first problem: each one is reported at the line and
// column of the key or value at fault. is_local decides whether a bind address
// (or an egress source address) belongs to this host (see local_address.hpp).
// getenv supplies the egress users' password_env / password_hash_env values,
// which are read, checked and hashed here. An egress credentials_file is read
// from the file system here too.
load_result parse(std::string_view toml_text, std::string_view source_name,
                  const local_address_check& is_local = is_local_address,
                  const getenv_function& getenv = ::getenv);

// parse() on the contents of a file; a file that cannot be read gives one
// diagnostic with no line.
load_result load_file(const std::string& path,
                      const local_address_check& is_local = is_local_address,
                      const getenv_function& getenv = ::getenv);

}  // namespace staticgate::config

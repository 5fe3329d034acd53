// state_store over files in one directory, one file per key.
//
// File name: the key with every byte outside [A-Za-z0-9_-] (and '.') percent-encoded as %XX, a
// leading '.' encoded too (so no "." / ".." / hidden files), plus ".json". Names that would be
// longer than 200 bytes are cut and end in a 64-bit FNV-1a hash of the whole key. Distinct keys
// give distinct names (up to hash collisions for very long keys).
//
// save() is atomic and durable: write a temporary file in the same directory (mkstemp, mode
// 0600), fsync it, rename() it over the target, fsync the directory. A failure at any step
// removes the temporary file and reports the step, the path and strerror(errno).
// The directory must exist (the caller creates it at start-up, where a bad path is a config error).
// Blocking I/O: run on the control thread, not a worker.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "discovery/state_store.hpp"

namespace staticgate::discovery {

class file_state_store final : public state_store {
 public:
  explicit file_state_store(std::filesystem::path state_dir);

  std::optional<std::string> load(const std::string& key, std::string& error) override;
  bool save(const std::string& key, const std::string& bytes, std::string& error) override;

  // The file a key maps to (empty key: empty path; load/save reject it).
  std::filesystem::path path_for(const std::string& key) const;
  static std::string file_name_for(const std::string& key);

 private:
  const std::filesystem::path state_dir_;
};

}  // namespace staticgate::discovery

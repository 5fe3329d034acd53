// Where the DNS sync keeps its state between runs (sync_decision.hpp: sync_state, encoded by
// state_codec.hpp). Implementations: file_state_store (a directory) and aws::s3_state_store
// (an S3 bucket, shared by several controllers).
#pragma once

#include <optional>
#include <string>

namespace staticgate::discovery {

// What a load saw: the bytes and a version token for a later conditional save (an S3 ETag;
// "" where the store has no versions).
struct versioned_bytes {
  std::string bytes;
  std::string version;
};

enum class save_outcome {
  saved,
  conflict,  // someone else wrote the key since the version given: load again and redo
  failed,
};

class state_store {
 public:
  virtual ~state_store() = default;

  // The bytes saved under `key`. nullopt with an empty `error`: nothing saved under that key
  // yet (a first run). nullopt with a non-empty `error`: reading failed; the caller must not
  // treat that as "no state" (it would forget pending deregistrations and counters).
  virtual std::optional<std::string> load(const std::string& key, std::string& error) = 0;

  // Replaces the bytes under `key`, all or nothing: after a crash a load() sees either the old
  // or the new bytes. false with `error` set on failure.
  virtual bool save(const std::string& key, const std::string& bytes, std::string& error) = 0;

  // For stores shared by several writers. load_versioned() is load() plus the version read.
  // save_if() writes only if the key is still at `expected_version` ("" = the key must not
  // exist yet); `new_version` receives the version written. A store without versions (a
  // directory owned by one process) ignores the versions and saves.
  virtual std::optional<versioned_bytes> load_versioned(const std::string& key, std::string& error) {
    auto bytes = load(key, error);
    if (!bytes) return std::nullopt;
    return versioned_bytes{.bytes = std::move(*bytes), .version = ""};
  }
  virtual save_outcome save_if(const std::string& key, const std::string& bytes, const std::string& expected_version,
                               std::string& new_version, std::string& error) {
    (void)expected_version;
    new_version.clear();
    return save(key, bytes, error) ? save_outcome::saved : save_outcome::failed;
  }
  // True when save_if() really compares versions (several controllers may share the store).
  virtual bool versioned() const { return false; }
};

}  // namespace staticgate::discovery

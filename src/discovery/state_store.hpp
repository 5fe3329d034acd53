// Where the DNS sync keeps its state between runs (sync_decision.hpp: sync_state, encoded by
// state_codec.hpp). Implementations: file_state_store (a directory); S3 or similar can follow.
#pragma once

#include <optional>
#include <string>

namespace staticgate::discovery {

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
};

}  // namespace staticgate::discovery

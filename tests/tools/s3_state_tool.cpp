// Test helper for tests/integration/test_s3_state_store.py: one s3_state_store operation per
// run, the answer as one JSON line on stdout.
//
//   s3_state_tool load KEY               -> {"found": true, "bytes": "...", "version": "\"etag\""}
//                                           {"found": false} | {"error": "..."}
//   s3_state_tool save-if KEY VERSION    (bytes on stdin; VERSION "" = create only)
//                                        -> {"outcome": "saved"|"conflict"|"failed",
//                                            "version": "...", "error": "..."}
//   s3_state_tool save KEY               (bytes on stdin) -> {"saved": true|false, "error": "..."}
//
// Where, from the environment: S3_ENDPOINT_URL, S3_REGION, S3_BUCKET, S3_PREFIX, and the keys
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN optional). S3_BASE_DELAY_MS
// (default 1000) shortens the retry backoff. Exit status: 0 when the store answered (whatever it
// answered), 2 for bad usage or a bad location.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "aws/s3_state_store.hpp"

namespace aws = staticgate::aws;
using nlohmann::json;
using staticgate::discovery::save_outcome;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string read_stdin() { return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()}; }

void print(const json& j) { std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n'; }

const char* name_of(save_outcome outcome) {
  switch (outcome) {
    case save_outcome::saved: return "saved";
    case save_outcome::conflict: return "conflict";
    case save_outcome::failed: return "failed";
  }
  return "?";
}

int usage() {
  std::cerr << "usage: s3_state_tool load KEY | save-if KEY VERSION | save KEY  (bytes on stdin)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string command = argv[1];
  const std::string key = argv[2];
  try {
    auto credentials = std::make_shared<aws::static_credential_provider>(
        aws::credentials{.access_key_id = env("AWS_ACCESS_KEY_ID"), .secret_access_key = env("AWS_SECRET_ACCESS_KEY"),
                         .session_token = env("AWS_SESSION_TOKEN"), .expiration = std::nullopt, .source = "environment"});
    aws::service_client_options options;
    if (const auto delay = env("S3_BASE_DELAY_MS"); !delay.empty())
      options.retries.base_delay = std::chrono::milliseconds(std::stol(delay));
    aws::s3_state_store store({.region = env("S3_REGION"), .bucket = env("S3_BUCKET"), .prefix = env("S3_PREFIX"),
                               .endpoint_url = env("S3_ENDPOINT_URL")},
                              credentials, options);
    std::string error;
    if (command == "load" && argc == 3) {
      const auto read = store.load_versioned(key, error);
      if (read) print({{"found", true}, {"bytes", read->bytes}, {"version", read->version}});
      else if (error.empty()) print({{"found", false}});
      else print({{"error", error}});
      return 0;
    }
    if (command == "save-if" && argc == 4) {
      std::string version;
      const auto outcome = store.save_if(key, read_stdin(), argv[3], version, error);
      print({{"outcome", name_of(outcome)}, {"version", version}, {"error", error}});
      return 0;
    }
    if (command == "save" && argc == 3) {
      const bool saved = store.save(key, read_stdin(), error);
      print({{"saved", saved}, {"error", error}});
      return 0;
    }
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "s3_state_tool: " << e.what() << '\n';
    return 2;
  }
}

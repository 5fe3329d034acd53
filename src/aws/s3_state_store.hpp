// discovery::state_store in an S3 bucket, shareable by several controllers: each key is one
// object, prefix + key, and its ETag is the version that save_if() compares (conditional
// writes, s3_conditional.hpp), so two controllers syncing the same names cannot overwrite each
// other's state unseen: the loser gets save_outcome::conflict, reads again and decides again
// (discovery/external_group_sync.cpp).
//
// Requests: GET and PUT of https://BUCKET.s3.REGION.amazonaws.com/KEY (virtual-hosted style);
// path style https://s3.REGION.amazonaws.com/BUCKET/KEY for bucket names with dots (TLS
// wildcards cover one label) and always ENDPOINT_URL/BUCKET/KEY with an endpoint override
// (emulators, VPC endpoints). The key is percent-encoded as SigV4 wants it for S3 ('/' kept).
// Signed with SigV4 (x-amz-content-sha256 over the body) and retried (standard mode) by
// service_client.
//
// Outcomes:
//   load: 200 -> the bytes and the ETag; 404 NoSuchKey -> "no state" (nullopt, error empty);
//         anything else -> an error naming the operation, the object, S3's code and message,
//         the HTTP status and the request id (never "no state": a 403 or a missing bucket must
//         not make the sync forget its pending deregistrations).
//   save_if: 2xx -> saved (new_version = the ETag answered); 412 PreconditionFailed,
//         409 ConditionalRequestConflict, and 404 NoSuchKey to an If-Match -> conflict;
//         anything else after retries -> failed, described like a load error.
//
// A retried conditional PUT can report a conflict for its own write: when the first attempt
// was stored but its answer was lost (a reset, a timeout), the retry finds the key at the new
// ETag and gets 412. That is safe, not wrong: the caller must treat a conflict as "read again
// and decide again" (external_group_sync does), and deciding again from the state it wrote
// itself gives the same result.
//
// An ETag names content, not a write: writing back identical bytes gives the same ETag, so an
// If-Match can succeed across such a write. Harmless here: the state the caller decided from
// is exactly the state stored.
//
// Limits: an S3-compatible server that ignores If-Match / If-None-Match (older MinIO, s3rver)
// silently turns save_if() into an unconditional save; AWS S3 honours both. Blocking: run on a
// worker thread, not on an event loop.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/service_client.hpp"
#include "discovery/state_store.hpp"

namespace staticgate::aws {

struct s3_state_location {
  std::string region;        // required: the SigV4 signing region, also with endpoint_url
  std::string bucket;        // required
  std::string prefix;        // prepended as is: "staticgate/" keeps the keys under a folder
  std::string endpoint_url;  // "" = https://s3.REGION.amazonaws.com; an override uses path style
};

class s3_state_store final : public discovery::state_store {
 public:
  // Throws std::invalid_argument for an empty bucket or region or a malformed endpoint_url
  // (start-up configuration errors).
  s3_state_store(s3_state_location location, std::shared_ptr<credential_provider> credentials,
                 service_client_options options = {});

  std::optional<std::string> load(const std::string& key, std::string& error) override;
  bool save(const std::string& key, const std::string& bytes, std::string& error) override;
  std::optional<discovery::versioned_bytes> load_versioned(const std::string& key, std::string& error) override;
  discovery::save_outcome save_if(const std::string& key, const std::string& bytes, const std::string& expected_version,
                                  std::string& new_version, std::string& error) override;
  bool versioned() const override { return true; }

  // "s3://bucket/prefix", for logs.
  std::string description() const;
  // The URL a state key is read from and written to (key not checked).
  std::string object_url(const std::string& key) const;

 private:
  // prefix + key, or "" with `error` set when S3 cannot hold it.
  std::string object_key(const std::string& key, std::string& error) const;
  call_result put(const std::string& object, const std::string& bytes, const header* precondition);
  std::string describe_failure(std::string_view method, const std::string& object, const call_result& result) const;

  const s3_state_location location_;
  service_client client_;
};

}  // namespace staticgate::aws

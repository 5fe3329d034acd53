// What S3's object requests mean for a state store, as pure decisions (no I/O): which object
// keys can be sent at all, which precondition header a conditional PUT carries, and what each
// answer to a GET or a conditional PUT comes to. s3_state_store.hpp does the requests.
//
// Conditional writes (S3 since November 2024; RFC 7232 semantics):
//   expected version ""   -> If-None-Match: *     (create only: the key must not exist)
//   expected version ETAG -> If-Match: ETAG       (replace only that version)
// S3 answers 412 PreconditionFailed when the condition fails, 409 ConditionalRequestConflict
// when another conditional write to the key is in flight, and 404 NoSuchKey to an If-Match
// whose key has been deleted meanwhile. All three mean "the key is not at the version you
// read": a conflict, after which the caller reads again and decides again.
#pragma once

#include <string>
#include <string_view>

#include "aws/sigv4.hpp"
#include "discovery/state_store.hpp"

namespace staticgate::aws {

// S3 keys are at most 1024 bytes.
inline constexpr std::size_t s3_max_key_bytes = 1024;

// Why `key` cannot be stored as an S3 object key, "" when it can. Refused: the empty key, keys
// over 1024 bytes, and keys with a "." or ".." path segment (HTTP clients remove those from a
// URL before sending it, so the request would name, and be signed for, another key).
std::string s3_key_problem(std::string_view key);

// The precondition header of a conditional PUT (see above).
header conditional_put_header(std::string_view expected_version);

// A GET of an object.
enum class s3_get_verdict {
  found,    // 2xx: the body is the object
  missing,  // 404 NoSuchKey: no object under that key (and the bucket exists)
  failed,   // anything else, including 404 NoSuchBucket and 403 (which S3 also answers for a
            // missing key when the caller may not list the bucket)
};
s3_get_verdict classify_get(int http_status, std::string_view error_code);

// A conditional PUT (see above); `had_expected_version`: If-Match was sent (not If-None-Match).
discovery::save_outcome classify_conditional_put(int http_status, std::string_view error_code,
                                                 bool had_expected_version);

// A hint for a failure a person can act on ("" when there is none to add), e.g. for 403 on a
// GET: S3 answers AccessDenied instead of NoSuchKey when s3:ListBucket is not granted.
std::string s3_failure_hint(std::string_view method, int http_status, std::string_view error_code);

}  // namespace staticgate::aws

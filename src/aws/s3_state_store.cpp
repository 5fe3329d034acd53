#include "aws/s3_state_store.hpp"

#include <stdexcept>
#include <utility>

#include "aws/s3_conditional.hpp"

namespace staticgate::aws {

namespace {

// The object's content type: the sync state is JSON (discovery/state_codec.hpp). Set
// explicitly, or libcurl would label a PUT body application/x-www-form-urlencoded.
constexpr std::string_view state_content_type = "application/json";

std::string header_value(const http_response& response, std::string_view name) {
  const header* h = find_header(response.headers, name);
  return h ? h->value : std::string{};
}

const s3_state_location& checked(const s3_state_location& location) {
  if (location.bucket.empty()) throw std::invalid_argument("S3 state store: the bucket name is empty");
  if (location.region.empty()) throw std::invalid_argument("S3 state store: the region is empty (SigV4 signs with it)");
  (void)s3_object_url(location.region, location.bucket, "", location.endpoint_url);  // throws when malformed
  return location;
}

}  // namespace

s3_state_store::s3_state_store(s3_state_location location, std::shared_ptr<credential_provider> credentials,
                               service_client_options options)
    : location_(std::move(location)),
      client_(endpoint_for("s3", checked(location_).region, location_.endpoint_url), std::move(credentials),
              std::move(options)) {}

std::string s3_state_store::description() const { return "s3://" + location_.bucket + "/" + location_.prefix; }

std::string s3_state_store::object_url(const std::string& key) const {
  return s3_object_url(location_.region, location_.bucket, location_.prefix + key, location_.endpoint_url);
}

std::string s3_state_store::object_key(const std::string& key, std::string& error) const {
  if (key.empty()) {
    error = "state key is empty";
    return {};
  }
  std::string object = location_.prefix + key;
  if (auto problem = s3_key_problem(object); !problem.empty()) {
    error = "cannot store state key \"" + key + "\" in " + description() + ": " + problem;
    return {};
  }
  return object;
}

std::string s3_state_store::describe_failure(std::string_view method, const std::string& object,
                                             const call_result& result) const {
  call_result shown = result;
  if (shown.error && shown.error->request_id.empty())
    shown.error->request_id = header_value(shown.response, "x-amz-request-id");
  std::string out = std::string(method) + " s3://" + location_.bucket + "/" + object + ": " + shown.describe();
  const auto code = shown.error ? shown.error->code : std::string{};
  if (auto hint = s3_failure_hint(method, shown.response.status, code); !hint.empty()) out += " (" + hint + ")";
  return out;
}

std::optional<discovery::versioned_bytes> s3_state_store::load_versioned(const std::string& key, std::string& error) {
  error.clear();
  const auto object = object_key(key, error);
  if (object.empty()) return std::nullopt;
  outgoing_request request;
  request.method = "GET";
  request.url = s3_object_url(location_.region, location_.bucket, object, location_.endpoint_url);
  const call_result result = client_.send(request);
  switch (classify_get(result.response.status, result.error ? result.error->code : std::string{})) {
    case s3_get_verdict::missing:
      return std::nullopt;  // no state yet: error stays empty
    case s3_get_verdict::failed:
      error = describe_failure("GET", object, result);
      return std::nullopt;
    case s3_get_verdict::found:
      break;
  }
  auto etag = header_value(result.response, "ETag");
  if (etag.empty()) {
    // Without a version a conditional save could never succeed; say so now.
    error = "GET s3://" + location_.bucket + "/" + object + ": the answer has no ETag, which conditional saves need";
    return std::nullopt;
  }
  return discovery::versioned_bytes{.bytes = result.response.body, .version = std::move(etag)};
}

std::optional<std::string> s3_state_store::load(const std::string& key, std::string& error) {
  auto read = load_versioned(key, error);
  if (!read) return std::nullopt;
  return std::move(read->bytes);
}

call_result s3_state_store::put(const std::string& object, const std::string& bytes, const header* precondition) {
  outgoing_request request;
  request.method = "PUT";
  request.url = s3_object_url(location_.region, location_.bucket, object, location_.endpoint_url);
  request.headers.push_back(header{.name = "Content-Type", .value = std::string(state_content_type)});
  if (precondition) request.headers.push_back(*precondition);
  request.body = bytes;
  return client_.send(request);
}

bool s3_state_store::save(const std::string& key, const std::string& bytes, std::string& error) {
  error.clear();
  const auto object = object_key(key, error);
  if (object.empty()) return false;
  const call_result result = put(object, bytes, nullptr);
  if (result.ok) return true;
  error = describe_failure("PUT", object, result);
  return false;
}

discovery::save_outcome s3_state_store::save_if(const std::string& key, const std::string& bytes,
                                                const std::string& expected_version, std::string& new_version,
                                                std::string& error) {
  error.clear();
  new_version.clear();
  const auto object = object_key(key, error);
  if (object.empty()) return discovery::save_outcome::failed;
  const header precondition = conditional_put_header(expected_version);
  const call_result result = put(object, bytes, &precondition);
  const auto outcome = classify_conditional_put(result.response.status, result.error ? result.error->code : std::string{},
                                                !expected_version.empty());
  switch (outcome) {
    case discovery::save_outcome::saved:
      new_version = header_value(result.response, "ETag");
      break;
    case discovery::save_outcome::conflict:
      break;
    case discovery::save_outcome::failed:
      error = describe_failure("PUT", object, result);
      break;
  }
  return outcome;
}

}  // namespace staticgate::aws

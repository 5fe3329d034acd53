// s3_state_store against the scripted server: URL shapes, the headers sent, and what each S3
// answer comes to (no state, conflict, retried, failed with a useful message).
#include "aws/s3_state_store.hpp"

#include <gtest/gtest.h>

#include "scripted_http_server.hpp"

namespace aws = staticgate::aws;
using staticgate::discovery::save_outcome;
using staticgate::test::respond;
using staticgate::test::scripted_server;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<aws::credential_provider> test_keys() {
  return std::make_shared<aws::static_credential_provider>(
      aws::credentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret", .session_token = "",
                       .expiration = std::nullopt, .source = "test"});
}

aws::service_client_options no_sleep() {
  aws::service_client_options o;
  o.http.connect_timeout = 300ms;
  o.http.timeout = 1000ms;
  o.sleep = [](std::chrono::milliseconds) {};
  o.random = [] { return 0.5; };
  return o;
}

aws::s3_state_store store_at(const scripted_server& server, std::string prefix = "state/") {
  return aws::s3_state_store({.region = "eu-west-1", .bucket = "gate-state", .prefix = std::move(prefix),
                              .endpoint_url = server.url("")},
                             test_keys(), no_sleep());
}

std::string s3_error(const std::string& code, const std::string& message, const std::string& request_id = "REQ1") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>" + request_id + "</RequestId></Error>";
}

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST(S3StateStore, UrlsAreVirtualHostedOnAwsAndPathStyleForDotsAndOverrides) {
  aws::s3_state_store aws_store({.region = "eu-west-1", .bucket = "gate-state", .prefix = "sg/", .endpoint_url = ""},
                                test_keys());
  EXPECT_EQ(aws_store.object_url("web/api.example.com"),
            "https://gate-state.s3.eu-west-1.amazonaws.com/sg/web/api.example.com");
  EXPECT_EQ(aws_store.description(), "s3://gate-state/sg/");
  aws::s3_state_store dotted({.region = "eu-west-1", .bucket = "gate.state", .prefix = "", .endpoint_url = ""},
                             test_keys());
  EXPECT_EQ(dotted.object_url("web/a"), "https://s3.eu-west-1.amazonaws.com/gate.state/web/a");
  aws::s3_state_store local({.region = "eu-west-1", .bucket = "gate-state", .prefix = "p/",
                             .endpoint_url = "http://127.0.0.1:9000/"},
                            test_keys());
  // SigV4's encoding for S3: unreserved kept, '/' kept, every other byte %XX.
  EXPECT_EQ(local.object_url("web/a b+c&d=e?f#g~h_i-j.k/ü"),
            "http://127.0.0.1:9000/gate-state/p/web/a%20b%2Bc%26d%3De%3Ff%23g~h_i-j.k/%C3%BC");
}

TEST(S3StateStore, BadLocationsAreRefusedAtConstruction) {
  EXPECT_THROW(aws::s3_state_store({.region = "eu-west-1", .bucket = "", .prefix = "", .endpoint_url = ""}, test_keys()),
               std::invalid_argument);
  EXPECT_THROW(aws::s3_state_store({.region = "", .bucket = "b-1", .prefix = "", .endpoint_url = "http://127.0.0.1:1"},
                                   test_keys()),
               std::invalid_argument);
  EXPECT_THROW(aws::s3_state_store({.region = "eu-west-1", .bucket = "b-1", .prefix = "", .endpoint_url = "ftp://x"},
                                   test_keys()),
               std::invalid_argument);
}

TEST(S3StateStore, LoadGetsTheObjectSignedForS3AndKeepsTheEtag) {
  scripted_server server({respond(200, "{\"v\":1}", "ETag: \"abc123\"\r\nx-amz-request-id: R\r\n")});
  auto store = store_at(server);
  std::string error;
  const auto read = store.load_versioned("web/api.example.com", error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(error, "");
  EXPECT_EQ(read->bytes, "{\"v\":1}");
  EXPECT_EQ(read->version, "\"abc123\"");
  ASSERT_EQ(server.requests().size(), 1u);
  const auto req = server.requests()[0];
  EXPECT_TRUE(req.starts_with("GET /gate-state/state/web/api.example.com HTTP/1.1\r\n")) << req;
  EXPECT_TRUE(has(req, "/eu-west-1/s3/aws4_request")) << req;
  // The SHA-256 of the empty body.
  EXPECT_TRUE(has(req, "X-Amz-Content-SHA256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
      << req;
}

TEST(S3StateStore, SpecialCharactersInKeysAreSentEncoded) {
  scripted_server server({respond(200, "x", "ETag: \"e\"\r\n")});
  auto store = store_at(server, "");
  std::string error;
  ASSERT_TRUE(store.load("g 1/a+b&c", error)) << error;
  EXPECT_TRUE(server.requests()[0].starts_with("GET /gate-state/g%201/a%2Bb%26c HTTP/1.1\r\n"))
      << server.requests()[0];
}

TEST(S3StateStore, MissingKeyIsNoStateNotAnError) {
  scripted_server server({respond(404, s3_error("NoSuchKey", "The specified key does not exist."))});
  auto store = store_at(server);
  std::string error = "stale";
  EXPECT_FALSE(store.load_versioned("web/a", error));
  EXPECT_EQ(error, "");
}

TEST(S3StateStore, MissingBucketIsAnErrorNeverNoState) {
  scripted_server server({respond(404, s3_error("NoSuchBucket", "The specified bucket does not exist", "R404"))});
  auto store = store_at(server);
  std::string error;
  EXPECT_FALSE(store.load("web/a", error));
  EXPECT_TRUE(has(error, "GET s3://gate-state/state/web/a")) << error;
  EXPECT_TRUE(has(error, "NoSuchBucket: The specified bucket does not exist (HTTP 404, request id R404)")) << error;
  EXPECT_TRUE(has(error, "bucket does not exist")) << error;
}

TEST(S3StateStore, AccessDeniedOnLoadIsAnErrorWithTheListBucketHint) {
  scripted_server server({respond(403, s3_error("AccessDenied", "Access Denied"))});
  auto store = store_at(server);
  std::string error;
  EXPECT_FALSE(store.load("web/a", error));
  EXPECT_TRUE(has(error, "AccessDenied: Access Denied (HTTP 403, request id REQ1)")) << error;
  EXPECT_TRUE(has(error, "s3:ListBucket")) << error;
}

TEST(S3StateStore, AnswerWithoutEtagIsAnError) {
  scripted_server server({respond(200, "{}")});
  auto store = store_at(server);
  std::string error;
  EXPECT_FALSE(store.load_versioned("web/a", error));
  EXPECT_TRUE(has(error, "no ETag")) << error;
}

TEST(S3StateStore, ServerErrorsAreRetriedThenSucceed) {
  scripted_server server({respond(500, s3_error("InternalError", "We encountered an internal error.")),
                          respond(503, s3_error("SlowDown", "Please reduce your request rate.")),
                          respond(200, "{}", "ETag: \"e2\"\r\n")});
  auto store = store_at(server);
  std::string error;
  const auto read = store.load_versioned("web/a", error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->version, "\"e2\"");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(S3StateStore, PersistentServerErrorFailsWithCodeMessageRequestIdAndAttempts) {
  scripted_server server({respond(500, s3_error("InternalError", "We encountered an internal error.", "R1")),
                          respond(500, s3_error("InternalError", "We encountered an internal error.", "R2")),
                          respond(500, s3_error("InternalError", "We encountered an internal error.", "R3"))});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{}", "\"e1\"", version, error), save_outcome::failed);
  EXPECT_EQ(version, "");
  EXPECT_TRUE(has(error, "PUT s3://gate-state/state/web/a: InternalError: We encountered an internal error. "
                         "(HTTP 500, request id R3) after 3 attempts"))
      << error;
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(S3StateStore, ErrorBodyThatIsNotXmlStillNamesStatusAndRequestId) {
  scripted_server server({respond(400, "<html><body>Bad gateway config", "x-amz-request-id: HDR-ID\r\n")});
  auto store = store_at(server);
  std::string error;
  EXPECT_FALSE(store.load("web/a", error));
  EXPECT_TRUE(has(error, "HTTP 400")) << error;
  EXPECT_TRUE(has(error, "request id HDR-ID")) << error;
  EXPECT_FALSE(has(error, "<html>")) << error;  // bodies are never quoted
}

TEST(S3StateStore, FirstSaveIsCreateOnly) {
  scripted_server server({respond(200, "", "ETag: \"new1\"\r\n")});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{\"v\":2}", "", version, error), save_outcome::saved) << error;
  EXPECT_EQ(version, "\"new1\"");
  const auto req = server.requests().at(0);
  EXPECT_TRUE(req.starts_with("PUT /gate-state/state/web/a HTTP/1.1\r\n")) << req;
  EXPECT_TRUE(has(req, "If-None-Match: *\r\n")) << req;
  EXPECT_FALSE(has(req, "If-Match:")) << req;
  EXPECT_TRUE(has(req, "Content-Type: application/json\r\n")) << req;
  EXPECT_TRUE(req.ends_with("\r\n\r\n{\"v\":2}")) << req;
  // Signed: the precondition is part of the signature, so a proxy cannot strip it unseen.
  EXPECT_TRUE(has(req, "if-none-match")) << req;
}

TEST(S3StateStore, LaterSavesMatchTheVersionRead) {
  scripted_server server({respond(200, "", "ETag: \"new2\"\r\n")});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{}", "\"old1\"", version, error), save_outcome::saved) << error;
  EXPECT_EQ(version, "\"new2\"");
  const auto req = server.requests().at(0);
  EXPECT_TRUE(has(req, "If-Match: \"old1\"\r\n")) << req;
  EXPECT_FALSE(has(req, "If-None-Match")) << req;
}

TEST(S3StateStore, PreconditionFailedIsAConflictNotRetried) {
  scripted_server server({respond(412, s3_error("PreconditionFailed", "At least one of the pre-conditions you "
                                                                       "specified did not hold"))});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{}", "\"old\"", version, error), save_outcome::conflict);
  EXPECT_EQ(error, "");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3StateStore, ConcurrentConditionalWriteIsAConflict) {
  scripted_server server({respond(409, s3_error("ConditionalRequestConflict", "A conflicting operation occurred."))});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{}", "", version, error), save_outcome::conflict);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3StateStore, IfMatchOnADeletedKeyIsAConflict) {
  scripted_server server({respond(404, s3_error("NoSuchKey", "The specified key does not exist."))});
  auto store = store_at(server);
  std::string version, error;
  EXPECT_EQ(store.save_if("web/a", "{}", "\"gone\"", version, error), save_outcome::conflict) << error;
}

TEST(S3StateStore, UnconditionalSaveSendsNoPrecondition) {
  scripted_server server({respond(200, "", "ETag: \"n\"\r\n")});
  auto store = store_at(server);
  std::string error;
  EXPECT_TRUE(store.save("web/a", "{}", error)) << error;
  const auto req = server.requests().at(0);
  EXPECT_FALSE(has(req, "If-Match")) << req;
  EXPECT_FALSE(has(req, "If-None-Match")) << req;
}

TEST(S3StateStore, KeysS3CannotHoldAreRefusedWithoutARequest) {
  scripted_server server({});
  auto store = store_at(server, "");
  std::string version, error;
  EXPECT_FALSE(store.load("", error));
  EXPECT_TRUE(has(error, "state key is empty")) << error;
  EXPECT_EQ(store.save_if("web/..", "{}", "", version, error), save_outcome::failed);
  EXPECT_TRUE(has(error, "path segment")) << error;
  EXPECT_FALSE(store.load_versioned(std::string(2000, 'k'), error));
  EXPECT_TRUE(has(error, "at most 1024")) << error;
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(S3StateStore, UnreachableEndpointIsAnErrorNeverNoState) {
  int port = 0;
  {
    scripted_server gone({});
    port = std::stoi(gone.url("").substr(std::string("http://127.0.0.1:").size()));
  }
  aws::s3_state_store store({.region = "eu-west-1", .bucket = "gate-state", .prefix = "",
                             .endpoint_url = "http://127.0.0.1:" + std::to_string(port)},
                            test_keys(), no_sleep());
  std::string error;
  EXPECT_FALSE(store.load_versioned("web/a", error));
  EXPECT_TRUE(has(error, "GET s3://gate-state/web/a")) << error;
  EXPECT_TRUE(has(error, "connect")) << error;
}

TEST(S3StateStore, IsVersioned) {
  scripted_server server({});
  EXPECT_TRUE(store_at(server).versioned());
}

// The libcurl client against a scripted HTTP/1.1 server on 127.0.0.1 (port 0), run on a
// thread inside the test: retries, re-signing, keep-alive, timeouts, abrupt closes. Every
// wait is bounded (timeouts of a few hundred milliseconds).
#include "aws/http_client.hpp"

#include "scripted_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace aws = staticgate::aws;
using namespace std::chrono_literals;

namespace {

using staticgate::test::action;
using staticgate::test::reset_connection;
using staticgate::test::respond;
using staticgate::test::scripted_server;

aws::http_client_options fast_options() {
  aws::http_client_options o;
  o.connect_timeout = 300ms;
  o.timeout = 300ms;
  return o;
}

struct recorder {
  std::vector<std::chrono::milliseconds> sleeps;
  int signs = 0;
  aws::sign_fn sign() {
    return [this](aws::outgoing_request& r) {
      ++signs;
      r.headers.push_back(aws::header{"X-Attempt", std::to_string(signs)});
    };
  }
  aws::sleep_fn sleep() {
    return [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
  }
};

aws::outgoing_request get(const std::string& url) {
  aws::outgoing_request r;
  r.url = url;
  return r;
}

}  // namespace

TEST(HttpClient, PostsAndReadsResponse) {
  scripted_server server({respond(200, "hello", "X-Amzn-RequestId: abc\r\n")});
  aws::http_client client(fast_options());
  aws::outgoing_request r;
  r.method = "POST";
  r.url = server.url("/path?q=1");
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Empty", ""}};
  r.body = "Action=DescribeInstances";
  const aws::http_result res = client.send(r);
  ASSERT_FALSE(res.error) << res.error_message;
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(res.response.status, 200);
  EXPECT_EQ(res.response.body, "hello");
  const aws::header* id = aws::find_header(res.response.headers, "x-amzn-requestid");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->value, "abc");
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].starts_with("POST /path?q=1 HTTP/1.1\r\n")) << reqs[0];
  EXPECT_NE(reqs[0].find("\r\nX-Empty:"), std::string::npos) << reqs[0];
  EXPECT_EQ(reqs[0].find("Expect:"), std::string::npos) << reqs[0];
  EXPECT_TRUE(reqs[0].ends_with("\r\n\r\nAction=DescribeInstances")) << reqs[0];
}

TEST(HttpClient, ReusesTheConnection) {
  scripted_server server({respond(200, "a"), respond(404, "b"), respond(200, "c")});
  aws::http_client client(fast_options());
  EXPECT_EQ(client.send(get(server.url())).response.body, "a");
  EXPECT_EQ(client.send(get(server.url())).response.status, 404);
  EXPECT_EQ(client.send(get(server.url())).response.body, "c");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, TimeoutIsANetworkError) {
  scripted_server server({respond(200, "late", {}, 600ms)});
  aws::http_client client(fast_options());
  const auto start = std::chrono::steady_clock::now();
  const aws::http_result res = client.send(get(server.url()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 550ms);
  ASSERT_TRUE(res.error);
  EXPECT_EQ(*res.error, aws::network_error::timeout);
  EXPECT_FALSE(res.ok());
}

TEST(HttpClient, ResetAndClosedAreResets) {
  scripted_server server({reset_connection(), action{action::kind::close, {}, 0ms}});
  aws::http_client client(fast_options());
  aws::http_result res = client.send(get(server.url()));
  ASSERT_TRUE(res.error);
  EXPECT_EQ(*res.error, aws::network_error::reset) << res.error_message;
  res = client.send(get(server.url()));
  ASSERT_TRUE(res.error);
  EXPECT_EQ(*res.error, aws::network_error::reset) << res.error_message;
}

TEST(HttpClient, ConnectRefused) {
  int port = 0;
  {
    scripted_server gone({});
    port = std::stoi(gone.url().substr(std::string_view{"http://127.0.0.1:"}.size()));
  }
  aws::http_client client(fast_options());
  const aws::http_result res = client.send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_TRUE(res.error);
  EXPECT_EQ(*res.error, aws::network_error::connect_failed) << res.error_message;
}

TEST(HttpClient, CurlCodes) {
  EXPECT_EQ(aws::network_error_from_curl(7), aws::network_error::connect_failed);   // COULDNT_CONNECT
  EXPECT_EQ(aws::network_error_from_curl(28), aws::network_error::timeout);         // OPERATION_TIMEDOUT
  EXPECT_EQ(aws::network_error_from_curl(56), aws::network_error::reset);           // RECV_ERROR
  EXPECT_EQ(aws::network_error_from_curl(60), aws::network_error::tls);             // PEER_FAILED_VERIFICATION
  EXPECT_EQ(aws::network_error_from_curl(3), aws::network_error::other);            // URL_MALFORMAT
}

TEST(SendWithRetries, RetriesA503AndResigns) {
  scripted_server server({respond(503), respond(200, "ok")});
  aws::http_client client(fast_options());
  recorder rec;
  aws::retry_quota quota;
  const aws::http_result res = aws::send_with_retries(client, get(server.url()), rec.sign(), {}, quota,
                                                      rec.sleep(), [] { return 0.5; });
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(res.response.body, "ok");
  EXPECT_EQ(res.attempts, 2);
  EXPECT_EQ(res.verdict, aws::retry_verdict::succeeded);
  EXPECT_EQ(rec.signs, 2);
  ASSERT_EQ(rec.sleeps.size(), 1u);
  EXPECT_EQ(rec.sleeps[0], 500ms);
  EXPECT_EQ(quota.available(), 500);  // 5 taken, 5 refunded
  EXPECT_EQ(server.accepted(), 1);    // a 503 with a body length keeps the connection
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  // Each attempt starts from the unsigned request: one X-Attempt header each.
  EXPECT_NE(reqs[0].find("X-Attempt: 1\r\n"), std::string::npos);
  EXPECT_NE(reqs[1].find("X-Attempt: 2\r\n"), std::string::npos);
  EXPECT_EQ(reqs[1].find("X-Attempt: 1\r\n"), std::string::npos);
}

TEST(SendWithRetries, ThrottlingFromHeaderThenExhausted) {
  const std::string throttled = "x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/\r\n";
  scripted_server server({respond(400, "{}", throttled), respond(400, "{}", throttled), respond(400, "{}", throttled),
                          respond(200, "never")});
  aws::http_client client(fast_options());
  recorder rec;
  aws::retry_quota quota;
  const aws::http_result res = aws::send_with_retries(client, get(server.url()), rec.sign(), {}, quota,
                                                      rec.sleep(), [] { return 1.0; });
  EXPECT_FALSE(res.ok());
  EXPECT_EQ(res.response.status, 400);
  EXPECT_EQ(res.attempts, 3);
  EXPECT_EQ(res.verdict, aws::retry_verdict::attempts_exhausted);
  EXPECT_EQ(rec.sleeps, (std::vector<std::chrono::milliseconds>{1000ms, 2000ms}));
  EXPECT_EQ(quota.available(), 490);
}

TEST(SendWithRetries, NetworkErrorsAreRetried) {
  scripted_server server({reset_connection(), respond(200, "slow", {}, 400ms), respond(200, "ok")});
  aws::http_client client(fast_options());
  recorder rec;
  aws::retry_quota quota;
  aws::retry_policy policy;
  policy.max_attempts = 4;
  const aws::http_result res = aws::send_with_retries(client, get(server.url()), rec.sign(), policy, quota,
                                                      rec.sleep(), [] { return 0.0; });
  EXPECT_TRUE(res.ok()) << res.error_message;
  EXPECT_EQ(res.attempts, 3);
  EXPECT_EQ(rec.signs, 3);
  EXPECT_EQ(quota.available(), 500 - 5 - 10 + 10);
}

TEST(SendWithRetries, ClientErrorIsNotRetried) {
  scripted_server server({respond(403, "<Error><Code>AccessDenied</Code></Error>"), respond(200)});
  aws::http_client client(fast_options());
  recorder rec;
  aws::retry_quota quota;
  const aws::http_result res = aws::send_with_retries(
      client, get(server.url()), rec.sign(), {}, quota, rec.sleep(), [] { return 0.0; },
      [](const aws::http_response& r) { return r.body.find("AccessDenied") != std::string::npos ? "AccessDenied" : ""; });
  EXPECT_EQ(res.response.status, 403);
  EXPECT_EQ(res.attempts, 1);
  EXPECT_EQ(res.verdict, aws::retry_verdict::not_retryable);
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(SendWithRetries, SigV4SignerSignsEachAttemptAtItsTime) {
  scripted_server server({respond(500), respond(200)});
  aws::http_client client(fast_options());
  aws::retry_quota quota;
  int clock = 0;
  auto signer = aws::sigv4_signer(
      [] {
        aws::credentials c;
        c.access_key_id = "AKID";
        c.secret_access_key = "secret";
        c.session_token = "";
        return c;
      },
      "eu-west-1", "ec2",
      [&clock] {
        using namespace std::chrono;
        return sys_seconds{sys_days{2024y / January / 1}} + seconds{clock++};
      });
  aws::outgoing_request r = get(server.url("/?Action=DescribeRegions&Version=2016-11-15"));
  const aws::http_result res =
      aws::send_with_retries(client, r, signer, {}, quota, [](auto) {}, [] { return 0.0; });
  EXPECT_TRUE(res.ok());
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0].find("X-Amz-Date: 20240101T000000Z\r\n"), std::string::npos) << reqs[0];
  EXPECT_NE(reqs[1].find("X-Amz-Date: 20240101T000001Z\r\n"), std::string::npos) << reqs[1];
  EXPECT_NE(reqs[0].find("Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/ec2/aws4_request"),
            std::string::npos)
      << reqs[0];
  EXPECT_NE(reqs[0].find("Host: 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(reqs[1].find("X-Amz-Date: 20240101T000000Z"), std::string::npos);  // stale one replaced
}

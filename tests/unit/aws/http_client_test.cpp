// The libcurl client against a scripted HTTP/1.1 server on 127.0.0.1 (port 0), run on a
// thread inside the test: retries, re-signing, keep-alive, timeouts, abrupt closes. Every
// wait is bounded (timeouts of a few hundred milliseconds).
#include "aws/http_client.hpp"

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

// What the server does with the next request it reads.
struct action {
  enum class kind { respond, reset, close } what = kind::respond;
  std::string response;              // raw bytes, for respond
  std::chrono::milliseconds delay{0};  // before answering
};

action respond(int status, std::string body = {}, std::string extra_headers = {},
               std::chrono::milliseconds delay = 0ms) {
  action a;
  a.response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n" + extra_headers + "\r\n" + body;
  a.delay = delay;
  return a;
}

action reset_connection() {
  action a;
  a.what = action::kind::reset;
  return a;
}

class scripted_server {
 public:
  explicit scripted_server(std::vector<action> script) : script_(script.begin(), script.end()) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, sa, len) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, sa, &len) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~scripted_server() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) ::close(c.fd);
    ::close(listen_fd_);
  }

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
  }
  int accepted() const { return accepted_.load(); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct conn {
    int fd;
    std::string buffer;
  };

  // A complete request in buffer: its length, or 0.
  static size_t complete_request(const std::string& buffer) {
    const auto end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    size_t body = 0;
    std::string lower = buffer.substr(0, end);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (const auto cl = lower.find("content-length:"); cl != std::string::npos) {
      body = std::stoul(lower.substr(cl + 15));
    }
    return buffer.size() >= end + 4 + body ? end + 4 + body : 0;
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          conns_.push_back(conn{fd, {}});
          ++accepted_;
        }
      }
      std::vector<int> to_close;
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        conn& c = conns_[i - 1];
        char buf[4096];
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          to_close.push_back(c.fd);
          continue;
        }
        c.buffer.append(buf, static_cast<size_t>(n));
        const size_t len = complete_request(c.buffer);
        if (len == 0) continue;
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(c.buffer.substr(0, len));
        }
        c.buffer.erase(0, len);
        action a = respond(500, "script exhausted");
        if (!script_.empty()) {
          a = script_.front();
          script_.pop_front();
        }
        if (a.delay > 0ms) std::this_thread::sleep_for(a.delay);
        if (a.what == action::kind::respond) {
          (void)::send(c.fd, a.response.data(), a.response.size(), MSG_NOSIGNAL);
        } else {
          if (a.what == action::kind::reset) {
            linger l{1, 0};  // close with RST
            ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
          }
          to_close.push_back(c.fd);
        }
      }
      for (int fd : to_close) {
        ::close(fd);
        std::erase_if(conns_, [&](const conn& c) { return c.fd == fd; });
      }
    }
  }

  std::deque<action> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<conn> conns_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
};

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

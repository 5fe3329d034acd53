// The admin server and `staticgate status` over real loopback sockets.
#include "admin/admin_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "admin/status_client.hpp"
#include "fake_control.hpp"

namespace staticgate::admin {
namespace {

// Sends `request` as is and reads until the server closes.
std::string raw_request(int port, const std::string& request) {
  auto ep = *net::endpoint::parse("127.0.0.1:" + std::to_string(port));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, ep.data(), ep.size()) != 0) return "connect failed";
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string response;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.start();
    port = server.local_endpoint().port();
    ASSERT_NE(port, 0);
  }

  testing::fake_control control;
  admin_server server{control, *net::endpoint::parse("127.0.0.1:0")};
  int port = 0;
};

TEST_F(AdminServerTest, ServesRoutes) {
  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("# TYPE staticgate_workers gauge\n"), std::string::npos);

  auto missing = client.Get("/missing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto wrong = client.Delete("/healthz");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(AdminServerTest, DrainsUrlEncodedIpv6Target) {
  httplib::Client client("127.0.0.1", port);
  auto r = client.Post("/api/v1/target_groups/v6/targets/%5B%3A%3A1%5D%3A80/undrain");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["state"], "healthy");
  EXPECT_FALSE(control.snapshot().groups[1].targets[0].drained);

  // As `curl -X POST` sends it: no Content-Length at all.
  auto raw = raw_request(port, "POST /api/v1/target_groups/v6/targets/%5B%3A%3A1%5D%3A80/drain HTTP/1.1\r\n"
                               "Host: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_TRUE(control.snapshot().groups[1].targets[0].drained);

  r = client.Post("/api/v1/target_groups/backends/targets/10.0.0.2:80/drain", "ignored body", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(control.snapshot().groups[0].targets[1].drained);
}

TEST_F(AdminServerTest, SecondServerOnSamePortFailsClearly) {
  admin_server other(control, *net::endpoint::parse("127.0.0.1:" + std::to_string(port)));
  try {
    other.start();
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "admin endpoint: cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  }
}

TEST_F(AdminServerTest, StopIsIdempotent) {
  server.stop();
  server.stop();
  httplib::Client client("127.0.0.1", port);
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST_F(AdminServerTest, StatusCommandPrintsTableOrJson) {
  std::ostringstream out, err;
  EXPECT_EQ(run_status_command("127.0.0.1:" + std::to_string(port), false, out, err), 0) << err.str();
  EXPECT_EQ(out.str().rfind("staticgate 0.1.0, 4 workers, up 1h 02m\n", 0), 0u) << out.str();
  EXPECT_TRUE(err.str().empty());

  std::ostringstream json_out;
  EXPECT_EQ(run_status_command("127.0.0.1:" + std::to_string(port), true, json_out, err), 0);
  EXPECT_EQ(nlohmann::json::parse(json_out.str())["workers"], 4);
}

TEST(AdminServerIpv6Test, ServesOnLoopbackV6) {
  testing::fake_control control;
  admin_server server(control, *net::endpoint::parse("[::1]:0"));
  try {
    server.start();
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  std::ostringstream out, err;
  auto address = "[::1]:" + std::to_string(server.local_endpoint().port());
  EXPECT_EQ(run_status_command(address, false, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("TARGET GROUP v6 (maglev)"), std::string::npos);
}

TEST(StatusCommandTest, UnreachableOrInvalidAddressFails) {
  // Take a free port, then close it: nobody listens there.
  int port = 0;
  {
    testing::fake_control control;
    admin_server probe(control, *net::endpoint::parse("127.0.0.1:0"));
    probe.start();
    port = probe.local_endpoint().port();
  }
  std::ostringstream out, err;
  EXPECT_EQ(run_status_command("127.0.0.1:" + std::to_string(port), false, out, err), 1);
  EXPECT_TRUE(out.str().empty());
  EXPECT_NE(err.str().find("cannot reach the admin endpoint at 127.0.0.1:"), std::string::npos) << err.str();

  std::ostringstream err2;
  EXPECT_EQ(run_status_command("nonsense", false, out, err2), 1);
  EXPECT_NE(err2.str().find("invalid admin address 'nonsense'"), std::string::npos);
}

}  // namespace
}  // namespace staticgate::admin

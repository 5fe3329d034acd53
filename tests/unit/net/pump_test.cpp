// The pump over real loopback TCP sockets: bytes intact, EOF forwarded as a
// half-close, bounded memory when the destination does not read, errors.
#include "net/pump.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "net/socket.hpp"

namespace staticgate::net {
namespace {

// Two connected loopback TCP sockets: `app` (blocking, the test's end) and
// `proxy` (non-blocking, the pump's end).
struct tcp_pair {
  unique_fd app;
  unique_fd proxy;
};

tcp_pair make_pair() {
  std::error_code ec;
  auto listen_at = *endpoint::parse("127.0.0.1:0");
  auto listener = open_listener(listen_at, listen_options{.backlog = 4, .reuse_port = false}, ec);
  EXPECT_FALSE(ec) << ec.message();
  auto bound = local_endpoint(listener.get());
  tcp_pair p;
  p.app = unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::connect(p.app.get(), bound.data(), bound.size()), 0);
  pollfd pfd{listener.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 5000), 1);
  p.proxy = unique_fd(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  EXPECT_TRUE(p.proxy);
  return p;
}

struct harness {
  tcp_pair source = make_pair();       // source.app writes, pump reads source.proxy
  tcp_pair destination = make_pair();  // pump writes destination.proxy, destination.app reads
  std::vector<char> buffer = std::vector<char>(64 * 1024);
  pipe_pool pipes;
  forward_context ctx;
  socket_state from, to;
  pump p;

  explicit harness(forward_mode mode) {
    ctx.buffer = buffer.data();
    ctx.buffer_size = buffer.size();
    ctx.pipes = &pipes;
    ctx.mode = mode;
    from.fd = source.proxy.get();
    to.fd = destination.proxy.get();
  }

  // Level-triggered stand-in for the event loop: claims readiness, lets the pump
  // find out otherwise through EAGAIN.
  pump::status step() {
    from.readable = true;
    to.writable = true;
    return p.run(from, to, ctx);
  }
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

// Sends `data` then FIN from source.app while pumping, and returns what
// destination.app received up to EOF.
std::string transfer(harness& h, const std::string& data) {
  std::string received;
  std::size_t sent = 0;
  ::fcntl(h.source.app.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(h.destination.app.get(), F_SETFL, O_NONBLOCK);
  bool shut = false, eof = false;
  std::vector<char> chunk(256 * 1024);
  for (int round = 0; round < 100000 && !eof; ++round) {
    if (sent < data.size()) {
      auto n = ::send(h.source.app.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    } else if (!shut) {
      ::shutdown(h.source.app.get(), SHUT_WR);
      shut = true;
    }
    EXPECT_NE(h.step(), pump::status::failed) << std::strerror(h.p.last_errno());
    while (true) {
      auto n = ::recv(h.destination.app.get(), chunk.data(), chunk.size(), 0);
      if (n > 0) {
        received.append(chunk.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) eof = true;
      break;
    }
  }
  EXPECT_TRUE(eof) << "EOF was not forwarded";
  return received;
}

class pump_modes : public ::testing::TestWithParam<forward_mode> {};

TEST_P(pump_modes, forwards_bytes_intact_and_eof_as_half_close) {
  harness h(GetParam());
  auto data = pattern(3 * 1024 * 1024 + 17);
  auto received = transfer(h, data);
  ASSERT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data);
  EXPECT_TRUE(h.p.finished());
  EXPECT_EQ(h.p.bytes(), data.size());
  EXPECT_FALSE(h.p.holds_data());
  EXPECT_EQ(h.pipes.in_use(), 0u) << "an idle pump must not keep a pipe";
}

TEST_P(pump_modes, small_exchange_then_eof) {
  harness h(GetParam());
  auto received = transfer(h, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(received, "GET / HTTP/1.0\r\n\r\n");
}

TEST_P(pump_modes, a_destination_that_does_not_read_bounds_memory_and_stops_the_source) {
  harness h(GetParam());
  ::fcntl(h.source.app.get(), F_SETFL, O_NONBLOCK);
  auto data = pattern(64 * 1024);
  std::size_t accepted_by_kernel = 0;
  // Keep writing until the whole path (our send buffer, the pump, the
  // destination's buffers) refuses more: that is backpressure reaching the writer.
  int refusals = 0;
  for (int round = 0; round < 20000 && refusals < 50; ++round) {
    auto n = ::send(h.source.app.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      accepted_by_kernel += static_cast<std::size_t>(n);
      refusals = 0;
    } else {
      ++refusals;
    }
    ASSERT_NE(h.step(), pump::status::failed);
  }
  EXPECT_GE(refusals, 50) << "the writer was never slowed down";
  EXPECT_LT(accepted_by_kernel, 64u * 1024 * 1024) << "unbounded buffering somewhere";
  // The pump itself holds at most one buffer or one pipe.
  EXPECT_TRUE(h.p.holds_data());
  EXPECT_LE(h.pipes.in_use(), 1u);
}

TEST_P(pump_modes, a_reset_destination_fails_the_pump) {
  harness h(GetParam());
  linger l{1, 0};
  ::setsockopt(h.destination.app.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  h.destination.app.reset();  // RST
  auto data = pattern(256 * 1024);
  ::fcntl(h.source.app.get(), F_SETFL, O_NONBLOCK);
  pump::status last = pump::status::waiting;
  for (int round = 0; round < 1000 && last != pump::status::failed; ++round) {
    ::send(h.source.app.get(), data.data(), data.size(), MSG_NOSIGNAL);
    last = h.step();
  }
  EXPECT_EQ(last, pump::status::failed);
  EXPECT_TRUE(h.p.last_errno() == ECONNRESET || h.p.last_errno() == EPIPE) << h.p.last_errno();
}

INSTANTIATE_TEST_SUITE_P(all, pump_modes,
                         ::testing::Values(forward_mode::copy, forward_mode::splice, forward_mode::automatic),
                         [](const auto& test_info) {
                           switch (test_info.param) {
                             case forward_mode::copy: return std::string("copy");
                             case forward_mode::splice: return std::string("splice");
                             default: return std::string("automatic");
                           }
                         });

TEST(pump, automatic_mode_switches_to_splice_only_for_bulk) {
  harness small(forward_mode::automatic);
  transfer(small, "hello");
  EXPECT_FALSE(small.p.splicing());
  harness bulk(forward_mode::automatic);
  transfer(bulk, pattern(4 * 1024 * 1024));
  EXPECT_TRUE(bulk.p.splicing());
}

}  // namespace
}  // namespace staticgate::net

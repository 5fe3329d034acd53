// cares_resolver against a real PowerDNS (bind backend) on 127.0.0.1 at a
// free port, started once for the suite from a temporary config directory.
// Skipped only when pdns_server is not installed (Debian: pdns-server).
#include "dns/cares_resolver.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "pdns_server.hpp"

namespace staticgate::dns {
namespace {

using namespace std::chrono_literals;

using test_support::bound_udp;
using test_support::find_pdns;
using test_support::free_port;
using test_support::pdns_process;

std::vector<test_support::zone_file> zones() {
  std::ostringstream z;
  z << "$ORIGIN test.\n"
       "@ 3600 IN SOA ns1.test. admin.test. 1 3600 600 86400 60\n"
       "@ 3600 IN NS ns1.test.\n"
       "@ 1800 IN NS NS2.Elsewhere.example.\n"
       "ns1 3600 IN A 127.0.0.1\n"
       "v4 300 IN A 192.0.2.1\n"
       "v4 300 IN A 192.0.2.2\n"
       "v6 120 IN AAAA 2001:db8::1\n"
       "v6 120 IN AAAA 2001:db8::2\n"
       "mixed 30 IN A 192.0.2.10\n"
       "mixed 90 IN A 192.0.2.11\n"
       "alias 20 IN CNAME v4.test.\n";
  for (int i = 0; i < 100; ++i) z << "many 60 IN A 10.1." << i / 250 << '.' << i % 250 + 1 << '\n';
  for (int i = 0; i < 50; ++i) z << "fifty 60 IN A 10.2.0." << i + 1 << '\n';
  z << "random 5 IN LUA A \";local pool={";
  for (int i = 0; i < 40; ++i) z << (i ? "," : "") << "'10.3.0." << i + 1 << "'";
  z << "} return pickrandomsample(8, pool)\"\n";
  return {{.name = "test", .text = z.str()}, {.name = "broken.test", .text = std::nullopt}};
}

struct outcome {
  bool done = false;
  std::error_code ec;
  dns_answer answer;
};

class CaresResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!find_pdns()) return;
    pdns_ = new pdns_process(zones());
    if (!pdns_->start(start_error_)) {
      delete pdns_;
      pdns_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete pdns_;
    pdns_ = nullptr;
  }

  void SetUp() override {
    if (!find_pdns()) GTEST_SKIP() << "pdns_server not installed (apt-get install pdns-server); skipping DNS tests";
    ASSERT_NE(pdns_, nullptr) << start_error_;
  }
  void TearDown() override { reset(); }

  void reset() {
    resolver_.reset();
    if (loop_) loop_->destroy_retired();
    loop_.reset();
  }

  // A fresh loop and resolver: event_loop::stop() is final, so each run() needs one.
  cares_resolver& make(cares_resolver_options options = {}) {
    reset();
    if (options.servers.empty()) options.servers = {pdns_->server()};
    loop_ = std::make_unique<net::event_loop>();
    resolver_ = std::make_unique<cares_resolver>(*loop_, std::move(options));
    return *resolver_;
  }

  // Issues every query at once and runs the loop until all are answered (or 10 s). Once per make().
  std::vector<outcome> run(const std::vector<std::pair<std::string, int>>& queries) {
    std::vector<outcome> out(queries.size());
    std::size_t left = queries.size();
    for (std::size_t i = 0; i < queries.size(); ++i) {
      resolver_->resolve(queries[i].first, queries[i].second, [&, i](std::error_code ec, dns_answer a) {
        EXPECT_FALSE(out[i].done) << "callback called twice";
        out[i] = {true, ec, std::move(a)};
        if (--left == 0) loop_->stop();
      });
    }
    last_issued_pending_ = resolver_->pending();
    net::callback_timer watchdog([this] { loop_->stop(); });
    loop_->timers().schedule(watchdog, net::clock::now() + 10s);
    if (left > 0) loop_->run();
    for (auto& o : out) EXPECT_TRUE(o.done) << "a query never completed";
    return out;
  }
  outcome run_one(const std::string& name, int family) { return run({{name, family}}).front(); }

  static pdns_process* pdns_;
  static std::string start_error_;
  std::unique_ptr<net::event_loop> loop_;
  std::unique_ptr<cares_resolver> resolver_;
  std::size_t last_issued_pending_ = 0;
};

pdns_process* CaresResolverTest::pdns_ = nullptr;
std::string CaresResolverTest::start_error_;

TEST_F(CaresResolverTest, ResolvesARecordsWithTtl) {
  make();
  auto o = run_one("v4.test", AF_INET);
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(std::set<std::string>(o.answer.addresses.begin(), o.answer.addresses.end()),
            (std::set<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(o.answer.ttl_seconds, 300u);
  EXPECT_FALSE(o.answer.truncated_retried_over_tcp);
}

TEST_F(CaresResolverTest, ResolvesAaaaRecordsWithTtl) {
  make();
  auto o = run_one("v6.test", AF_INET6);
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(std::set<std::string>(o.answer.addresses.begin(), o.answer.addresses.end()),
            (std::set<std::string>{"2001:db8::1", "2001:db8::2"}));
  EXPECT_EQ(o.answer.ttl_seconds, 120u);
}

TEST_F(CaresResolverTest, TtlIsTheSmallestOfTheRecordsAndCnames) {
  make();
  auto out = run({{"mixed.test", AF_INET}, {"alias.test", AF_INET}});
  ASSERT_FALSE(out[0].ec) << out[0].ec.message();
  EXPECT_EQ(out[0].answer.ttl_seconds, 30u);
  ASSERT_FALSE(out[1].ec) << out[1].ec.message();
  EXPECT_EQ(out[1].answer.addresses.size(), 2u);
  EXPECT_EQ(out[1].answer.ttl_seconds, 20u);  // the CNAME's TTL bounds the answer's
}

TEST_F(CaresResolverTest, MapsNxdomain) {
  make();
  auto o = run_one("nope.test", AF_INET);
  EXPECT_EQ(o.ec, errc::nxdomain) << o.ec.message();
  EXPECT_EQ(o.ec.category(), category());
}

TEST_F(CaresResolverTest, MapsNoDataWhenTheFamilyIsMissing) {
  make();
  EXPECT_EQ(run_one("v4.test", AF_INET6).ec, errc::no_data);
}

TEST_F(CaresResolverTest, MapsServfail) {
  make({.servers = {}, .timeout = 300ms, .tries = 1, .edns = false});
  EXPECT_EQ(run_one("x.broken.test", AF_INET).ec, errc::servfail);  // zone file missing
}

TEST_F(CaresResolverTest, MapsRefusedForAZoneTheServerDoesNotHave) {
  make({.servers = {}, .timeout = 300ms, .tries = 1, .edns = false});
  EXPECT_EQ(run_one("example.com", AF_INET).ec, errc::refused);
}

TEST_F(CaresResolverTest, TimesOutAgainstAServerThatNeverAnswersAfterEveryTry) {
  std::uint16_t port = 0;
  int silent = bound_udp(port);
  ASSERT_GE(silent, 0);
  make({.servers = {"127.0.0.1:" + std::to_string(port)}, .timeout = 100ms, .tries = 2, .edns = false});
  auto start = std::chrono::steady_clock::now();
  auto o = run_one("v4.test", AF_INET);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.ec, errc::timeout) << o.ec.message();
  EXPECT_EQ(o.ec, std::errc::timed_out);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 3s);
  int datagrams = 0;
  unsigned char buf[512];
  while (::recv(silent, buf, sizeof buf, MSG_DONTWAIT) > 0) ++datagrams;
  EXPECT_EQ(datagrams, 2);  // one per try
  ::close(silent);
}

TEST_F(CaresResolverTest, ReportsConnectionRefusedWhenNothingListens) {
  make({.servers = {"127.0.0.1:" + std::to_string(free_port())}, .timeout = 300ms, .tries = 1, .edns = false});
  auto o = run_one("v4.test", AF_INET);
  EXPECT_EQ(o.ec, errc::connection_refused) << o.ec.message();
}

TEST_F(CaresResolverTest, HundredConcurrentQueriesAllComplete) {
  make();
  std::vector<std::pair<std::string, int>> queries;
  for (int i = 0; i < 100; ++i) {
    switch (i % 4) {
      case 0: queries.emplace_back("v4.test", AF_INET); break;
      case 1: queries.emplace_back("v6.test", AF_INET6); break;
      case 2: queries.emplace_back("nope.test", AF_INET); break;
      default: queries.emplace_back("random.test", AF_INET); break;
    }
  }
  auto out = run(queries);
  EXPECT_EQ(last_issued_pending_, 100u);  // all in flight at once
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % 4 == 2) {
      EXPECT_EQ(out[i].ec, errc::nxdomain);
    } else {
      EXPECT_FALSE(out[i].ec) << i << ": " << out[i].ec.message();
      EXPECT_FALSE(out[i].answer.addresses.empty());
    }
  }
  EXPECT_EQ(resolver_->pending(), 0u);
}

TEST_F(CaresResolverTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  make();  // no EDNS: UDP answers stop at 512 bytes
  auto o = run_one("many.test", AF_INET);
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.answer.addresses.size(), 100u);
  EXPECT_EQ(std::set<std::string>(o.answer.addresses.begin(), o.answer.addresses.end()).size(), 100u);
  EXPECT_EQ(o.answer.ttl_seconds, 60u);
  EXPECT_TRUE(o.answer.truncated_retried_over_tcp);
}

TEST_F(CaresResolverTest, EdnsFitsFiftyRecordsInOneUdpAnswer) {
  make({.servers = {}, .timeout = 2000ms, .tries = 2, .edns = true});
  auto with_edns = run_one("fifty.test", AF_INET);
  ASSERT_FALSE(with_edns.ec) << with_edns.ec.message();
  EXPECT_EQ(with_edns.answer.addresses.size(), 50u);
  EXPECT_FALSE(with_edns.answer.truncated_retried_over_tcp);

  make();
  auto plain = run_one("fifty.test", AF_INET);
  ASSERT_FALSE(plain.ec) << plain.ec.message();
  EXPECT_EQ(plain.answer.addresses.size(), 50u);
  EXPECT_TRUE(plain.answer.truncated_retried_over_tcp);
}

TEST_F(CaresResolverTest, EveryResolveAsksTheServerNoCaching) {
  make();
  // Ten resolves one after another, each issued from the previous one's callback.
  std::set<std::vector<std::string>> distinct;
  int rounds = 0;
  std::function<void(std::error_code, dns_answer)> on_answer = [&](std::error_code ec, dns_answer a) {
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(a.addresses.size(), 8u);
    std::sort(a.addresses.begin(), a.addresses.end());
    distinct.insert(a.addresses);
    if (++rounds < 10)
      resolver_->resolve("random.test", AF_INET, on_answer);
    else
      loop_->stop();
  };
  resolver_->resolve("random.test", AF_INET, on_answer);
  net::callback_timer watchdog([this] { loop_->stop(); });
  loop_->timers().schedule(watchdog, net::clock::now() + 10s);
  loop_->run();
  EXPECT_EQ(rounds, 10);
  EXPECT_GT(distinct.size(), 1u);  // 8 of 40 at random: ten equal sets is ~impossible
}

struct ns_outcome {
  bool done = false;
  std::error_code ec;
  ns_answer answer;
};

TEST_F(CaresResolverTest, ResolvesNsRecordsWithTtl) {
  make();
  std::vector<ns_outcome> out(3);
  int left = 3;
  const char* names[] = {"test", "v4.test", "nope.test"};
  for (int i = 0; i < 3; ++i) {
    resolver_->resolve_ns(names[i], [&, i](std::error_code ec, ns_answer a) {
      out[static_cast<std::size_t>(i)] = {true, ec, std::move(a)};
      if (--left == 0) loop_->stop();
    });
  }
  net::callback_timer watchdog([this] { loop_->stop(); });
  loop_->timers().schedule(watchdog, net::clock::now() + 10s);
  loop_->run();
  ASSERT_TRUE(out[0].done && out[1].done && out[2].done);
  ASSERT_FALSE(out[0].ec) << out[0].ec.message();
  std::sort(out[0].answer.hosts.begin(), out[0].answer.hosts.end());
  // Host names as the server sent them: no trailing dot, case kept.
  EXPECT_EQ(out[0].answer.hosts, (std::vector<std::string>{"NS2.Elsewhere.example", "ns1.test"}));
  EXPECT_EQ(out[0].answer.ttl_seconds, 1800u);
  EXPECT_EQ(out[1].ec, errc::no_data) << "a name that is not a zone apex has no NS record";
  EXPECT_EQ(out[2].ec, errc::nxdomain);
}

TEST_F(CaresResolverTest, NsQueryMapsTransportErrorsLikeAddressQueries) {
  make({.servers = {"127.0.0.1:" + std::to_string(free_port())}, .timeout = 300ms, .tries = 1, .edns = false});
  std::optional<std::error_code> got;
  resolver_->resolve_ns("test", [&](std::error_code ec, ns_answer) {
    got = ec;
    loop_->stop();
  });
  net::callback_timer watchdog([this] { loop_->stop(); });
  loop_->timers().schedule(watchdog, net::clock::now() + 10s);
  loop_->run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, errc::connection_refused) << got->message();
  EXPECT_EQ(resolver_->pending(), 0u);
}

TEST_F(CaresResolverTest, CancelCompletesPendingQueries) {
  std::uint16_t port = 0;
  int silent = bound_udp(port);
  make({.servers = {"127.0.0.1:" + std::to_string(port)}, .timeout = 5000ms, .tries = 1, .edns = false});
  std::optional<std::error_code> got;
  resolver_->resolve("v4.test", AF_INET, [&](std::error_code ec, dns_answer) { got = ec; });
  EXPECT_EQ(resolver_->pending(), 1u);
  resolver_->cancel();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, errc::cancelled);
  EXPECT_EQ(resolver_->pending(), 0u);
  ::close(silent);
}

TEST_F(CaresResolverTest, DestroyingDropsPendingCallbacksAndClosesSockets) {
  std::uint16_t port = 0;
  int silent = bound_udp(port);
  make({.servers = {"127.0.0.1:" + std::to_string(port)}, .timeout = 5000ms, .tries = 1, .edns = false});
  bool called = false;
  resolver_->resolve("v4.test", AF_INET, [&](std::error_code, dns_answer) { called = true; });
  EXPECT_EQ(resolver_->open_sockets(), 1u);
  resolver_.reset();
  loop_->destroy_retired();
  EXPECT_FALSE(called);
  ::close(silent);
}

TEST_F(CaresResolverTest, RejectsAnUnknownFamilyAtOnce) {
  make();
  std::optional<std::error_code> got;
  resolver_->resolve("v4.test", AF_UNIX, [&](std::error_code ec, dns_answer) { got = ec; });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, std::errc::address_family_not_supported);
}

TEST(CaresResolverConfig, RejectsABadServerList) {
  net::event_loop loop;
  EXPECT_THROW(cares_resolver(loop, {.servers = {"not an address"}, .timeout = 1000ms, .tries = 1, .edns = false}),
               std::invalid_argument);
}

TEST(DnsCategory, NamesAndConditions) {
  EXPECT_STREQ(category().name(), "dns");
  EXPECT_EQ(make_error_code(errc::nxdomain).message(), "name does not exist (NXDOMAIN)");
  std::error_code ec = errc::connection_refused;
  EXPECT_EQ(ec, std::errc::connection_refused);
  EXPECT_NE(std::error_code(errc::servfail), std::errc::timed_out);
}

}  // namespace
}  // namespace staticgate::dns

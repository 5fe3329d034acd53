// authoritative_finder: the walk, the address phase and the result's shape
// against a scripted fake resolver; then end to end against a real PowerDNS
// that serves an ALB-like zone, its name servers' addresses, and zones with
// broken name servers.
#include "dns/authoritative_servers.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "dns/cares_resolver.hpp"
#include "pdns_server.hpp"

namespace staticgate::dns {
namespace {

using namespace std::chrono_literals;

// Answers from a script. Deferred by default (answers wait for flush(), as a
// real resolver's wait for the loop); `synchronous` answers inside the call.
// An unscripted question gets errc::nxdomain.
class fake_resolver final : public resolver {
 public:
  void resolve(const std::string& name, int family, callback done) override {
    asked.push_back((family == AF_INET ? "A " : "AAAA ") + name);
    auto it = addresses.find({name, family});
    auto answer = it == addresses.end() ? std::pair{make_error_code(errc::nxdomain), dns_answer{}} : it->second;
    deliver([done = std::move(done), answer] { done(answer.first, answer.second); });
  }
  void resolve_ns(const std::string& name, ns_callback done) override {
    asked.push_back("NS " + name);
    auto it = ns.find(name);
    auto answer = it == ns.end() ? std::pair{make_error_code(errc::nxdomain), ns_answer{}} : it->second;
    deliver([done = std::move(done), answer] { done(answer.first, answer.second); });
  }

  // Runs deferred answers (and those they cause) until none is left.
  void flush() {
    while (!queue.empty()) {
      auto next = std::move(queue.front());
      queue.pop_front();
      next();
    }
  }

  std::map<std::string, std::pair<std::error_code, ns_answer>> ns;
  std::map<std::pair<std::string, int>, std::pair<std::error_code, dns_answer>> addresses;
  std::vector<std::string> asked;
  std::deque<std::function<void()>> queue;
  bool synchronous = false;

 private:
  void deliver(std::function<void()> answer) {
    if (synchronous)
      answer();
    else
      queue.push_back(std::move(answer));
  }
};

std::pair<std::error_code, ns_answer> hosts(std::vector<std::string> h, std::uint32_t ttl) {
  return {{}, ns_answer{.hosts = std::move(h), .ttl_seconds = ttl}};
}
std::pair<std::error_code, dns_answer> addrs(std::vector<std::string> a, std::uint32_t ttl) {
  return {{}, dns_answer{.addresses = std::move(a), .ttl_seconds = ttl, .truncated_retried_over_tcp = false}};
}
template <typename Answer>
std::pair<std::error_code, Answer> fails(errc e) {
  return {make_error_code(e), Answer{}};
}

struct result {
  int calls = 0;
  std::error_code ec;
  authoritative_servers servers;
};

class AuthoritativeFinderFake : public ::testing::Test {
 protected:
  result find(const std::string& name, authoritative_options options = {}) {
    result r;
    finder.find(name, options, [&r](std::error_code ec, authoritative_servers s) {
      ++r.calls;
      r.ec = ec;
      r.servers = std::move(s);
    });
    fake.flush();
    return r;
  }

  fake_resolver fake;
  authoritative_finder finder{fake};
};

TEST_F(AuthoritativeFinderFake, AsksTheParentZoneThenTheNsHostsAddresses) {
  fake.ns["elb.example"] = hosts({"ns1.dns.example", "ns2.dns.example"}, 3600);
  fake.addresses[{"ns1.dns.example", AF_INET}] = addrs({"192.0.2.1"}, 300);
  fake.addresses[{"ns2.dns.example", AF_INET}] = addrs({"192.0.2.2"}, 600);
  auto r = find("my-alb.elb.example", {.ipv4 = true, .ipv6 = false, .port = 5300});
  EXPECT_EQ(r.calls, 1);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.servers.zone, "elb.example");
  EXPECT_EQ(r.servers.hosts, (std::vector<std::string>{"ns1.dns.example", "ns2.dns.example"}));
  EXPECT_EQ(r.servers.servers, (std::vector<std::string>{"192.0.2.1:5300", "192.0.2.2:5300"}));
  EXPECT_TRUE(r.servers.unresolved_hosts.empty());
  EXPECT_EQ(r.servers.ttl_seconds, 300u);
  // IPv4 only: no AAAA question.
  EXPECT_EQ(fake.asked, (std::vector<std::string>{"NS elb.example", "A ns1.dns.example", "A ns2.dns.example"}));
  EXPECT_EQ(finder.pending(), 0u);
}

TEST_F(AuthoritativeFinderFake, WalksUpOnNoDataAndNxdomainButNeverAsksTheRoot) {
  fake.ns["a.b.example"] = fails<ns_answer>(errc::no_data);
  fake.ns["b.example"] = fails<ns_answer>(errc::nxdomain);
  fake.ns["example"] = hosts({"ns.example"}, 60);
  fake.addresses[{"ns.example", AF_INET}] = addrs({"192.0.2.9"}, 60);
  auto r = find("x.a.b.example.");  // a trailing dot is fine
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.servers.zone, "example");
  EXPECT_EQ(r.servers.servers, (std::vector<std::string>{"192.0.2.9:53"}));
  EXPECT_EQ(fake.asked,
            (std::vector<std::string>{"NS a.b.example", "NS b.example", "NS example", "A ns.example"}));

  fake.asked.clear();
  fake.ns.erase("example");
  fake.ns["a.b.example"] = fails<ns_answer>(errc::no_data);
  fake.ns["example"] = fails<ns_answer>(errc::no_data);
  r = find("x.a.b.example");
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.ec, errc::no_data) << "out of labels: the last absence is the answer";
  EXPECT_EQ(fake.asked, (std::vector<std::string>{"NS a.b.example", "NS b.example", "NS example"}));
}

TEST_F(AuthoritativeFinderFake, AFailureOnTheWayStopsTheWalk) {
  fake.ns["b.example"] = fails<ns_answer>(errc::timeout);
  auto r = find("a.b.example");
  EXPECT_EQ(r.ec, errc::timeout);
  EXPECT_EQ(fake.asked, (std::vector<std::string>{"NS b.example"}));
}

TEST_F(AuthoritativeFinderFake, DeduplicatesAndSortsHostsAndServersNumericallyIpv4First) {
  fake.ns["zone.example"] = hosts({"NS2.dns.example.", "ns1.dns.example", "ns2.dns.example"}, 3600);
  fake.addresses[{"ns1.dns.example", AF_INET}] = addrs({"127.0.0.10", "127.0.0.2"}, 100);
  fake.addresses[{"ns1.dns.example", AF_INET6}] = addrs({"2001:db8::1"}, 50);
  fake.addresses[{"ns2.dns.example", AF_INET}] = addrs({"127.0.0.2"}, 200);
  fake.addresses[{"ns2.dns.example", AF_INET6}] = addrs({"::1", "2001:DB8::1"}, 400);
  auto r = find("name.zone.example", {.ipv4 = true, .ipv6 = true, .port = 53});
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.servers.hosts, (std::vector<std::string>{"ns1.dns.example", "ns2.dns.example"}));
  EXPECT_EQ(r.servers.servers, (std::vector<std::string>{"127.0.0.2:53", "127.0.0.10:53", "[::1]:53",
                                                         "[2001:db8::1]:53"}));
  EXPECT_EQ(r.servers.ttl_seconds, 50u);
}

TEST_F(AuthoritativeFinderFake, SkipsHostsWithoutAddressesWhenAnotherHasOne) {
  fake.ns["zone.example"] = hosts({"ns1.dns.example", "ns2.dns.example", "ns3.dns.example"}, 3600);
  fake.addresses[{"ns1.dns.example", AF_INET}] = fails<dns_answer>(errc::timeout);
  fake.addresses[{"ns2.dns.example", AF_INET}] = addrs({"192.0.2.2"}, 60);
  fake.addresses[{"ns2.dns.example", AF_INET6}] = fails<dns_answer>(errc::no_data);
  fake.addresses[{"ns3.dns.example", AF_INET6}] = addrs({"2001:db8::3"}, 60);  // no A: fine, has AAAA
  auto r = find("name.zone.example", {.ipv4 = true, .ipv6 = true, .port = 53});
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.servers.servers, (std::vector<std::string>{"192.0.2.2:53", "[2001:db8::3]:53"}));
  EXPECT_EQ(r.servers.unresolved_hosts, (std::vector<std::string>{"ns1.dns.example"}));
}

TEST_F(AuthoritativeFinderFake, NoAddressAtAllFailsWithTheMostTellingError) {
  fake.ns["zone.example"] = hosts({"ns1.dns.example", "ns2.dns.example"}, 3600);
  fake.addresses[{"ns1.dns.example", AF_INET}] = fails<dns_answer>(errc::no_data);
  fake.addresses[{"ns2.dns.example", AF_INET}] = fails<dns_answer>(errc::servfail);
  EXPECT_EQ(find("name.zone.example").ec, errc::servfail) << "a failure says more than an absence";
  fake.addresses[{"ns2.dns.example", AF_INET}] = fails<dns_answer>(errc::no_data);
  EXPECT_EQ(find("name.zone.example").ec, errc::no_data);
}

TEST_F(AuthoritativeFinderFake, RejectsRequestsThatCannotNameAZoneAtOnce) {
  for (const char* name : {"", ".", "single", "single.", "a..b", ".a.b"}) {
    result r;
    finder.find(name, {}, [&r](std::error_code ec, authoritative_servers) {
      ++r.calls;
      r.ec = ec;
    });
    EXPECT_EQ(r.calls, 1) << name;
    EXPECT_EQ(r.ec, std::errc::invalid_argument) << name;
  }
  result r;
  finder.find("a.b", {.ipv4 = false, .ipv6 = false, .port = 53}, [&r](std::error_code ec, authoritative_servers) {
    ++r.calls;
    r.ec = ec;
  });
  EXPECT_EQ(r.ec, std::errc::invalid_argument);
  EXPECT_TRUE(fake.asked.empty());
}

TEST_F(AuthoritativeFinderFake, AnswersGivenInsideTheCallsWork) {
  fake.synchronous = true;
  fake.ns["b.example"] = fails<ns_answer>(errc::no_data);
  fake.ns["example"] = hosts({"ns1.example", "ns2.example"}, 60);
  fake.addresses[{"ns1.example", AF_INET}] = addrs({"192.0.2.1"}, 60);
  fake.addresses[{"ns2.example", AF_INET}] = addrs({"192.0.2.2"}, 60);
  auto r = find("a.b.example");
  EXPECT_EQ(r.calls, 1);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.servers.servers.size(), 2u);
}

TEST(AuthoritativeFinderLifetime, TheCallbackMayDestroyTheFinderEvenMidPhase) {
  fake_resolver fake;
  fake.synchronous = true;
  fake.ns["example"] = hosts({"ns1.example", "ns2.example"}, 60);
  fake.addresses[{"ns1.example", AF_INET}] = addrs({"192.0.2.1"}, 60);
  fake.addresses[{"ns2.example", AF_INET}] = addrs({"192.0.2.2"}, 60);
  // The last answer arrives inside the last resolve() call of the address phase, so the callback
  // destroys the finder while its loop over the hosts is still on the stack.
  auto finder = std::make_unique<authoritative_finder>(fake);
  int calls = 0;
  finder->find("a.example", {}, [&](std::error_code ec, authoritative_servers) {
    ++calls;
    EXPECT_FALSE(ec) << ec.message();
    finder.reset();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(finder, nullptr);
}

TEST(AuthoritativeFinderLifetime, DestroyingTheFinderDropsPendingCallbacks) {
  fake_resolver fake;
  fake.ns["example"] = hosts({"ns1.example"}, 60);
  fake.addresses[{"ns1.example", AF_INET}] = addrs({"192.0.2.1"}, 60);
  bool called = false;
  {
    authoritative_finder finder(fake);
    finder.find("a.example", {}, [&](std::error_code, authoritative_servers) { called = true; });
    EXPECT_EQ(finder.pending(), 1u);
  }
  fake.flush();  // the resolver's answers arrive after the finder is gone
  EXPECT_FALSE(called);
}

TEST(AuthoritativeFinderLifetime, CancelledQueriesEndTheLookupAsCancelled) {
  fake_resolver fake;
  fake.ns["example"] = fails<ns_answer>(errc::cancelled);
  authoritative_finder finder(fake);
  std::error_code got;
  finder.find("a.example", {}, [&](std::error_code ec, authoritative_servers) { got = ec; });
  fake.flush();
  EXPECT_EQ(got, errc::cancelled);
  EXPECT_EQ(got, std::errc::operation_canceled);
}

// ---- against PowerDNS -------------------------------------------------------

// "example" holds the name servers' own addresses; "us-east-1.elb.example"
// is the ALB-like zone they serve, both on this PowerDNS at 127.0.0.1 and
// 127.0.0.2, so the servers found can be asked for the ALB name end to end.
std::vector<test_support::zone_file> zones() {
  std::ostringstream alb;
  alb << "$ORIGIN us-east-1.elb.example.\n"
         "@ 3600 IN SOA ns1.awsdns.example. admin.example. 1 3600 600 86400 60\n"
         "@ 3600 IN NS ns1.awsdns.example.\n"
         "@ 3600 IN NS ns2.awsdns.example.\n"
         "svc 60 IN A 10.9.1.1\n"
         "my-alb-1 60 IN LUA A \";local pool={";
  for (int i = 0; i < 20; ++i) alb << (i ? "," : "") << "'10.9.0." << i + 1 << "'";
  alb << "} return pickrandomsample(8, pool)\"\n";
  return {
      {.name = "example",
       .text = "$ORIGIN example.\n"
               "@ 3600 IN SOA ns1.awsdns.example. admin.example. 1 3600 600 86400 60\n"
               "@ 3600 IN NS ns1.awsdns.example.\n"
               "ns1.awsdns 300 IN A 127.0.0.1\n"
               "ns1.awsdns 300 IN AAAA 2001:db8::53\n"
               "ns2.awsdns 600 IN A 127.0.0.2\n"},
      {.name = "us-east-1.elb.example", .text = alb.str()},
      // One name server without any address, one that works.
      {.name = "half.example",
       .text = "$ORIGIN half.example.\n"
               "@ 3600 IN SOA ns1.awsdns.example. admin.example. 1 3600 600 86400 60\n"
               "@ 3600 IN NS gone.example.\n"
               "@ 3600 IN NS ns2.awsdns.example.\n"},
      {.name = "none.example",
       .text = "$ORIGIN none.example.\n"
               "@ 3600 IN SOA gone.example. admin.example. 1 3600 600 86400 60\n"
               "@ 3600 IN NS gone.example.\n"},
      {.name = "broken.example", .text = std::nullopt},  // SERVFAIL
  };
}

struct outcome {
  bool done = false;
  std::error_code ec;
  authoritative_servers servers;
};

class AuthoritativeFinderPdns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test_support::find_pdns()) return;
    pdns_ = new test_support::pdns_process(zones(), {"127.0.0.1", "127.0.0.2"});
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
    if (!test_support::find_pdns()) GTEST_SKIP() << "pdns_server not installed (apt-get install pdns-server)";
    ASSERT_NE(pdns_, nullptr) << start_error_;
  }
  void TearDown() override { reset(); }

  void reset() {
    finder_.reset();
    resolver_.reset();
    if (loop_) loop_->destroy_retired();
    loop_.reset();
  }

  // A fresh loop, bootstrap resolver and finder (event_loop::stop() is final).
  void make(cares_resolver_options options = {}) {
    reset();
    if (options.servers.empty()) options.servers = {pdns_->server()};
    loop_ = std::make_unique<net::event_loop>();
    resolver_ = std::make_unique<cares_resolver>(*loop_, std::move(options));
    finder_ = std::make_unique<authoritative_finder>(*resolver_);
  }

  outcome find(const std::string& name, authoritative_options options) {
    outcome o;
    finder_->find(name, options, [&](std::error_code ec, authoritative_servers s) {
      o = {true, ec, std::move(s)};
      loop_->stop();
    });
    net::callback_timer watchdog([this] { loop_->stop(); });
    loop_->timers().schedule(watchdog, net::clock::now() + 10s);
    if (!o.done) loop_->run();
    EXPECT_TRUE(o.done) << "the lookup never completed";
    return o;
  }
  outcome find(const std::string& name) { return find(name, {.ipv4 = true, .ipv6 = false, .port = pdns_->port()}); }
  std::string at_pdns(const std::string& ip) const { return ip + ":" + std::to_string(pdns_->port()); }

  static test_support::pdns_process* pdns_;
  static std::string start_error_;
  std::unique_ptr<net::event_loop> loop_;
  std::unique_ptr<cares_resolver> resolver_;
  std::unique_ptr<authoritative_finder> finder_;
};

test_support::pdns_process* AuthoritativeFinderPdns::pdns_ = nullptr;
std::string AuthoritativeFinderPdns::start_error_;

TEST_F(AuthoritativeFinderPdns, FindsTheAlbZonesServersAndTheyAnswerForTheAlb) {
  make();
  auto o = find("my-alb-1.us-east-1.elb.example");
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.zone, "us-east-1.elb.example");
  EXPECT_EQ(o.servers.hosts, (std::vector<std::string>{"ns1.awsdns.example", "ns2.awsdns.example"}));
  EXPECT_EQ(o.servers.servers, (std::vector<std::string>{at_pdns("127.0.0.1"), at_pdns("127.0.0.2")}));
  EXPECT_EQ(o.servers.ttl_seconds, 300u);  // ns1's A record; NS 3600, ns2's A 600

  // The list is what cares_resolver_options::servers takes: ask those servers for the ALB.
  net::event_loop loop;
  {
    cares_resolver direct(loop, {.servers = o.servers.servers, .timeout = 1000ms, .tries = 2, .edns = false});
    std::optional<std::pair<std::error_code, dns_answer>> got;
    direct.resolve("my-alb-1.us-east-1.elb.example", AF_INET, [&](std::error_code ec, dns_answer a) {
      got.emplace(ec, std::move(a));
      loop.stop();
    });
    net::callback_timer watchdog([&loop] { loop.stop(); });
    loop.timers().schedule(watchdog, net::clock::now() + 10s);
    loop.run();
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->first) << got->first.message();
    EXPECT_EQ(got->second.addresses.size(), 8u);
    for (const auto& a : got->second.addresses) EXPECT_EQ(a.rfind("10.9.0.", 0), 0u) << a;
  }
  loop.destroy_retired();
}

TEST_F(AuthoritativeFinderPdns, AddsIpv6AddressesWhenAsked) {
  make();
  auto o = find("my-alb-1.us-east-1.elb.example", {.ipv4 = true, .ipv6 = true, .port = 5353});
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.servers, (std::vector<std::string>{"127.0.0.1:5353", "127.0.0.2:5353", "[2001:db8::53]:5353"}));
  EXPECT_TRUE(o.servers.unresolved_hosts.empty()) << "ns2 has an A record, so it is resolved";

  make();
  o = find("my-alb-1.us-east-1.elb.example", {.ipv4 = false, .ipv6 = true, .port = 53});
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.servers, (std::vector<std::string>{"[2001:db8::53]:53"}));
  EXPECT_EQ(o.servers.unresolved_hosts, (std::vector<std::string>{"ns2.awsdns.example"}));
}

TEST_F(AuthoritativeFinderPdns, WalksUpFromANameThatIsNotAZoneApex) {
  make();
  auto o = find("leaf.svc.us-east-1.elb.example");  // svc.…: an A record, NODATA for NS
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.zone, "us-east-1.elb.example");
  make();
  o = find("x.nothere.us-east-1.elb.example");  // nothere.…: NXDOMAIN
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.zone, "us-east-1.elb.example");
  make();
  o = find("a.b.c.example");  // two labels up to "example"
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.zone, "example");
  EXPECT_EQ(o.servers.servers, (std::vector<std::string>{at_pdns("127.0.0.1")}));
}

TEST_F(AuthoritativeFinderPdns, SkipsANameServerWithoutAddress) {
  make();
  auto o = find("www.half.example");
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.servers.hosts, (std::vector<std::string>{"gone.example", "ns2.awsdns.example"}));
  EXPECT_EQ(o.servers.servers, (std::vector<std::string>{at_pdns("127.0.0.2")}));
  EXPECT_EQ(o.servers.unresolved_hosts, (std::vector<std::string>{"gone.example"}));
}

TEST_F(AuthoritativeFinderPdns, FailsWhenNoNameServerHasAnAddress) {
  make();
  EXPECT_EQ(find("www.none.example").ec, errc::nxdomain);
}

TEST_F(AuthoritativeFinderPdns, PassesServerErrorsOnTheWayThrough) {
  make({.servers = {}, .timeout = 300ms, .tries = 1, .edns = false});
  EXPECT_EQ(find("www.broken.example").ec, errc::servfail);
  make({.servers = {}, .timeout = 300ms, .tries = 1, .edns = false});
  // Outside every zone this server has: REFUSED ends the walk (the root is never reached).
  EXPECT_EQ(find("alb.elsewhere.invalid").ec, errc::refused);
}

TEST_F(AuthoritativeFinderPdns, ABootstrapServerThatIsDownFailsTheLookup) {
  make({.servers = {"127.0.0.1:" + std::to_string(test_support::free_port())}, .timeout = 300ms, .tries = 1,
        .edns = false});
  auto o = find("my-alb-1.us-east-1.elb.example");
  EXPECT_EQ(o.ec, errc::connection_refused) << o.ec.message();

  std::uint16_t port = 0;
  int silent = test_support::bound_udp(port);
  ASSERT_GE(silent, 0);
  make({.servers = {"127.0.0.1:" + std::to_string(port)}, .timeout = 100ms, .tries = 2, .edns = false});
  auto start = std::chrono::steady_clock::now();
  o = find("my-alb-1.us-east-1.elb.example");
  EXPECT_EQ(o.ec, errc::timeout) << o.ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(finder_->pending(), 0u);
  ::close(silent);
}

}  // namespace
}  // namespace staticgate::dns

// The discovery controller and name_lookup on a real event loop with a fake resolver and an
// in-memory state store: parallel lookups, failures folded into the outcome, state saved per
// (group, name), shared lookups, degraded mode on a corrupt state.
#include "discovery/controller.hpp"

#include <gtest/gtest.h>

#include "discovery/state_codec.hpp"
#include "fake_resolver.hpp"

namespace staticgate::discovery {
namespace {

class memory_store final : public state_store {
 public:
  std::map<std::string, std::string> files;
  bool fail_saves = false;
  int saves = 0;
  std::optional<std::string> load(const std::string& key, std::string& error) override {
    error.clear();
    auto it = files.find(key);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  bool save(const std::string& key, const std::string& bytes, std::string& error) override {
    ++saves;
    if (fail_saves) {
      error = "disk full";
      return false;
    }
    files[key] = bytes;
    return true;
  }
};

std::vector<std::string> pool_of(int n, const char* prefix = "10.1.0.") {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

config::target_group discovery_group(const std::string& name, std::vector<std::string> names) {
  config::target_group g;
  g.name = name;
  g.discovery = config::dns_discovery{};
  g.discovery->names = std::move(names);
  g.discovery->port = 443;
  return g;
}

struct fixture {
  net::event_loop loop;
  memory_store store;
  testing::fake_resolver* resolver = nullptr;
  int resolvers_made = 0;
  std::vector<std::vector<std::string>> servers_asked;  // name_servers of each resolver made
  std::map<std::string, std::vector<std::string>> ns, hosts;
  discovered_addresses applied;
  int applies = 0;
  std::vector<ingress::discovery_name_snapshot> status;
  std::unique_ptr<controller> sync;

  explicit fixture(controller::options opts = {}) {
    sync = std::make_unique<controller>(
        loop, store,
        [this](const config::dns_discovery& d) {
          ++resolvers_made;
          servers_asked.push_back(d.name_servers);
          auto r = std::make_unique<testing::fake_resolver>(loop);
          r->pool = pool;
          r->ns = ns;
          r->hosts = hosts;
          resolver = r.get();
          return r;
        },
        [this](const discovered_addresses& d) {
          applied = d;
          ++applies;
        },
        [this](std::vector<ingress::discovery_name_snapshot> s) { status = std::move(s); }, opts);
  }
  ~fixture() {
    sync.reset();
    loop.destroy_retired();
  }

  std::vector<std::string> pool;

  run_report run() {
    run_report out;
    sync->run_once([&](const run_report& r) {
      out = r;
      loop.stop();
    });
    loop.run();
    return out;
  }
};

TEST(discovery_controller, one_run_finds_a_pool_of_100_with_parallel_queries) {
  fixture f;
  f.pool = pool_of(100);
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  f.sync->configure(cfg);
  auto report = f.run();
  ASSERT_EQ(report.names.size(), 1u);
  const auto& n = report.names[0];
  EXPECT_EQ(n.lookup.outcome.addresses.size(), 100u);
  EXPECT_TRUE(n.lookup.outcome.complete);
  EXPECT_EQ(n.decision.to_register.size(), 100u);
  EXPECT_LE(n.lookup.lookups, 256u);
  EXPECT_EQ(f.resolver->max_in_flight, 8);
  EXPECT_EQ(f.applied.at("alb").size(), 100u);
  ASSERT_EQ(f.status.size(), 1u);
  EXPECT_EQ(f.status[0].addresses, 100u);
  EXPECT_EQ(f.status[0].registrations, 100u);
  // Saved under "group/name", decodable, for the same pair.
  std::string error;
  auto stored = decode_state(f.store.files.at("alb/alb.example"), error);
  ASSERT_TRUE(stored) << error;
  EXPECT_EQ(stored->state.active.size(), 100u);
}

TEST(discovery_controller, failures_change_nothing_and_are_counted_by_kind) {
  fixture f;
  f.pool = pool_of(5);
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  f.sync->configure(cfg);
  f.run();
  f.resolver->failure = dns::errc::servfail;
  auto report = f.run();
  const auto& n = report.names[0];
  EXPECT_FALSE(n.lookup.outcome.ok);
  EXPECT_TRUE(n.decision.changed_nothing_because_of_failure);
  EXPECT_EQ(n.lookup.failures.at("servfail"), 8u);  // one batch in a row, then it stops
  EXPECT_EQ(n.decision.next.active.size(), 5u);
  EXPECT_TRUE(report.any_failure());
  EXPECT_EQ(f.status[0].failed_runs, 1u);
  EXPECT_EQ(f.status[0].lookup_failures.at("servfail"), 8u);
  EXPECT_EQ(f.applied.at("alb").size(), 5u);
}

TEST(discovery_controller, groups_watching_one_name_share_its_lookup) {
  fixture f;
  f.pool = pool_of(4);
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("a", {"alb.example"}));
  cfg.target_groups.push_back(discovery_group("b", {"alb.example"}));
  f.sync->configure(cfg);
  auto report = f.run();
  ASSERT_EQ(report.names.size(), 2u);
  EXPECT_EQ(f.resolvers_made, 1);
  // 4 addresses come back whole: a short answer ends the lookup after the first batch.
  EXPECT_EQ(f.resolver->queries, 8);
  EXPECT_EQ(report.names[0].lookup.lookups, report.names[1].lookup.lookups);
  EXPECT_EQ(f.applied.at("a"), f.applied.at("b"));
  EXPECT_EQ(f.store.files.size(), 2u);
}

TEST(discovery_controller, restart_resumes_from_saved_state) {
  memory_store kept;
  {
    fixture f;
    f.pool = pool_of(3);
    config::config cfg;
    cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
    f.sync->configure(cfg);
    f.run();
    f.resolver->pool = pool_of(2);
    f.run();  // 10.1.0.3 misses once
    kept = f.store;
  }
  fixture g;
  g.store = kept;
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  g.sync->configure(cfg);
  EXPECT_EQ(g.sync->discovered().at("alb").size(), 3u);
  g.pool = pool_of(2);
  auto report = g.run();
  EXPECT_EQ(report.names[0].decision.next.pending.at("10.1.0.3").misses, 2u);
}

TEST(discovery_controller, corrupt_state_degrades_without_overwriting) {
  fixture f;
  f.pool = pool_of(3);
  f.store.files["alb/alb.example"] = "{not json";
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  f.sync->configure(cfg);
  auto report = f.run();
  const auto& n = report.names[0];
  EXPECT_NE(n.state_error.find("is corrupt"), std::string::npos) << n.state_error;
  EXPECT_EQ(n.decision.to_register.size(), 3u);
  EXPECT_EQ(f.store.files.at("alb/alb.example"), "{not json");
  EXPECT_EQ(f.store.saves, 0);
  EXPECT_FALSE(f.status[0].state_error.empty());
  // Fixed by an operator (removed): the next run saves again.
  f.store.files.erase("alb/alb.example");
  report = f.run();
  EXPECT_TRUE(report.names[0].state_error.empty());
  EXPECT_EQ(f.store.saves, 1);
}

TEST(discovery_controller, save_failure_is_reported_and_the_run_still_applies) {
  fixture f;
  f.pool = pool_of(3);
  f.store.fail_saves = true;
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  f.sync->configure(cfg);
  auto report = f.run();
  EXPECT_NE(report.names[0].state_error.find("disk full"), std::string::npos);
  EXPECT_EQ(f.applied.at("alb").size(), 3u);
  EXPECT_TRUE(report.any_failure());
}

TEST(discovery_controller, dry_run_neither_saves_nor_applies) {
  fixture f({.dry_run = true});
  f.pool = pool_of(3);
  config::config cfg;
  cfg.target_groups.push_back(discovery_group("alb", {"alb.example"}));
  f.sync->configure(cfg);
  auto report = f.run();
  EXPECT_EQ(report.names[0].decision.to_register.size(), 3u);
  EXPECT_EQ(f.store.saves, 0);
  EXPECT_EQ(f.applies, 0);
}

TEST(discovery_controller, static_targets_at_the_discovery_port_count_as_registered) {
  fixture f;
  f.pool = pool_of(2);
  config::config cfg;
  auto g = discovery_group("alb", {"alb.example"});
  g.targets.push_back({*net::endpoint::parse("10.1.0.1:443"), 1});
  cfg.target_groups.push_back(g);
  f.sync->configure(cfg);
  auto report = f.run();
  EXPECT_EQ(report.names[0].decision.to_register, (std::set<std::string>{"10.1.0.2"}));
}

TEST(discovery_controller, authoritative_asks_the_zones_own_servers_and_caches_them) {
  fixture f;
  f.pool = pool_of(3);
  f.ns["elb.example"] = {"ns1.elb.example", "ns2.elb.example"};
  f.hosts["ns1.elb.example"] = {"192.0.2.1"};
  f.hosts["ns2.elb.example"] = {"192.0.2.2"};
  config::config cfg;
  auto g = discovery_group("alb", {"my-alb.elb.example"});
  g.discovery->name_servers = {"10.0.0.2:53"};
  g.discovery->authoritative = true;
  g.discovery->authoritative_port = 5353;
  cfg.target_groups.push_back(g);
  f.sync->configure(cfg);
  auto report = f.run();
  ASSERT_EQ(report.names.size(), 1u);
  EXPECT_EQ(report.names[0].decision.to_register.size(), 3u);
  ASSERT_EQ(f.servers_asked.size(), 2u);  // the bootstrap resolver, then one for the zone's servers
  EXPECT_EQ(f.servers_asked[0], std::vector<std::string>{"10.0.0.2:53"});
  EXPECT_EQ(f.servers_asked[1], (std::vector<std::string>{"192.0.2.1:5353", "192.0.2.2:5353"}));
  f.run();
  EXPECT_EQ(f.resolvers_made, 2);  // the server list is cached for its TTL
}

TEST(discovery_controller, authoritative_failure_is_a_failed_lookup) {
  fixture f;
  f.pool = pool_of(3);
  config::config cfg;
  auto g = discovery_group("alb", {"my-alb.elb.example"});
  g.discovery->authoritative = true;
  cfg.target_groups.push_back(g);
  f.sync->configure(cfg);
  auto report = f.run();
  const auto& n = report.names[0];
  EXPECT_FALSE(n.lookup.outcome.ok);
  EXPECT_NE(n.lookup.outcome.error.find("authoritative"), std::string::npos) << n.lookup.outcome.error;
  EXPECT_TRUE(n.decision.changed_nothing_because_of_failure);
}

}  // namespace
}  // namespace staticgate::discovery

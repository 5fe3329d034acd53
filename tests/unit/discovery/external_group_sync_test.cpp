// sync_external_group with a fake target group and a fake shared (versioned) store: batching
// per group, failed calls kept for the next run, a failed read changing nothing, and two
// controllers racing on one state key.
#include "discovery/external_group_sync.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "discovery/controller.hpp"
#include "discovery/state_codec.hpp"

namespace staticgate::discovery {
namespace {

class fake_target final : public external_target_group {
 public:
  std::set<std::string> holds;
  bool fail_read = false;
  bool fail_deregister = false;
  bool fail_register = false;
  std::vector<std::pair<std::set<std::string>, std::set<std::string>>> calls;

  std::string where() const override { return "arn:fake"; }
  registered_view registered(std::string& error) override {
    if (fail_read) {
      error = "Throttling: Rate exceeded";
      return {.known = false, .addresses = {}};
    }
    return {.known = true, .addresses = holds};
  }
  external_apply_result apply(const std::set<std::string>& reg, const std::set<std::string>& dereg) override {
    calls.emplace_back(reg, dereg);
    external_apply_result r;
    if (fail_register) r.register_error = "InternalFailure";
    else {
      r.registered = reg;
      holds.insert(reg.begin(), reg.end());
    }
    if (fail_deregister) r.deregister_error = "InternalFailure";
    else {
      r.deregistered = dereg;
      for (const auto& a : dereg) holds.erase(a);
    }
    return r;
  }
};

// A shared store with versions; `before_save` lets a test play the other controller.
class versioned_store final : public state_store {
 public:
  std::map<std::string, std::pair<std::string, int>> objects;  // bytes, version
  std::function<void(const std::string& key)> before_save;
  int conflicts = 0;

  std::optional<std::string> load(const std::string& key, std::string& error) override {
    auto v = load_versioned(key, error);
    return v ? std::optional<std::string>(v->bytes) : std::nullopt;
  }
  bool save(const std::string& key, const std::string& bytes, std::string&) override {
    auto& o = objects[key];
    o = {bytes, o.second + 1};
    return true;
  }
  std::optional<versioned_bytes> load_versioned(const std::string& key, std::string&) override {
    auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return versioned_bytes{.bytes = it->second.first, .version = std::to_string(it->second.second)};
  }
  save_outcome save_if(const std::string& key, const std::string& bytes, const std::string& expected,
                       std::string& new_version, std::string&) override {
    if (before_save) {
      auto hook = std::move(before_save);
      before_save = nullptr;
      hook(key);
    }
    auto it = objects.find(key);
    const std::string current = it == objects.end() ? "" : std::to_string(it->second.second);
    if (current != expected) {
      ++conflicts;
      return save_outcome::conflict;
    }
    std::string ignored;
    save(key, bytes, ignored);
    new_version = std::to_string(objects[key].second);
    return save_outcome::saved;
  }
  bool versioned() const override { return true; }

  sync_state state(const std::string& key) {
    std::string error;
    return decode_state(objects.at(key).first, error)->state;
  }
};

config::target_group group(std::vector<std::string> names, std::uint32_t misses = 2) {
  config::target_group g;
  g.name = "alb";
  config::dns_discovery d;
  d.names = std::move(names);
  d.port = 443;
  d.misses_before_deregistration = misses;
  d.max_deregistration_fraction = 1.0;
  g.discovery = d;
  return g;
}

external_name_input answer(std::string name, std::set<std::string> addresses) {
  external_name_input in;
  in.name = std::move(name);
  in.lookup.outcome = {.ok = true, .addresses = std::move(addresses), .error = "", .complete = true};
  return in;
}

TEST(external_group_sync, registers_every_name_in_one_call_and_saves_each_state) {
  fake_target target;
  versioned_store store;
  auto out = sync_external_group(target, store, group({"a.example", "b.example"}),
                                 {answer("a.example", {"10.0.0.1", "10.0.0.2"}), answer("b.example", {"10.0.0.3"})},
                                 false, 1000);
  ASSERT_EQ(target.calls.size(), 1u);
  EXPECT_EQ(target.calls[0].first, (std::set<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_TRUE(target.calls[0].second.empty());
  EXPECT_EQ(store.state("alb/a.example").active, (std::set<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(store.state("alb/b.example").active, (std::set<std::string>{"10.0.0.3"}));
  for (const auto& n : out.names) EXPECT_TRUE(n.state_error.empty() && n.target_error.empty());
}

TEST(external_group_sync, nothing_to_do_makes_no_call) {
  fake_target target;
  target.holds = {"10.0.0.1"};
  versioned_store store;
  sync_external_group(target, store, group({"a.example"}), {answer("a.example", {"10.0.0.1"})}, false, 1000);
  EXPECT_TRUE(target.calls.empty());
}

TEST(external_group_sync, deregisters_after_the_misses_but_not_an_address_another_name_holds) {
  fake_target target;
  versioned_store store;
  auto g = group({"a.example", "b.example"}, 1);
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.1", "10.0.0.2"}), answer("b.example", {"10.0.0.2"})},
                      false, 1000);
  target.calls.clear();
  // 10.0.0.2 leaves a.example but b.example still answers it; 10.0.0.1 is gone for good.
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.3"}), answer("b.example", {"10.0.0.2"})}, false,
                      2000);
  ASSERT_EQ(target.calls.size(), 1u);
  EXPECT_EQ(target.calls[0].first, (std::set<std::string>{"10.0.0.3"}));
  EXPECT_EQ(target.calls[0].second, (std::set<std::string>{"10.0.0.1"}));
  EXPECT_EQ(target.holds, (std::set<std::string>{"10.0.0.2", "10.0.0.3"}));
}

TEST(external_group_sync, a_failed_read_deregisters_nothing) {
  fake_target target;
  versioned_store store;
  auto g = group({"a.example"}, 1);
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.1"})}, false, 1000);
  target.calls.clear();
  target.fail_read = true;
  auto out = sync_external_group(target, store, g, {answer("a.example", {"10.0.0.2"})}, false, 2000);
  ASSERT_EQ(target.calls.size(), 1u);
  EXPECT_EQ(target.calls[0].first, (std::set<std::string>{"10.0.0.2"}));  // new capacity still goes in
  EXPECT_TRUE(target.calls[0].second.empty());
  EXPECT_NE(out.registered_error.find("Throttling"), std::string::npos);
  EXPECT_TRUE(store.state("alb/a.example").pending.contains("10.0.0.1"));  // still counting
}

TEST(external_group_sync, a_failed_deregistration_stays_pending_for_the_next_run) {
  fake_target target;
  versioned_store store;
  auto g = group({"a.example"}, 1);
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.1", "10.0.0.2"})}, false, 1000);
  target.fail_deregister = true;
  auto out = sync_external_group(target, store, g, {answer("a.example", {"10.0.0.2"})}, false, 2000);
  EXPECT_FALSE(out.names[0].target_error.empty());
  auto s = store.state("alb/a.example");
  EXPECT_TRUE(s.active.contains("10.0.0.1"));
  EXPECT_TRUE(s.pending.contains("10.0.0.1"));
  target.fail_deregister = false;
  target.calls.clear();
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.2"})}, false, 3000);
  ASSERT_EQ(target.calls.size(), 1u);
  EXPECT_EQ(target.calls[0].second, (std::set<std::string>{"10.0.0.1"}));
  EXPECT_FALSE(store.state("alb/a.example").active.contains("10.0.0.1"));
}

TEST(external_group_sync, a_conflicting_writer_is_read_back_and_its_counters_kept) {
  fake_target target;
  versioned_store store;
  auto g = group({"a.example"}, 3);
  sync_external_group(target, store, g, {answer("a.example", {"10.0.0.1", "10.0.0.2"})}, false, 1000);
  // The other controller saw 10.0.0.1 missing twice meanwhile and saved that.
  store.before_save = [&store](const std::string& key) {
    auto s = store.state(key);
    s.pending["10.0.0.1"] = {.misses = 2, .first_missed_unix_ms = 1500};
    s.runs += 2;
    std::string e;
    store.save(key, encode_state({.target_group = "alb", .name = "a.example", .state = s}), e);
  };
  auto out = sync_external_group(target, store, g, {answer("a.example", {"10.0.0.2"})}, false, 2000);
  EXPECT_EQ(store.conflicts, 1);
  EXPECT_TRUE(out.names[0].state_error.empty()) << out.names[0].state_error;
  // Decided again from their state: the third miss deregisters it.
  EXPECT_FALSE(store.state("alb/a.example").active.contains("10.0.0.1"));
  EXPECT_FALSE(target.holds.contains("10.0.0.1"));
  EXPECT_EQ(store.state("alb/a.example").runs, 4u);
}

TEST(external_group_sync, a_corrupt_state_registers_only_and_is_left_alone) {
  fake_target target;
  target.holds = {"10.0.0.9"};
  versioned_store store;
  store.objects["alb/a.example"] = {"{not json", 7};
  auto out = sync_external_group(target, store, group({"a.example"}, 1), {answer("a.example", {"10.0.0.1"})}, false, 1000);
  EXPECT_NE(out.names[0].state_error.find("corrupt"), std::string::npos);
  ASSERT_EQ(target.calls.size(), 1u);
  EXPECT_EQ(target.calls[0].first, (std::set<std::string>{"10.0.0.1"}));
  EXPECT_TRUE(target.calls[0].second.empty());
  EXPECT_EQ(store.objects["alb/a.example"].first, "{not json");
}

TEST(external_group_sync, dry_run_reads_and_decides_but_changes_nothing) {
  fake_target target;
  versioned_store store;
  auto out = sync_external_group(target, store, group({"a.example"}), {answer("a.example", {"10.0.0.1"})}, true, 1000);
  EXPECT_TRUE(target.calls.empty());
  EXPECT_TRUE(store.objects.empty());
  EXPECT_EQ(out.names[0].decision.to_register, (std::set<std::string>{"10.0.0.1"}));
}

}  // namespace
}  // namespace staticgate::discovery

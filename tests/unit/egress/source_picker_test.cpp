#include "egress/source_picker.hpp"

#include <gtest/gtest.h>

namespace staticgate::egress {
namespace {

ip_address ip(const char* text) { return *ip_address::parse(text); }

std::vector<std::string> texts(const std::vector<ip_address>& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(a.to_string());
  return out;
}

TEST(egress_source_picker, round_robin_rotates_within_the_family) {
  source_picker p({ip("127.0.0.77"), ip("::1"), ip("127.0.0.78")}, config::source_selection::round_robin, {});
  EXPECT_EQ(texts(p.order("", "x", false, 0)), (std::vector<std::string>{"127.0.0.77", "127.0.0.78"}));
  EXPECT_EQ(texts(p.order("", "x", false, 1)), (std::vector<std::string>{"127.0.0.78", "127.0.0.77"}));
  EXPECT_EQ(texts(p.order("", "x", true, 5)), (std::vector<std::string>{"::1"}));
  EXPECT_TRUE(p.has_family(true));
}

TEST(egress_source_picker, per_user_puts_the_pinned_address_first) {
  source_picker p({ip("127.0.0.77"), ip("127.0.0.78"), ip("127.0.0.79")}, config::source_selection::per_user,
                  {{"alice", ip("127.0.0.79")}});
  EXPECT_EQ(texts(p.order("alice", "x", false, 0)).front(), "127.0.0.79");
  EXPECT_EQ(texts(p.order("alice", "x", false, 1)).front(), "127.0.0.79");
  EXPECT_EQ(p.order("alice", "x", false, 1).size(), 3u);  // the others remain as fallbacks
  EXPECT_EQ(texts(p.order("bob", "x", false, 1)).front(), "127.0.0.78");
}

TEST(egress_source_picker, only_unpinned_round_robin_consumes_turns) {
  source_picker per_user({ip("127.0.0.77"), ip("127.0.0.78")}, config::source_selection::per_user,
                         {{"alice", ip("127.0.0.78")}});
  EXPECT_FALSE(per_user.uses_turn("alice"));
  EXPECT_TRUE(per_user.uses_turn("bob"));
  source_picker hashed({ip("127.0.0.77")}, config::source_selection::destination_hash, {});
  EXPECT_FALSE(hashed.uses_turn("bob"));
}

TEST(egress_source_picker, destination_hash_is_sticky_per_host) {
  source_picker p({ip("127.0.0.77"), ip("127.0.0.78"), ip("127.0.0.79")}, config::source_selection::destination_hash,
                  {});
  auto first = p.order("", "api.vendor.com", false, 0);
  for (std::uint64_t turn = 1; turn < 10; ++turn) EXPECT_EQ(p.order("", "api.vendor.com", false, turn), first);
  std::set<std::string> fronts;
  for (int i = 0; i < 50; ++i) fronts.insert(p.order("", "host" + std::to_string(i), false, 0).front().to_string());
  EXPECT_EQ(fronts.size(), 3u);  // different hosts spread over the addresses
}

TEST(egress_source_picker, no_sources_means_the_kernel_chooses) {
  source_picker p;
  EXPECT_FALSE(p.has_sources());
  EXPECT_TRUE(p.order("", "x", false, 0).empty());
}

}  // namespace
}  // namespace staticgate::egress

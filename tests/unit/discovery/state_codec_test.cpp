// sync_state as JSON (src/discovery/state_codec.hpp): round trip, and every kind of corrupt
// input is refused with an error naming what is wrong, never an exception.
#include "discovery/state_codec.hpp"

#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace staticgate::discovery {
namespace {

using json = nlohmann::json;

stored_state sample() {
  return {.target_group = "arn:aws:elasticloadbalancing:eu-west-1:123:targetgroup/tg/abc",
          .name = "internal-alb-1.eu-west-1.elb.amazonaws.com",
          .state = {.active = {"10.0.0.1", "10.0.0.2", "2001:db8::7"},
                    .pending = {{"10.0.0.2", {.misses = 2, .first_missed_unix_ms = 1'700'000'000'123}}},
                    .last_success_unix_ms = 1'700'000'060'000,
                    .runs = 42}};
}

json sample_json() { return json::parse(encode_state(sample())); }

TEST(state_codec, round_trip) {
  const stored_state in = sample();
  std::string error;
  const auto out = decode_state(encode_state(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(out->target_group, in.target_group);
  EXPECT_EQ(out->name, in.name);
  EXPECT_EQ(out->state, in.state);
}

TEST(state_codec, round_trip_of_the_empty_state_and_extreme_values) {
  stored_state in{.target_group = "", .name = "", .state = {}};
  std::string error;
  auto out = decode_state(encode_state(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->state, in.state);

  in.state = {.active = {"255.255.255.255"},
              .pending = {{"255.255.255.255", {.misses = UINT32_MAX, .first_missed_unix_ms = INT64_MAX}}},
              .last_success_unix_ms = INT64_MAX,
              .runs = UINT64_MAX};
  out = decode_state(encode_state(in), error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->state, in.state);
}

TEST(state_codec, encodes_the_documented_layout) {
  const json doc = sample_json();
  EXPECT_EQ(doc["schema"], 1);
  EXPECT_EQ(doc["active"], json::array({"10.0.0.1", "10.0.0.2", "2001:db8::7"}));
  EXPECT_EQ(doc["pending"]["10.0.0.2"]["misses"], 2);
  EXPECT_EQ(doc["pending"]["10.0.0.2"]["first_missed_unix_ms"], 1'700'000'000'123);
  EXPECT_EQ(doc["runs"], 42);
}

TEST(state_codec, unknown_members_are_ignored) {
  json doc = sample_json();
  doc["written_by"] = "staticgate 0.2";
  std::string error;
  EXPECT_TRUE(decode_state(doc.dump(), error)) << error;
}

TEST(state_codec, canonical_ip) {
  EXPECT_EQ(canonical_ip("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(canonical_ip("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_ip("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
  EXPECT_FALSE(canonical_ip(""));
  EXPECT_FALSE(canonical_ip("10.0.0"));
  EXPECT_FALSE(canonical_ip("10.0.0.256"));
  EXPECT_FALSE(canonical_ip("example.com"));
  EXPECT_FALSE(canonical_ip(std::string_view("10.0.0.1\0x", 10)));
}

struct corruption {
  std::string name;
  std::string bytes;
  std::string error_contains;
};

// Each case: the sample document with one thing broken.
std::string with(const std::function<void(json&)>& edit) {
  json doc = sample_json();
  edit(doc);
  return doc.dump();
}

std::vector<corruption> corruptions() {
  return {
      {"empty_input", "", "not valid JSON"},
      {"truncated", encode_state(sample()).substr(0, 40), "not valid JSON"},
      {"trailing_garbage", encode_state(sample()) + "}", "not valid JSON"},
      {"invalid_utf8", "{\"schema\":1,\"name\":\"\xff\"}", "not valid JSON"},
      {"not_an_object", "[1,2,3]", "not a JSON object"},
      {"null", "null", "not a JSON object"},
      {"schema_missing", with([](json& d) { d.erase("schema"); }), "missing member \"schema\""},
      {"schema_2", with([](json& d) { d["schema"] = 2; }), "version 2 is not supported"},
      {"schema_0", with([](json& d) { d["schema"] = 0; }), "version 0 is not supported"},
      {"schema_string", with([](json& d) { d["schema"] = "1"; }), "schema: not a non-negative integer"},
      {"schema_float", with([](json& d) { d["schema"] = 1.0; }), "schema: not a non-negative integer"},
      {"schema_negative", with([](json& d) { d["schema"] = -1; }), "schema: not a non-negative integer"},
      {"target_group_number", with([](json& d) { d["target_group"] = 5; }), "target_group: not a string"},
      {"name_missing", with([](json& d) { d.erase("name"); }), "missing member \"name\""},
      {"active_missing", with([](json& d) { d.erase("active"); }), "missing member \"active\""},
      {"active_object", with([](json& d) { d["active"] = json::object(); }), "active: not an array"},
      {"active_number_item", with([](json& d) { d["active"][1] = 10; }), "active[1]: not a string"},
      {"active_bad_ip", with([](json& d) { d["active"][0] = "10.0.0.300"; }), "active[0]: \"10.0.0.300\" is not an IP address"},
      {"active_hostname", with([](json& d) { d["active"][0] = "alb.example.com"; }), "is not an IP address"},
      {"active_not_canonical", with([](json& d) { d["active"][2] = "2001:DB8::7"; }), "is not canonical"},
      {"active_duplicate", with([](json& d) { d["active"].push_back("10.0.0.1"); }), "listed twice"},
      {"pending_missing", with([](json& d) { d.erase("pending"); }), "missing member \"pending\""},
      {"pending_array", with([](json& d) { d["pending"] = json::array(); }), "pending: not an object"},
      {"pending_bad_ip", with([](json& d) { d["pending"]["x.y"] = {{"misses", 1}, {"first_missed_unix_ms", 1}}; }), "\"x.y\" is not an IP address"},
      {"pending_not_active", with([](json& d) { d["pending"]["10.9.9.9"] = {{"misses", 1}, {"first_missed_unix_ms", 1}}; }), "pending[\"10.9.9.9\"]: not in active"},
      {"pending_entry_number", with([](json& d) { d["pending"]["10.0.0.2"] = 3; }), "pending[\"10.0.0.2\"]: not an object"},
      {"misses_missing", with([](json& d) { d["pending"]["10.0.0.2"].erase("misses"); }), "pending[\"10.0.0.2\"]: missing member \"misses\""},
      {"misses_negative", with([](json& d) { d["pending"]["10.0.0.2"]["misses"] = -1; }), ".misses: not an integer in 1..4294967295"},
      {"misses_zero", with([](json& d) { d["pending"]["10.0.0.2"]["misses"] = 0; }), ".misses: not an integer in 1.."},
      {"misses_too_big", with([](json& d) { d["pending"]["10.0.0.2"]["misses"] = 4294967296ULL; }), ".misses: not an integer"},
      {"misses_float", with([](json& d) { d["pending"]["10.0.0.2"]["misses"] = 1.5; }), ".misses: not an integer"},
      {"misses_string", with([](json& d) { d["pending"]["10.0.0.2"]["misses"] = "2"; }), ".misses: not an integer"},
      {"first_missed_negative", with([](json& d) { d["pending"]["10.0.0.2"]["first_missed_unix_ms"] = -5; }), ".first_missed_unix_ms: not a non-negative integer"},
      {"first_missed_missing", with([](json& d) { d["pending"]["10.0.0.2"].erase("first_missed_unix_ms"); }), "missing member \"first_missed_unix_ms\""},
      {"last_success_negative", with([](json& d) { d["last_success_unix_ms"] = -1; }), "last_success_unix_ms: not a non-negative integer"},
      {"last_success_too_big", with([](json& d) { d["last_success_unix_ms"] = 9223372036854775808ULL; }), "last_success_unix_ms: not a non-negative integer"},
      {"last_success_null", with([](json& d) { d["last_success_unix_ms"] = nullptr; }), "last_success_unix_ms: not a non-negative integer"},
      {"runs_negative", with([](json& d) { d["runs"] = -3; }), "runs: not a non-negative integer"},
      {"runs_float", with([](json& d) { d["runs"] = 3.25; }), "runs: not a non-negative integer"},
      {"runs_missing", with([](json& d) { d.erase("runs"); }), "missing member \"runs\""},
  };
}

TEST(state_codec, every_corruption_is_refused_with_a_clear_error) {
  for (const auto& c : corruptions()) {
    SCOPED_TRACE(c.name);
    std::string error;
    std::optional<stored_state> out;
    EXPECT_NO_THROW(out = decode_state(c.bytes, error));
    EXPECT_FALSE(out);
    EXPECT_NE(error.find(c.error_contains), std::string::npos) << "error was: " << error;
  }
}

TEST(state_codec, every_prefix_of_a_valid_document_is_refused_without_throwing) {
  const std::string bytes = encode_state(sample());
  for (std::size_t n = 0; n + 1 < bytes.size(); ++n) {
    std::string error;
    std::optional<stored_state> out;
    EXPECT_NO_THROW(out = decode_state(std::string_view(bytes).substr(0, n), error));
    // The last bytes are "}\n": only the full object (with or without the newline) is valid.
    if (n < bytes.size() - 1) {
      EXPECT_FALSE(out) << n;
      EXPECT_FALSE(error.empty()) << n;
    }
  }
}

TEST(state_codec, decode_clears_a_previous_error) {
  std::string error = "stale";
  EXPECT_TRUE(decode_state(encode_state(sample()), error));
  EXPECT_TRUE(error.empty());
}

TEST(state_codec, encode_replaces_invalid_utf8_instead_of_throwing) {
  stored_state in = sample();
  in.name = "bad\xff";
  std::string bytes;
  EXPECT_NO_THROW(bytes = encode_state(in));
  std::string error;
  const auto out = decode_state(bytes, error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->name, "bad\xEF\xBF\xBD");
}

}  // namespace
}  // namespace staticgate::discovery

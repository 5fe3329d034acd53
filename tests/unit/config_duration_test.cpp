// parse_duration: the forms the config documents, and the near misses it must refuse.
#include <gtest/gtest.h>

#include "config/duration.hpp"

namespace staticgate::config {
namespace {

using namespace std::chrono_literals;

TEST(config_duration, accepts_documented_forms) {
  EXPECT_EQ(parse_duration("500ms"), duration{500ms});
  EXPECT_EQ(parse_duration("30s"), duration{30s});
  EXPECT_EQ(parse_duration("5m"), duration{5min});
  EXPECT_EQ(parse_duration("1h"), duration{1h});
  EXPECT_EQ(parse_duration("1m30s"), duration{90s});
  EXPECT_EQ(parse_duration("1h2m3s4ms"), duration{1h + 2min + 3s + 4ms});
  EXPECT_EQ(parse_duration("350s"), duration{350s});
  EXPECT_EQ(parse_duration("1h30m"), duration{90min});
  EXPECT_EQ(parse_duration("2s500ms"), duration{2500ms});
  EXPECT_EQ(parse_duration("0s"), duration{0});  // the caller decides whether zero is allowed
  EXPECT_EQ(parse_duration("90m"), duration{90min});  // a part may exceed the next unit up
}

TEST(config_duration, minutes_and_milliseconds_are_not_confused) {
  EXPECT_EQ(parse_duration("5ms"), duration{5ms});
  EXPECT_EQ(parse_duration("5m"), duration{5min});
  EXPECT_EQ(parse_duration("5m5ms"), duration{5min + 5ms});
  EXPECT_EQ(parse_duration("5m5s"), duration{5min + 5s});
}

TEST(config_duration, rejects_malformed_text) {
  for (const char* text : {"", "10", "-1s", "+1s", "1x", "1d", "s", "ms", "1", "1.5s", " 1s", "1s ",
                           "1 s", "1S", "1H", "1ms5", "1mss", "1sm", "1m 30s", "1_000ms", "0x10s"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(config_duration, each_unit_once_largest_first) {
  EXPECT_EQ(parse_duration("30s1m"), std::nullopt);
  EXPECT_EQ(parse_duration("1m1m"), std::nullopt);
  EXPECT_EQ(parse_duration("1ms1s"), std::nullopt);
  EXPECT_EQ(parse_duration("1h1ms"), duration{1h + 1ms});  // skipping units is fine
}

TEST(config_duration, rejects_overflow) {
  // The limit is what still fits in std::chrono::nanoseconds.
  EXPECT_EQ(parse_duration("9223372036854ms"), duration{9223372036854LL});
  EXPECT_EQ(parse_duration("9223372036855ms"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854775807ms"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854775808ms"), std::nullopt);  // beyond int64 while parsing
  EXPECT_EQ(parse_duration("99999999999999999999999h"), std::nullopt);
  EXPECT_EQ(parse_duration("3000000000h"), std::nullopt);  // overflows when multiplied
  EXPECT_EQ(parse_duration("2562048h"), std::nullopt);
  EXPECT_EQ(parse_duration("2562047h"), duration{std::chrono::hours{2562047}});
}

}  // namespace
}  // namespace staticgate::config

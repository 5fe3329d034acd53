#include "ingress/connection_log.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace staticgate::ingress {
namespace {

TEST(connection_log, json_line_has_every_field) {
  connection_record r;
  r.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  r.listener = "web";
  r.target_group = "app";
  r.client = *net::endpoint::parse("203.0.113.7:51000");
  r.local = *net::endpoint::parse("[2001:db8::1]:443");
  auto target = *net::endpoint::parse("10.0.0.5:8443");
  r.target = &target;
  r.attempts = 2;
  r.bytes_from_client = 517;
  r.bytes_from_target = 4096;
  r.duration = std::chrono::microseconds(12'345);
  r.reason = end_reason::target_reset;
  std::string out;
  append_json_line(out, r);
  EXPECT_EQ(out,
            "{\"start\":\"2023-11-14T22:13:20.123Z\",\"listener\":\"web\",\"client\":\"203.0.113.7:51000\","
            "\"local\":\"[2001:db8::1]:443\",\"target_group\":\"app\",\"target\":\"10.0.0.5:8443\",\"attempts\":2,"
            "\"bytes_from_client\":517,\"bytes_from_target\":4096,\"duration_ms\":12.345,\"end\":\"target_reset\"}\n");
}

TEST(connection_log, no_target_is_null) {
  connection_record r;
  r.reason = end_reason::connect_failed;
  std::string out;
  append_json_line(out, r);
  EXPECT_NE(out.find("\"target\":null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"end\":\"connect_failed\""), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(connection_log, every_reason_has_a_distinct_name) {
  std::set<std::string> names;
  for (auto r : {end_reason::client_closed, end_reason::target_closed, end_reason::idle_timeout,
                 end_reason::connect_failed, end_reason::client_reset, end_reason::target_reset, end_reason::error,
                 end_reason::shutdown, end_reason::drained})
    names.insert(to_string(r));
  EXPECT_EQ(names.size(), 9u);
}

}  // namespace
}  // namespace staticgate::ingress

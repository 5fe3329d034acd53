#include "admin/status_table.hpp"

#include <gtest/gtest.h>

#include "admin/json_api.hpp"
#include "sample_snapshot.hpp"

namespace staticgate::admin {
namespace {

TEST(StatusTableTest, HumanBytes) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(3ULL << 30), "3.0 GiB");
}

TEST(StatusTableTest, HumanDuration) {
  EXPECT_EQ(human_duration(42.9), "42s");
  EXPECT_EQ(human_duration(303), "5m 03s");
  EXPECT_EQ(human_duration(3723.5), "1h 02m");
  EXPECT_EQ(human_duration(3 * 86400 + 4 * 3600 + 5), "3d 04h");
}

TEST(StatusTableTest, RendersSnapshot) {
  auto text = render_status_table(to_json(testing::sample_snapshot()));
  EXPECT_EQ(text,
            "staticgate 0.1.0, 4 workers, up 1h 02m\n"
            "\n"
            "LISTENER  BINDS                    TARGET GROUP   ACTIVE/MAX  ACCEPTED  REJECTED\n"
            "web       0.0.0.0:8080, [::]:8080  backends           3/1000       120         2\n"
            "raw       127.0.0.1:9000           v6            0/unlimited         0         0\n"
            "\n"
            "TARGET GROUP backends (round_robin)\n"
            "TARGET       STATE      ELIGIBLE  ACTIVE  TOTAL  FAILURES  FROM CLIENT  FROM TARGET\n"
            "10.0.0.1:80  healthy    yes            2    100         1      1.5 KiB      3.0 GiB\n"
            "10.0.0.2:80  unhealthy  no             0      0         0          0 B          0 B\n"
            "\n"
            "TARGET GROUP v6 (maglev)\n"
            "TARGET    STATE    ELIGIBLE  ACTIVE  TOTAL  FAILURES  FROM CLIENT  FROM TARGET\n"
            "[::1]:80  drained  no             0      0         0          0 B          0 B\n");
}

TEST(StatusTableTest, ToleratesMissingMembers) {
  auto text = render_status_table(nlohmann::json::parse(R"({"target_groups": [{"name": "g", "targets": []}]})"));
  EXPECT_EQ(text,
            "staticgate -, 0 workers, up 0s\n"
            "\n"
            "LISTENER  BINDS  TARGET GROUP  ACTIVE/MAX  ACCEPTED  REJECTED\n"
            "\n"
            "TARGET GROUP g (-)\n"
            "  (no targets)\n");
}

}  // namespace
}  // namespace staticgate::admin

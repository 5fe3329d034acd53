#include "admin/process_stats.hpp"

#include <gtest/gtest.h>

namespace staticgate::admin {
namespace {

TEST(ProcessStatsTest, ReadsThisProcess) {
  auto s = read_process_stats();
  EXPECT_GE(s.open_fds, 3u);  // stdin, stdout, stderr at least
  EXPECT_GT(s.rss_bytes, 0u);
  EXPECT_GE(s.uptime_seconds, 0.0);
  EXPECT_LT(s.uptime_seconds, 3600.0);
}

}  // namespace
}  // namespace staticgate::admin

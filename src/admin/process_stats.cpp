#include "admin/process_stats.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace staticgate::admin {

namespace {

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::uint64_t n = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n > 0 ? n - 1 : 0;  // not the descriptor opendir() itself holds
}

std::uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size_pages = 0, resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) return 0;
  long page = ::sysconf(_SC_PAGESIZE);
  return resident_pages * static_cast<std::uint64_t>(page > 0 ? page : 4096);
}

// Field 22 of /proc/self/stat is the start time in clock ticks since boot;
// /proc/uptime is seconds since boot. The command name (field 2) may contain
// spaces, so fields are counted after its closing ')'.
double uptime_seconds() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {  // fields 3..22
    if (!(fields >> field)) return 0;
  }
  double start_ticks = 0;
  try {
    start_ticks = std::stod(field);
  } catch (...) {
    return 0;
  }
  std::ifstream uptime_file("/proc/uptime");
  double since_boot = 0;
  if (!(uptime_file >> since_boot)) return 0;
  long hz = ::sysconf(_SC_CLK_TCK);
  double up = since_boot - start_ticks / static_cast<double>(hz > 0 ? hz : 100);
  return up > 0 ? up : 0;
}

}  // namespace

process_stats read_process_stats() {
  process_stats s;
  s.open_fds = count_open_fds();
  s.rss_bytes = resident_bytes();
  s.uptime_seconds = uptime_seconds();
  return s;
}

}  // namespace staticgate::admin

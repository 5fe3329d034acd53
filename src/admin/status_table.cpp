#include "admin/status_table.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace staticgate::admin {

namespace {

// Columns separated by two spaces; numbers right-aligned; no trailing blanks.
class table {
 public:
  table(std::vector<std::string> header, std::vector<bool> right_aligned)
      : right_(std::move(right_aligned)) {
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string render() const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
        if (i > 0) line += "  ";
        std::string pad(width[i] - row[i].size(), ' ');
        line += right_[i] ? pad + row[i] : row[i] + pad;
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
    return out;
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::uint64_t num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  auto v = it->get<double>();
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

std::string yes_no(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return "-";
  return it->get<bool>() ? "yes" : "no";
}

const nlohmann::json& array_member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

std::string join(const nlohmann::json& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024;
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string human_duration(double seconds) {
  auto s = seconds > 0 ? static_cast<std::uint64_t>(seconds) : 0;
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%llum %02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lluh %02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llud %02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s % 86400 / 3600));
  }
  return buf;
}

std::string render_status_table(const nlohmann::json& status) {
  std::string out = "staticgate " + str(status, "version") + ", " + std::to_string(num(status, "workers")) +
                    " workers, up " + human_duration(static_cast<double>(num(status, "uptime_seconds"))) + "\n";

  out += "\n";
  table listeners({"LISTENER", "BINDS", "TARGET GROUP", "ACTIVE/MAX", "ACCEPTED", "REJECTED"},
                  {false, false, false, true, true, true});
  for (const auto& l : array_member(status, "listeners")) {
    auto max = num(l, "max_connections");
    listeners.add({str(l, "name"), join(array_member(l, "binds")), str(l, "target_group"),
                   std::to_string(num(l, "active")) + "/" + (max == 0 ? "unlimited" : std::to_string(max)),
                   std::to_string(num(l, "accepted")), std::to_string(num(l, "rejected"))});
  }
  out += listeners.render();

  for (const auto& g : array_member(status, "target_groups")) {
    out += "\nTARGET GROUP " + str(g, "name") + " (" + str(g, "algorithm") + ")\n";
    const auto& targets = array_member(g, "targets");
    if (targets.empty()) {
      out += "  (no targets)\n";
      continue;
    }
    table t({"TARGET", "STATE", "ELIGIBLE", "ACTIVE", "TOTAL", "FAILURES", "FROM CLIENT", "FROM TARGET"},
            {false, false, false, true, true, true, true, true});
    for (const auto& target : targets) {
      t.add({str(target, "address"), str(target, "state"), yes_no(target, "eligible"),
             std::to_string(num(target, "active")), std::to_string(num(target, "connections")),
             std::to_string(num(target, "connect_failures")), human_bytes(num(target, "bytes_from_client")),
             human_bytes(num(target, "bytes_from_target"))});
    }
    out += t.render();
  }
  return out;
}

}  // namespace staticgate::admin

#include "discovery/sync_command.hpp"

#include <filesystem>
#include <system_error>

#include "discovery/cares_resolvers.hpp"
#include "discovery/controller.hpp"
#include "discovery/file_state_store.hpp"
#include "discovery/sync_report_format.hpp"
#include "net/event_loop.hpp"

namespace staticgate::discovery {
namespace {

// A dry run against a state_dir that does not exist yet: nothing was ever saved.
class nothing_saved_store final : public state_store {
 public:
  std::optional<std::string> load(const std::string&, std::string& error) override {
    error.clear();
    return std::nullopt;
  }
  bool save(const std::string&, const std::string&, std::string& error) override {
    error = "dry run";
    return false;
  }
};

}  // namespace

bool has_discovery(const config::config& cfg) {
  for (const auto& g : cfg.target_groups)
    if (g.discovery) return true;
  return false;
}

std::string prepare_state_dir(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return "state_dir " + state_dir + ": " + ec.message();
  if (!std::filesystem::is_directory(state_dir, ec)) return "state_dir " + state_dir + ": not a directory";
  return {};
}

int run_sync_once(const config::config& cfg, bool dry_run, bool json, std::ostream& out, std::ostream& err,
                  backends with) {
  if (!has_discovery(cfg)) {
    err << "no target group has a [target_group.discovery.dns]: nothing to sync\n";
    return sync_usage_error;
  }
  if (!dry_run && !with.store) {
    if (auto problem = prepare_state_dir(cfg.global.state_dir); !problem.empty()) {
      err << problem << "\n";
      return sync_lookup_or_state_failed;
    }
  }
  net::event_loop loop;
  file_state_store files(cfg.global.state_dir);
  nothing_saved_store nothing;
  std::error_code ec;
  state_store& store = with.store ? *with.store
                       : dry_run && !std::filesystem::exists(cfg.global.state_dir, ec)
                           ? static_cast<state_store&>(nothing)
                           : static_cast<state_store&>(files);
  run_report report;
  {
    controller sync(loop, store, cares_resolver_factory(loop), nullptr, nullptr, {.dry_run = dry_run});
    if (with.external_targets) sync.set_external_targets(with.external_targets);
    if (with.observer && !dry_run) sync.set_run_observer(with.observer);
    sync.configure(cfg);
    sync.run_once([&](const run_report& r) {
      report = r;
      loop.stop();
    });
    loop.run();
  }
  loop.destroy_retired();
  if (json)
    out << report_to_json(report, dry_run).dump(2) << "\n";
  else
    out << report_to_table(report, dry_run);
  return exit_status(report);
}

}  // namespace staticgate::discovery

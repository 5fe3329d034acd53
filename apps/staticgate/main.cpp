// staticgate's command line: parses arguments, loads the config, runs the
// gateway until a signal. No logic lives here beyond wiring.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "config/default_config.hpp"
#include "config/load.hpp"
#include "ingress/server.hpp"

namespace {

using namespace staticgate;

config::load_result load_config(const std::string& path) {
  if (path.empty()) return config::parse(config::default_config_text, config::default_config_name);
  return config::load_file(path);
}

bool report(const config::load_result& result) {
  for (const auto& d : result.errors) std::cerr << d.to_string() << "\n";
  return result.ok();
}

// Proxies need two descriptors per connection: use what the hard limit allows,
// as HAProxy does, instead of dying at the distribution's soft default of 1024.
void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Stops accepting and waits until the established connections have ended, the
// grace period is over, or a second SIGTERM/SIGINT says not to wait.
void drain(ingress::server& server, std::chrono::milliseconds grace, const sigset_t& signals) {
  server.stop_accepting();
  auto active = server.active_connections();
  if (active == 0) return;
  spdlog::info("draining {} connection(s) for up to {} ms (send the signal again to stop now)", active, grace.count());
  auto deadline = std::chrono::steady_clock::now() + grace;
  while ((active = server.active_connections()) != 0) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      spdlog::warn("shutdown grace over: closing {} connection(s)", active);
      return;
    }
    timespec wait{0, 100'000'000};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::warn("second signal: closing {} connection(s) now", active);
      return;
    }
  }
  spdlog::info("all connections ended");
}

int run(const std::string& path, unsigned workers_flag, const std::string& log_level_flag) {
  auto loaded = load_config(path);
  if (!report(loaded)) return 1;
  const auto& cfg = *loaded.value;

  auto level = spdlog::level::from_str(log_level_flag.empty() ? cfg.global.log_level : log_level_flag);
  spdlog::set_default_logger(spdlog::stderr_color_mt("staticgate"));
  spdlog::set_level(level);

  raise_open_files_limit();
  std::signal(SIGPIPE, SIG_IGN);
  // Workers inherit this mask; only the main thread takes the signals, via sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  unsigned workers = workers_flag ? workers_flag : cfg.global.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

  try {
    ingress::server server(cfg, workers);
    spdlog::info("config: {}", path.empty() ? config::default_config_name : path);
    server.start();
    while (true) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        spdlog::warn("SIGHUP: live reload is not implemented yet; ignoring");
        continue;
      }
      spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    drain(server, cfg.global.shutdown_grace, signals);
    server.stop();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"staticgate: fixed IP addresses for applications whose addresses change"};
  app.require_subcommand(1);

  std::string config_path;
  unsigned workers = 0;
  std::string log_level;
  auto* run_cmd = app.add_subcommand("run", "run the gateway in the foreground");
  run_cmd->add_option("-c,--config", config_path, "TOML config file (default: the embedded examples/staticgate.toml)");
  run_cmd->add_option("--workers", workers, "worker threads (default: config, else one per core)")
      ->check(CLI::Range(1u, 1024u));
  run_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  std::string check_path;
  auto* check_cmd = app.add_subcommand("check", "validate a config file and report every error with its position");
  check_cmd->add_option("-c,--config", check_path, "TOML config file")->required();

  auto* print_cmd = app.add_subcommand("print-default-config", "print the embedded default config");
  auto* version_cmd = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);

  if (run_cmd->parsed()) return run(config_path, workers, log_level);
  if (check_cmd->parsed()) {
    auto result = config::load_file(check_path);
    if (!report(result)) {
      std::cerr << check_path << ": " << result.errors.size() << " error(s)\n";
      return 1;
    }
    std::cout << check_path << ": ok\n";
    return 0;
  }
  if (print_cmd->parsed()) {
    std::cout << config::default_config_text;
    return 0;
  }
  if (version_cmd->parsed()) {
    std::cout << "staticgate " << STATICGATE_VERSION << "\n";
    return 0;
  }
  return 0;
}

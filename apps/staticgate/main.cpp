// staticgate's command line: parses arguments, loads the config, runs the
// gateway until a signal. No logic lives here beyond wiring.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "config/default_config.hpp"
#include "config/load.hpp"
#include "admin/admin_server.hpp"
#include "admin/status_client.hpp"
#include "aws/aws_commands.hpp"
#include "aws/aws_runtime.hpp"
#include "aws/discovery_backends.hpp"
#include "aws/elastic_ip_keeper.hpp"
#include "aws/lambda_function.hpp"
#include "discovery/discovery_service.hpp"
#include "discovery/sync_command.hpp"
#include "discovery/sync_report_format.hpp"
#include "egress/egress_server.hpp"
#include "egress/password_hash.hpp"
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
void drain(ingress::server& server, egress::egress_server* egress_proxy, std::chrono::milliseconds grace,
           const sigset_t& signals) {
  server.stop_accepting();
  if (egress_proxy) egress_proxy->stop_accepting();
  auto active_connections = [&] {
    return server.active_connections() + (egress_proxy ? egress_proxy->active_connections() : 0);
  };
  auto active = active_connections();
  if (active == 0) return;
  spdlog::info("draining {} connection(s) for up to {} ms (send the signal again to stop now)", active, grace.count());
  auto deadline = std::chrono::steady_clock::now() + grace;
  while ((active = active_connections()) != 0) {
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
    // AWS mode: one credential chain and client set for the NLB target groups, S3 state,
    // CloudWatch and the Elastic IP keeper. Changing [aws] takes a restart.
    std::shared_ptr<aws::aws_runtime> aws_side;
    if (aws::uses_aws(cfg)) {
      std::string error;
      aws_side = aws::aws_runtime::create(cfg, error);
      if (!aws_side) {
        spdlog::critical("{}", error);
        return 1;
      }
    }
    // DNS discovery first: the targets its saved state holds are in the data plane from the start.
    ingress::server* gateway = nullptr;
    std::unique_ptr<discovery::discovery_service> discovery_sync;
    if (discovery::has_discovery(cfg)) {
      discovery_sync = std::make_unique<discovery::discovery_service>(
          cfg,
          [&gateway](const discovery::discovered_addresses& discovered) {
            if (gateway) gateway->set_discovered(discovered);
          },
          [&gateway](std::vector<ingress::discovery_name_snapshot> status) {
            if (gateway) gateway->set_discovery_status(std::move(status));
          },
          aws_side ? aws::make_discovery_backends(aws_side, cfg, false) : discovery::backends{});
    }
    ingress::server server(cfg, workers, discovery_sync ? discovery_sync->restored() : discovery::discovered_addresses{});
    gateway = &server;
    // The egress proxies ([[egress]]): workers of their own, figures through the same snapshot.
    std::unique_ptr<egress::egress_server> egress_proxy;
    if (!cfg.egress.empty()) {
      egress_proxy = std::make_unique<egress::egress_server>(cfg, workers);
      server.set_snapshot_extension([proxy = egress_proxy.get()](ingress::gateway_snapshot& out) {
        out.egress = proxy->snapshot();
      });
    }
    spdlog::info("config: {}", path.empty() ? config::default_config_name : path);
    // SIGHUP and the admin API's reload: re-read the file; a config with any
    // error is refused whole and the running one stays.
    std::mutex reload_mutex;
    auto current_cfg = cfg;
    server.set_reload_handler([&]() -> std::string {
      std::lock_guard lock(reload_mutex);
      auto next = load_config(path);
      if (!next.ok()) {
        std::string errors;
        for (const auto& d : next.errors) errors += d.to_string() + "\n";
        spdlog::error("reload refused, the running config stays:\n{}", errors);
        return errors;
      }
      try {
        server.reload(*next.value);
      } catch (const std::exception& e) {
        spdlog::error("reload refused, the running config stays: {}", e.what());
        return e.what();
      }
      if (discovery_sync) discovery_sync->reconfigure(*next.value);
      if (egress_proxy) {
        try {
          egress_proxy->reload(*next.value);
        } catch (const std::exception& e) {
          spdlog::error("reload: the egress servers stay as they were: {}", e.what());
          return e.what();
        }
      } else if (!next.value->egress.empty()) {
        spdlog::warn("reload: [[egress]] was added; egress servers start at the next restart");
      }
      current_cfg = *next.value;
      return {};
    });
    std::unique_ptr<admin::admin_server> admin_endpoint;
    if (cfg.admin.enabled) {
      admin_endpoint = std::make_unique<admin::admin_server>(server, cfg.admin.listen);
      admin_endpoint->start();
      spdlog::info("admin endpoint on http://{}/ (/metrics, /healthz, /api/v1/status)",
                   admin_endpoint->local_endpoint().to_string());
    }
    std::unique_ptr<aws::elastic_ip_keeper> elastic_ips;
    if (aws_side && !cfg.aws.elastic_ips.empty())
      elastic_ips = std::make_unique<aws::elastic_ip_keeper>(aws_side, cfg.aws.elastic_ips);
    server.start();
    if (egress_proxy) egress_proxy->start();
    if (discovery_sync) discovery_sync->start();
    if (elastic_ips) elastic_ips->start();
    while (true) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP: reloading {}", path.empty() ? config::default_config_name : path);
        server.reload();
        continue;
      }
      spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (discovery_sync) discovery_sync->stop();
    if (elastic_ips) elastic_ips->stop();
    drain(server, egress_proxy.get(), current_cfg.global.shutdown_grace, signals);
    if (admin_endpoint) admin_endpoint->stop();
    if (egress_proxy) egress_proxy->stop();
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
  // Inside AWS Lambda (the binary renamed `bootstrap`, started without arguments): serve
  // invocations, each one `sync --once` plus one Elastic IP reconcile.
  if (const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API"); api && *api && argc == 1) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("staticgate"));
    return aws::run_lambda_function(aws::lambda_config_path());
  }
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

  std::string admin_address = "127.0.0.1:9901";
  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "show listeners, target groups and targets of a running staticgate");
  status_cmd->add_option("-a,--admin", admin_address, "its admin endpoint (default 127.0.0.1:9901)");
  status_cmd->add_flag("--json", status_json, "print the JSON document instead of tables");
  auto* reload_cmd = app.add_subcommand("reload", "make a running staticgate re-read its config (as SIGHUP)");
  reload_cmd->add_option("-a,--admin", admin_address, "its admin endpoint (default 127.0.0.1:9901)");

  std::string sync_path;
  bool sync_once = false, sync_dry_run = false, sync_json = false;
  auto* sync_cmd = app.add_subcommand(
      "sync", "run DNS discovery once for every discovery group, print the result, save state (for cron)");
  sync_cmd->add_option("-c,--config", sync_path, "TOML config file")->required();
  sync_cmd->add_flag("--once", sync_once, "one run, then exit (required)")->required();
  sync_cmd->add_flag("--dry-run", sync_dry_run, "decide and print, but save no state");
  sync_cmd->add_flag("--json", sync_json, "print JSON instead of a table");
  sync_cmd->footer(
      "Exit status: 0 ok; 1 a lookup failed (nothing changed for that name) or state could not be saved;\n"
      "2 bad config or no discovery group; 3 the circuit breaker deferred deregistrations.");

  auto* aws_cmd = app.add_subcommand("aws", "AWS mode tools: the IAM policy a config needs, the Elastic IP reconciler");
  aws_cmd->require_subcommand(1);
  std::string aws_path;
  auto* iam_cmd = aws_cmd->add_subcommand("iam-policy", "print the least-privilege IAM policy for a config");
  iam_cmd->add_option("-c,--config", aws_path, "TOML config file")->required();
  bool reconcile_dry_run = false, reconcile_json = false;
  auto* reconcile_cmd = aws_cmd->add_subcommand(
      "reconcile", "associate each [[aws.elastic_ip]] binding's Elastic IPs with its Lambda interfaces, once");
  reconcile_cmd->add_option("-c,--config", aws_path, "TOML config file")->required();
  reconcile_cmd->add_flag("--dry-run", reconcile_dry_run, "print the plan, change nothing");
  reconcile_cmd->add_flag("--json", reconcile_json, "print JSON instead of text");
  reconcile_cmd->footer("Exit status: 0 ok; 1 an AWS call failed or interfaces are left without an address; 2 bad config or credentials.");

  auto* print_cmd = app.add_subcommand("print-default-config", "print the embedded default config");
  auto* version_cmd = app.add_subcommand("version", "print the version");
  std::string hash_user;
  auto* hash_cmd = app.add_subcommand(
      "hash-password", "read a password on stdin, print a yescrypt hash for an egress credentials file");
  hash_cmd->add_option("--user", hash_user, "print \"user:hash\", a credentials file line");

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
  if (sync_cmd->parsed()) {
    auto result = config::load_file(sync_path);
    if (!report(result)) return discovery::sync_usage_error;
    spdlog::set_default_logger(spdlog::stderr_color_mt("staticgate"));
    spdlog::set_level(spdlog::level::from_str(result.value->global.log_level));
    if (sync_json) spdlog::set_level(spdlog::level::warn);
    return aws::run_sync_once_with_aws(*result.value, sync_dry_run, sync_json, std::cout, std::cerr);
  }
  if (iam_cmd->parsed() || reconcile_cmd->parsed()) {
    auto result = config::load_file(aws_path);
    if (!report(result)) return aws::aws_command_usage_error;
    if (iam_cmd->parsed()) return aws::run_iam_policy_command(*result.value, std::cout, std::cerr);
    spdlog::set_default_logger(spdlog::stderr_color_mt("staticgate"));
    spdlog::set_level(reconcile_json ? spdlog::level::warn : spdlog::level::from_str(result.value->global.log_level));
    return aws::run_reconcile_command(*result.value, reconcile_dry_run, reconcile_json, std::cout, std::cerr);
  }
  if (status_cmd->parsed()) return admin::run_status_command(admin_address, status_json, std::cout, std::cerr);
  if (reload_cmd->parsed()) return admin::run_reload_command(admin_address, std::cout, std::cerr);
  if (print_cmd->parsed()) {
    std::cout << config::default_config_text;
    return 0;
  }
  if (hash_cmd->parsed()) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
      std::cerr << "hash-password: no password on stdin\n";
      return 2;
    }
    try {
      std::cout << (hash_user.empty() ? "" : hash_user + ":") << egress::hash_password(password) << "\n";
    } catch (const std::exception& e) {
      std::cerr << "hash-password: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  if (version_cmd->parsed()) {
    std::cout << "staticgate " << STATICGATE_VERSION << "\n";
    return 0;
  }
  return 0;
}

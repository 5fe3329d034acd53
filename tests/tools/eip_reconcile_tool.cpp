// Test helper for tests/integration/test_eip_reconciler.py: one reconcile_eip_binding run
// against an EC2 endpoint (fake_aws), the result printed as JSON on stdout (and as text on
// stderr, for a failing test's log). Deliberately thin: the real command is `staticgate aws
// reconcile`.
//   eip_reconcile_tool --endpoint URL --region REGION --binding JSON [--dry-run]
//                      [--max-pages N] [--page-size N]
//   JSON: {"name", "subnet_ids": [...], "security_group_ids": [...], "allocation_ids": [...],
//          "interface_type" (default "lambda"), "description_prefix" (default "")}
// Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional).
// Exit status: 0 no error, 1 some error (see "errors"), 2 usage.
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "aws/eip_reconciler.hpp"
#include "aws/eip_report_format.hpp"

namespace aws = staticgate::aws;
using nlohmann::json;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int usage(const std::string& why) {
  std::cerr << "eip_reconcile_tool: " << why
            << "\nusage: eip_reconcile_tool --endpoint URL --region REGION --binding JSON [--dry-run] "
               "[--max-pages N] [--page-size N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    spdlog::set_default_logger(spdlog::stderr_logger_mt("eip_reconcile_tool"));  // stdout is the JSON
    std::string endpoint_url, region, binding_text;
    aws::eip_reconcile_options options;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
        return argv[++i];
      };
      if (arg == "--endpoint") endpoint_url = value();
      else if (arg == "--region") region = value();
      else if (arg == "--binding") binding_text = value();
      else if (arg == "--dry-run") options.dry_run = true;
      else if (arg == "--max-pages") options.max_pages = std::stoi(value());
      else if (arg == "--page-size") options.page_size = std::stoi(value());
      else return usage("unknown argument " + std::string(arg));
    }
    if (endpoint_url.empty() || region.empty() || binding_text.empty())
      return usage("--endpoint, --region and --binding are required");

    const json in = json::parse(binding_text);
    staticgate::config::aws_elastic_ip_binding binding;
    binding.name = in.value("name", "binding");
    binding.subnet_ids = in.at("subnet_ids").get<std::vector<std::string>>();
    binding.security_group_ids = in.at("security_group_ids").get<std::vector<std::string>>();
    binding.allocation_ids = in.at("allocation_ids").get<std::vector<std::string>>();
    binding.interface_type = in.value("interface_type", "lambda");
    binding.description_prefix = in.value("description_prefix", "");

    aws::credentials creds{.access_key_id = env("AWS_ACCESS_KEY_ID"),
                           .secret_access_key = env("AWS_SECRET_ACCESS_KEY"),
                           .session_token = env("AWS_SESSION_TOKEN"),
                           .expiration = std::nullopt,
                           .source = "environment"};
    if (creds.access_key_id.empty() || creds.secret_access_key.empty())
      return usage("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
    aws::service_client ec2(aws::endpoint_for("ec2", region, endpoint_url),
                            std::make_shared<aws::static_credential_provider>(std::move(creds)));

    const auto result = aws::reconcile_eip_binding(ec2, binding, options);
    std::cerr << aws::eip_result_to_text(result);
    std::cout << aws::eip_result_to_json(result).dump() << '\n';
    return result.error_count() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    return usage(e.what());
  }
}

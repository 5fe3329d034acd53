// The AWS side of one staticgate process: one credential provider (the SDKs' chain, with the
// [aws] profile) shared by one client per (service, region), with [aws.endpoints] overrides.
// Built once at start; changing [aws] takes a restart (a reload keeps these clients).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/credential_provider.hpp"
#include "aws/service_client.hpp"
#include "config/model.hpp"

namespace staticgate::aws {

class aws_runtime {
 public:
  // Credentials and region from the environment and shared files as the SDKs find them, the
  // profile and region of [aws] taking precedence. nullptr with `error` when that fails (a
  // broken profile, SSO) or when a region is needed (S3 state, CloudWatch, Elastic IPs) and
  // none is set anywhere.
  static std::shared_ptr<aws_runtime> create(const config::config& cfg, std::string& error);

  aws_runtime(config::aws_settings settings, std::shared_ptr<credential_provider> credentials, std::string region,
              service_client_options options = {});

  // The client of `service` ("elasticloadbalancing", "ec2", "monitoring", "s3", "sts") in
  // `region` ("" = the default region). Thread-safe; one per (service, region).
  std::shared_ptr<service_client> client(std::string_view service, std::string_view region = {});

  const std::string& region() const { return region_; }
  const config::aws_settings& settings() const { return settings_; }
  const std::shared_ptr<credential_provider>& credentials() const { return credentials_; }
  const service_client_options& options() const { return options_; }

 private:
  config::aws_settings settings_;
  std::shared_ptr<credential_provider> credentials_;
  std::string region_;
  service_client_options options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<service_client>> clients_;
};

// Does the config use AWS at all (an NLB target group, S3 state, CloudWatch, Elastic IPs)?
bool uses_aws(const config::config& cfg);

}  // namespace staticgate::aws

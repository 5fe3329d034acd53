#include "aws/credential_provider_factory.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>

#include "aws/container_credentials.hpp"
#include "aws/imds_credentials.hpp"
#include "aws/process_credentials.hpp"
#include "aws/service_client.hpp"
#include "aws/sts_credentials.hpp"

namespace staticgate::aws {
namespace {

constexpr int max_role_chain = 8;
constexpr std::size_t max_file_size = 1024 * 1024;

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Builds the provider for one source; source_profile chains recurse through it.
class builder {
 public:
  builder(const provider_options& options, std::string region, std::string& error)
      : options_(options), region_(std::move(region)), error_(error) {}

  std::shared_ptr<credential_provider> build(const chain_source& source) {
    return std::visit([this](const auto& s) { return make(s); }, source);
  }

 private:
  std::shared_ptr<credential_provider> fail(std::string what) {
    error_ = std::move(what);
    return nullptr;
  }

  std::shared_ptr<credential_provider> refreshing(credential_fetch_fn fetch) {
    return std::make_shared<refreshing_credential_provider>(std::move(fetch), options_.refresh);
  }

  std::shared_ptr<credential_provider> make(const credentials& c) {
    return std::make_shared<static_credential_provider>(c);
  }

  // One http_client per provider: the refreshing provider runs one fetch at a time, which is
  // the client's thread-safety requirement.
  std::shared_ptr<credential_provider> make(const imds_params& p) {
    auto http = std::make_shared<http_client>(options_.http);
    return refreshing([http, p](std::string& error) { return fetch_imds_credentials(*http, p, error); });
  }

  std::shared_ptr<credential_provider> make(const container_params& p) {
    auto http = std::make_shared<http_client>(options_.http);
    return refreshing([http, p, read_file = options_.read_file](std::string& error) {
      return fetch_container_credentials(*http, p, read_file, error);
    });
  }

  std::shared_ptr<credential_provider> make(const process_params& p) {
    return refreshing(
        [p, limits = options_.process](std::string& error) { return fetch_process_credentials(p, limits, error); });
  }

  std::shared_ptr<credential_provider> make(const sso_params& p) {
    return fail("profile uses AWS IAM Identity Center (SSO, role " + p.role_name +
                "), which staticgate does not support: use `aws configure export-credentials --format env` "
                "or a credential_process (`aws configure export-credentials --format process`)");
  }

  std::shared_ptr<credential_provider> make(const web_identity_params& p) {
    const auto sts = endpoint_here();
    if (!sts) return nullptr;
    auto http = std::make_shared<http_client>(options_.http);
    web_identity_call call{.sts = *sts, .retries = {}, .sleep = sleep(), .random = random()};
    return refreshing([http, p, call, read_file = options_.read_file](std::string& error) {
      return fetch_web_identity_credentials(*http, p, call, read_file, error);
    });
  }

  std::shared_ptr<credential_provider> make(const assume_role_params& p) {
    if (!p.mfa_serial.empty())
      return fail("profile '" + p.profile + "' sets mfa_serial: an MFA code cannot be entered into a gateway");
    const auto source = source_of(p);
    if (!source) return nullptr;
    const auto sts = endpoint_here();
    if (!sts) return nullptr;
    service_client_options client_options{.http = options_.http, .retries = {}, .sleep = sleep(), .random = random()};
    auto client = std::make_shared<service_client>(*sts, source, client_options);
    return refreshing([client, p](std::string& error) { return fetch_assume_role_credentials(*client, p, error); });
  }

  std::shared_ptr<credential_provider> source_of(const assume_role_params& p) {
    const std::string where = "profile '" + p.profile + "': ";
    if (p.credential_source == "Environment") {
      std::optional<credentials> keys;
      if (!environment_credentials(options_.getenv, keys, error_)) return nullptr;
      if (!keys) return fail(where + "credential_source Environment, but AWS_ACCESS_KEY_ID is not set");
      return make(*keys);
    }
    if (p.credential_source == "EcsContainer") {
      std::optional<container_params> container;
      if (!container_from_environment(options_.getenv, container, error_)) return nullptr;
      if (!container)
        return fail(where + "credential_source EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / "
                            "_FULL_URI is not set");
      return make(*container);
    }
    if (p.credential_source == "Ec2InstanceMetadata") {
      std::optional<imds_params> imds;
      if (!imds_from_environment(options_.getenv, imds, error_)) return nullptr;
      if (!imds) return fail(where + "credential_source Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true");
      return make(*imds);
    }
    if (!p.credential_source.empty()) return fail(where + "unknown credential_source " + p.credential_source);

    // source_profile. A profile naming itself means its own static keys (botocore).
    const bool self = p.source_profile == p.profile;
    if (!self && !visited_.insert(p.profile).second)
      return fail(where + "source_profile chain loops back to profile '" + p.profile + "'");
    if (visited_.count(p.source_profile) != 0 && !self)
      return fail(where + "source_profile chain loops back to profile '" + p.source_profile + "'");
    if (++depth_ > max_role_chain)
      return fail(where + "source_profile chain longer than " + std::to_string(max_role_chain) + " profiles");
    std::string why;
    const auto resolved = resolve_named_profile(options_.getenv, options_.read_file, p.source_profile, self, why);
    if (!resolved) return fail(where + "source_profile: " + why);
    if (!resolved->source) return fail(where + "source_profile '" + p.source_profile + "' holds no credentials");
    return build(std::visit([](const auto& s) -> chain_source { return s; }, *resolved->source));
  }

  std::optional<endpoint> endpoint_here() {
    try {
      return sts_endpoint(region_, options_.sts_endpoint_url);
    } catch (const std::invalid_argument& e) {
      error_ = std::string("STS endpoint: ") + e.what();
      return std::nullopt;
    }
  }

  sleep_fn sleep() const {
    if (options_.sleep) return options_.sleep;
    return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  random_fn random() const { return options_.random ? options_.random : random_fn(default_random); }

  const provider_options& options_;
  std::string region_;
  std::string& error_;
  std::set<std::string> visited_;
  int depth_ = 0;
};

}  // namespace

getenv_fn process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

read_file_fn file_system_reader() {
  return [](const std::string& path) {
    using status = file_read_result::status;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int e = errno;
      if (e == ENOENT || e == ENOTDIR) return file_read_result{.state = status::missing, .text = ""};
      return file_read_result{.state = status::failed, .text = e != 0 ? std::strerror(e) : "cannot open"};
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return file_read_result{.state = status::failed, .text = "is a directory"};
    std::string text;
    char buffer[8192];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      text.append(buffer, static_cast<std::size_t>(in.gcount()));
      if (text.size() > max_file_size) return file_read_result{.state = status::failed, .text = "larger than 1 MiB"};
    }
    if (in.bad()) return file_read_result{.state = status::failed, .text = "read error"};
    return file_read_result{.state = status::found, .text = std::move(text)};
  };
}

credential_setup find_credential_provider(const provider_options& given) {
  provider_options options = given;
  if (!options.getenv) options.getenv = process_environment();
  if (!options.read_file) options.read_file = file_system_reader();

  credential_setup setup;
  const auto decision = decide_credential_source(options.getenv, options.read_file, setup.error);
  if (!decision) return setup;
  setup.profile = decision->profile;
  setup.region = options.region.empty() ? decision->region : options.region;
  if (!decision->source) {
    setup.error = "no AWS credentials: none in the environment or profile '" + setup.profile +
                  "', no web identity or container credentials, and instance metadata is disabled "
                  "(AWS_EC2_METADATA_DISABLED)";
    return setup;
  }
  setup.provider = builder(options, setup.region, setup.error).build(*decision->source);
  return setup;
}

}  // namespace staticgate::aws

#include "aws/credential_chain.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace staticgate::aws {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// getenv with "" read as unset.
std::optional<std::string> env(const getenv_fn& getenv, std::string_view name) {
  auto value = getenv(name);
  if (value && value->empty()) value.reset();
  return value;
}

// "~" and "~/x" as expanduser() does with HOME; nullopt when HOME is needed but unset.
std::optional<std::string> expand_home(const getenv_fn& getenv, const std::string& path) {
  if (path != "~" && !path.starts_with("~/")) return path;
  const auto home = env(getenv, "HOME");
  if (!home) return std::nullopt;
  return *home + path.substr(1);
}

// Reads and parses one shared file. Leaves `doc` empty when the file does not exist.
bool load_shared_file(const getenv_fn& getenv, const read_file_fn& read_file, std::string_view variable,
                      const char* fallback, std::optional<ini_document>& doc, std::string& error) {
  const auto path = expand_home(getenv, env(getenv, variable).value_or(fallback));
  if (!path) return true;  // no HOME: no default files, as on a minimal container
  const auto file = read_file(*path);
  if (file.state == file_read_result::status::missing) return true;
  if (file.state == file_read_result::status::failed) {
    error = *path + ": " + file.text;
    return false;
  }
  doc = parse_ini(file.text, *path, error);
  return doc.has_value();
}

std::optional<std::string> url_host(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return lower(authority.substr(1, close - 1));
  }
  authority = authority.substr(0, authority.find(':'));
  if (authority.empty()) return std::nullopt;
  return lower(authority);
}

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool full_uri_allowed(std::string_view url, std::string& why) {
  const auto host = url_host(url);
  if (!host) {
    why = "is not an absolute URL";
    return false;
  }
  if (lower(url.substr(0, 8)) == "https://") return true;
  if (lower(url.substr(0, 7)) != "http://") {
    why = "must be http or https";
    return false;
  }
  constexpr std::array<std::string_view, 4> allowed{"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"};
  if (is_loopback(*host) || std::find(allowed.begin(), allowed.end(), *host) != allowed.end()) return true;
  why = "over plain http must point at a loopback address, 169.254.170.2, 169.254.170.23, fd00:ec2::23 or localhost";
  return false;
}

class chain {
 public:
  chain(const getenv_fn& getenv, const read_file_fn& read_file, std::string& error)
      : getenv_(getenv), read_file_(read_file), error_(error) {}

  std::optional<chain_decision> run() {
    chain_decision out;
    std::optional<std::string> profile_region;
    if (!from_environment(out) || (!out.source && !from_profile(out, profile_region)) ||
        (!out.source && !from_web_identity(out)) || (!out.source && !from_container(out)) ||
        (!out.source && !from_imds(out)))
      return std::nullopt;
    if (out.profile.empty()) out.profile = env(getenv_, "AWS_PROFILE").value_or("default");
    if (!profile_region && !load_profile_region(out.profile, profile_region)) return std::nullopt;
    if (const auto region = env(getenv_, "AWS_REGION"))
      out.region = *region;
    else if (const auto fallback = env(getenv_, "AWS_DEFAULT_REGION"))
      out.region = *fallback;
    else
      out.region = profile_region.value_or("");
    return out;
  }

 private:
  bool fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  bool from_environment(chain_decision& out) {
    std::optional<credentials> keys;
    if (!environment_credentials(getenv_, keys, error_)) return false;
    if (keys) out.source = std::move(*keys);
    return true;
  }

  bool load_files() {
    if (loaded_) return true;
    loaded_ = true;
    return load_shared_file(getenv_, read_file_, "AWS_CONFIG_FILE", "~/.aws/config", config_, error_) &&
           load_shared_file(getenv_, read_file_, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", creds_, error_);
  }

  const ini_document* config() const { return config_ ? &*config_ : nullptr; }
  const ini_document* creds() const { return creds_ ? &*creds_ : nullptr; }

  bool from_profile(chain_decision& out, std::optional<std::string>& region) {
    if (!load_files()) return false;
    const auto named = env(getenv_, "AWS_PROFILE");
    out.profile = named.value_or("default");
    const auto p = find_profile(out.profile, config(), creds());
    if (!p) {
      if (named) return fail("profile '" + out.profile + "' (AWS_PROFILE) is in neither shared file");
      return true;
    }
    const auto resolved = resolve_profile(*p, config(), error_);
    if (!resolved) return false;
    if (!resolved->region.empty()) region = resolved->region;
    if (resolved->source)
      out.source = std::visit([](const auto& s) -> chain_source { return s; }, *resolved->source);
    return true;
  }

  // The region when the profile was not consulted for credentials (environment keys won).
  bool load_profile_region(const std::string& name, std::optional<std::string>& region) {
    if (!load_files()) return false;
    if (const auto p = find_profile(name, config(), creds()))
      if (const auto r = p->get("region"); r && !r->value.empty()) region = r->value;
    return true;
  }

  bool from_web_identity(chain_decision& out) {
    const auto token_file = env(getenv_, "AWS_WEB_IDENTITY_TOKEN_FILE");
    if (!token_file) return true;
    const auto role = env(getenv_, "AWS_ROLE_ARN");
    if (!role) return fail("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    out.source = web_identity_params{.role_arn = *role,
                                     .token_file = *token_file,
                                     .role_session_name = env(getenv_, "AWS_ROLE_SESSION_NAME").value_or("")};
    return true;
  }

  bool from_container(chain_decision& out) {
    std::optional<container_params> params;
    if (!container_from_environment(getenv_, params, error_)) return false;
    if (params) out.source = std::move(*params);
    return true;
  }

  bool from_imds(chain_decision& out) {
    std::optional<imds_params> params;
    if (!imds_from_environment(getenv_, params, error_)) return false;
    if (params) out.source = std::move(*params);
    return true;
  }

  const getenv_fn& getenv_;
  const read_file_fn& read_file_;
  std::string& error_;
  bool loaded_ = false;
  std::optional<ini_document> config_, creds_;
};

}  // namespace

bool environment_credentials(const getenv_fn& getenv, std::optional<credentials>& out, std::string& error) {
  const auto id = env(getenv, "AWS_ACCESS_KEY_ID");
  const auto secret = env(getenv, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return true;
  if (!id) {
    error = "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not";
    return false;
  }
  if (!secret) {
    error = "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not";
    return false;
  }
  out = credentials{.access_key_id = *id,
                    .secret_access_key = *secret,
                    .session_token = env(getenv, "AWS_SESSION_TOKEN").value_or(""),
                    .expiration = std::nullopt,
                    .source = "environment"};
  return true;
}

bool container_from_environment(const getenv_fn& getenv, std::optional<container_params>& out, std::string& error) {
  container_params params;
  if (const auto relative = env(getenv, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    params.url = "http://169.254.170.2" + *relative;
  } else if (const auto full = env(getenv, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    std::string why;
    if (!full_uri_allowed(*full, why)) {
      error = "AWS_CONTAINER_CREDENTIALS_FULL_URI " + why;
      return false;
    }
    params.url = *full;
  } else {
    return true;
  }
  if (const auto file = env(getenv, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
    params.authorization_token_file = *file;
  else
    params.authorization_token = env(getenv, "AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  out = std::move(params);
  return true;
}

bool imds_from_environment(const getenv_fn& getenv, std::optional<imds_params>& out, std::string& error) {
  if (lower(env(getenv, "AWS_EC2_METADATA_DISABLED").value_or("")) == "true") return true;
  imds_params params;
  if (const auto endpoint = env(getenv, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    params.endpoint = *endpoint;
    while (params.endpoint.ends_with('/')) params.endpoint.pop_back();
  } else {
    const auto mode = lower(env(getenv, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("ipv4"));
    if (mode == "ipv4") {
      params.endpoint = "http://169.254.169.254";
    } else if (mode == "ipv6") {
      params.endpoint = "http://[fd00:ec2::254]";
    } else {
      error = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6";
      return false;
    }
  }
  out = std::move(params);
  return true;
}

std::optional<resolved_profile> resolve_named_profile(const getenv_fn& getenv, const read_file_fn& read_file,
                                                      const std::string& name, bool static_keys_only,
                                                      std::string& error) {
  std::optional<ini_document> config, creds;
  if (!load_shared_file(getenv, read_file, "AWS_CONFIG_FILE", "~/.aws/config", config, error) ||
      !load_shared_file(getenv, read_file, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", creds, error))
    return std::nullopt;
  const ini_document* config_doc = config ? &*config : nullptr;
  const auto p = find_profile(name, config_doc, creds ? &*creds : nullptr);
  if (!p) {
    error = "profile '" + name + "' is in neither shared file";
    return std::nullopt;
  }
  if (!static_keys_only) return resolve_profile(*p, config_doc, error);
  resolved_profile out;
  const auto id = p->get("aws_access_key_id");
  const auto secret = p->get("aws_secret_access_key");
  if (!id || !secret || id->value.empty() || secret->value.empty()) {
    error = "profile '" + name + "' is its own source_profile but has no aws_access_key_id and aws_secret_access_key";
    return std::nullopt;
  }
  const auto token = p->get("aws_session_token");
  out.source = credentials{.access_key_id = id->value,
                           .secret_access_key = secret->value,
                           .session_token = token ? token->value : std::string(),
                           .expiration = std::nullopt,
                           .source = "profile " + name + " (" + (id->from_credentials_file ? p->credentials_path
                                                                                          : p->config_path) + ")"};
  if (const auto region = p->get("region")) out.region = region->value;
  return out;
}

std::optional<chain_decision> decide_credential_source(const getenv_fn& getenv, const read_file_fn& read_file,
                                                       std::string& error) {
  return chain(getenv, read_file, error).run();
}

std::optional<container_request> make_container_request(const container_params& params,
                                                        const read_file_fn& read_file, std::string& error) {
  container_request request{.url = params.url, .authorization = params.authorization_token};
  if (!params.authorization_token_file.empty()) {
    const auto file = read_file(params.authorization_token_file);
    if (file.state != file_read_result::status::found) {
      error = params.authorization_token_file + ": " + (file.text.empty() ? "cannot read the token file" : file.text);
      return std::nullopt;
    }
    // A newline ending the file is not part of the token (files written by echo have one).
    request.authorization = file.text;
    while (!request.authorization.empty() &&
           (request.authorization.back() == '\n' || request.authorization.back() == '\r'))
      request.authorization.pop_back();
  }
  if (request.authorization.find_first_of("\r\n") != std::string::npos) {
    error = "the container authorization token holds a line break";
    return std::nullopt;
  }
  return request;
}

}  // namespace staticgate::aws

#include "aws/profile.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace staticgate::aws {
namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (true) {
    pos = s.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) return words;
    const auto end = std::min(s.find_first_of(" \t", pos), s.size());
    words.push_back(s.substr(pos, end - pos));
    pos = end;
  }
}

// "profile NAME" -> NAME (botocore takes the second of exactly two words).
std::optional<std::string_view> section_suffix(std::string_view section, std::string_view prefix) {
  const auto words = split_words(section);
  if (words.size() == 2 && words[0] == prefix) return words[1];
  return std::nullopt;
}

const ini_value* section_get(const ini_section* section, std::string_view key) {
  if (section == nullptr) return nullptr;
  const auto it = section->values.find(std::string(key));
  return it == section->values.end() ? nullptr : &it->second;
}

std::string where(const std::string& path, int line) { return path + ':' + std::to_string(line); }

class resolver {
 public:
  resolver(const profile& p, const ini_document* config, std::string& error) : p_(p), config_(config), error_(error) {}

  std::optional<resolved_profile> run() {
    resolved_profile out;
    if (const auto region = p_.get("region")) out.region = region->value;
    std::optional<profile_source> source;
    if (!pick(source)) return std::nullopt;
    out.source = std::move(source);
    return out;
  }

 private:
  std::string value(std::string_view key) const {
    const auto found = p_.get(key);
    return found ? found->value : std::string();
  }

  // The place to point at in an error about the profile as a whole: the key named, else the
  // section header.
  std::string place(std::string_view key) const {
    if (const auto found = p_.get(key)) return found->where;
    if (p_.credentials) return where(p_.credentials_path, p_.credentials->line);
    if (p_.config) return where(p_.config_path, p_.config->line);
    return "(no file)";
  }

  bool fail(std::string_view key, const std::string& what) { return fail_at(place(key), what); }

  bool fail_at(const std::string& at, const std::string& what) {
    error_ = at + ": profile '" + p_.name + "': " + what;
    return false;
  }

  bool pick(std::optional<profile_source>& out) {
    if (p_.get("role_arn") && !p_.get("web_identity_token_file")) return assume_role(out);
    if (p_.get("web_identity_token_file")) return web_identity(out);
    if (p_.get("sso_session") || p_.get("sso_start_url") || p_.get("sso_region") || p_.get("sso_account_id") ||
        p_.get("sso_role_name"))
      return sso(out);
    if (!static_keys(p_.credentials, p_.credentials_path, out)) return false;
    if (out) return true;
    if (const auto process = p_.get("credential_process")) {
      if (process->value.empty()) return fail("credential_process", "credential_process is empty");
      out = process_params{.command = process->value};
      return true;
    }
    return static_keys(p_.config, p_.config_path, out);
  }

  bool assume_role(std::optional<profile_source>& out) {
    assume_role_params role{.profile = p_.name,
                            .role_arn = value("role_arn"),
                            .source_profile = value("source_profile"),
                            .credential_source = value("credential_source"),
                            .role_session_name = value("role_session_name"),
                            .external_id = value("external_id"),
                            .mfa_serial = value("mfa_serial"),
                            .duration_seconds = std::nullopt};
    if (role.role_arn.empty()) return fail("role_arn", "role_arn is empty");
    if (role.source_profile.empty() == role.credential_source.empty())
      return fail("role_arn", "role_arn needs exactly one of source_profile and credential_source");
    if (!role.credential_source.empty()) {
      constexpr std::array<std::string_view, 3> known{"Environment", "Ec2InstanceMetadata", "EcsContainer"};
      if (std::find(known.begin(), known.end(), role.credential_source) == known.end())
        return fail("credential_source", "credential_source must be Environment, Ec2InstanceMetadata or EcsContainer");
    }
    if (const auto duration = p_.get("duration_seconds")) {
      int seconds = 0;
      const auto* end = duration->value.data() + duration->value.size();
      const auto [ptr, ec] = std::from_chars(duration->value.data(), end, seconds);
      // STS accepts 900 s up to the role's maximum session duration (at most 12 h).
      if (ec != std::errc{} || ptr != end || seconds < 900 || seconds > 43200)
        return fail("duration_seconds", "duration_seconds must be a whole number from 900 to 43200");
      role.duration_seconds = seconds;
    }
    out = std::move(role);
    return true;
  }

  bool web_identity(std::optional<profile_source>& out) {
    web_identity_params web{.role_arn = value("role_arn"),
                            .token_file = value("web_identity_token_file"),
                            .role_session_name = value("role_session_name")};
    if (web.token_file.empty()) return fail("web_identity_token_file", "web_identity_token_file is empty");
    if (web.role_arn.empty()) return fail("web_identity_token_file", "web_identity_token_file needs role_arn");
    out = std::move(web);
    return true;
  }

  bool sso(std::optional<profile_source>& out) {
    sso_params sso{.session_name = value("sso_session"),
                   .start_url = value("sso_start_url"),
                   .sso_region = value("sso_region"),
                   .account_id = value("sso_account_id"),
                   .role_name = value("sso_role_name")};
    if (!sso.session_name.empty()) {
      // The new form: start URL and region live in [sso-session NAME] of the config file.
      const ini_section* session = nullptr;
      if (config_)
        for (const auto& section : config_->sections)
          if (section_suffix(section.name, "sso-session") == std::string_view(sso.session_name)) session = &section;
      if (session == nullptr) return fail("sso_session", "no [sso-session " + sso.session_name + "] section");
      for (auto [key, field] : {std::pair{"sso_start_url", &sso.start_url}, std::pair{"sso_region", &sso.sso_region}}) {
        const auto* v = section_get(session, key);
        if (v == nullptr) return fail("sso_session", "[sso-session " + sso.session_name + "] has no " + key);
        *field = v->text;  // the session's value wins, as in botocore
      }
    }
    for (auto [key, field] : {std::pair{"sso_start_url", &sso.start_url}, std::pair{"sso_region", &sso.sso_region},
                              std::pair{"sso_account_id", &sso.account_id}, std::pair{"sso_role_name", &sso.role_name}})
      if (field->empty()) return fail("sso_session", std::string("SSO configuration is missing ") + key);
    out = std::move(sso);
    return true;
  }

  bool static_keys(const ini_section* section, const std::string& path, std::optional<profile_source>& out) {
    const ini_value* id = section_get(section, "aws_access_key_id");
    const ini_value* secret = section_get(section, "aws_secret_access_key");
    if (id == nullptr && secret == nullptr) return true;
    // Keys in one file are one set: the other half in the other file does not complete them.
    if (id == nullptr) return fail_at(where(path, secret->line), "aws_secret_access_key without aws_access_key_id");
    if (secret == nullptr) return fail_at(where(path, id->line), "aws_access_key_id without aws_secret_access_key");
    if (id->text.empty()) return fail_at(where(path, id->line), "aws_access_key_id is empty");
    if (secret->text.empty()) return fail_at(where(path, secret->line), "aws_secret_access_key is empty");
    const ini_value* token = section_get(section, "aws_session_token");
    out = credentials{.access_key_id = id->text,
                      .secret_access_key = secret->text,
                      .session_token = token ? token->text : std::string(),
                      .expiration = std::nullopt,
                      .source = "profile " + p_.name + " (" + path + ")"};
    return true;
  }

  const profile& p_;
  const ini_document* config_;
  std::string& error_;
};

}  // namespace

std::optional<profile::found> profile::get(std::string_view key) const {
  if (const auto* v = section_get(credentials, key))
    return found{.value = v->text, .where = where(credentials_path, v->line), .from_credentials_file = true};
  if (const auto* v = section_get(config, key))
    return found{.value = v->text, .where = where(config_path, v->line), .from_credentials_file = false};
  return std::nullopt;
}

std::optional<profile> find_profile(std::string_view name, const ini_document* config, const ini_document* creds) {
  profile p;
  p.name = std::string(name);
  if (config) {
    p.config_path = config->path;
    for (const auto& section : config->sections) {
      const bool match = section.name == "default" ? name == "default" : section_suffix(section.name, "profile") == name;
      if (match) p.config = &section;  // the later of [default] / [profile default] wins
    }
  }
  if (creds) {
    p.credentials_path = creds->path;
    p.credentials = creds->find(name);
  }
  if (!p.config && !p.credentials) return std::nullopt;
  return p;
}

std::optional<resolved_profile> resolve_profile(const profile& p, const ini_document* config, std::string& error) {
  return resolver(p, config, error).run();
}

}  // namespace staticgate::aws

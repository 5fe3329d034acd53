#include "aws/sigv4.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "aws/uri_encoding.hpp"

namespace staticgate::aws {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Trims and collapses every run of whitespace to one space. AWS documents spaces only; the SDKs
// (botocore: ' '.join(value.split())) collapse tabs and folded line breaks too, and a server
// that unfolds obsolete line folding sees the same.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Headers intermediaries rewrite; signing them would make the signature fail for reasons the
// caller cannot see. The list is botocore's SIGNED_HEADERS_BLACKLIST, plus Authorization.
bool is_unsigned_header(std::string_view lower_name) {
  return lower_name == "user-agent" || lower_name == "expect" || lower_name == "x-amzn-trace-id" ||
         lower_name == "authorization";
}

std::chrono::year_month_day date_of(std::chrono::sys_seconds time) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(time)};
}

}  // namespace

signing_options default_signing_options(std::string_view service) {
  // "s3-outposts" and "s3-object-lambda" follow S3's rules too (botocore's s3v4 signer).
  if (service == "s3" || service.starts_with("s3-")) {
    return {.normalize_path = false,
            .encode_path = false,
            .content_sha256_header = true,
            .sign_session_token = true};
  }
  return {};
}

std::string scope_date(std::chrono::sys_seconds time) {
  const auto ymd = date_of(time);
  return fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string amz_date(std::chrono::sys_seconds time) {
  const std::chrono::hh_mm_ss hms{time - std::chrono::floor<std::chrono::days>(time)};
  return fmt::format("{}T{:02}{:02}{:02}Z", scope_date(time), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

std::string credential_scope(std::chrono::sys_seconds time, std::string_view region,
                             std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", scope_date(time), region, service);
}

std::string canonical_uri(std::string_view path, const signing_options& options) {
  std::string out = options.normalize_path ? normalize_path(path) : std::string(path);
  if (options.encode_path) out = uri_encode(out, /*keep_slash=*/true);
  return out.empty() ? "/" : out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(start, end - start);
    // "a&&b" has no parameter between the '&'s; nothing to sign there.
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const auto name = pair.substr(0, eq);
      const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      pairs.emplace_back(uri_encode(uri_decode(name)), uri_encode(uri_decode(value)));
    }
    start = end + 1;
  }
  std::ranges::sort(pairs);
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

canonical_header_block canonical_headers(const header_list& headers) {
  // std::map sorts by the lower-case name; values keep the order they were sent in.
  std::map<std::string, std::string> joined;
  for (const auto& h : headers) {
    auto name = lower(h.name);
    if (is_unsigned_header(name)) continue;
    auto [it, fresh] = joined.try_emplace(std::move(name));
    if (!fresh) it->second += ',';
    it->second += canonical_header_value(h.value);
  }
  canonical_header_block out;
  for (const auto& [name, value] : joined) {
    out.canonical += fmt::format("{}:{}\n", name, value);
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query,
                              const canonical_header_block& headers,
                              std::string_view payload_hash) {
  // The header block ends with its own '\n', hence the blank line before the signed list.
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method, canonical_uri, canonical_query,
                     headers.canonical, headers.signed_headers, payload_hash);
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", algorithm, amz_date, scope, sha256_hex(canonical_request));
}

digest signing_key(std::string_view secret_access_key, std::string_view scope_date,
                   std::string_view region, std::string_view service) {
  const auto k_date = hmac_sha256(fmt::format("AWS4{}", secret_access_key), scope_date);
  const auto k_region = hmac_sha256(k_date, region);
  const auto k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string signature(const digest& key, std::string_view string_to_sign) {
  return to_hex(hmac_sha256(key, string_to_sign));
}

std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature) {
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", algorithm,
                     access_key_id, scope, signed_headers, signature);
}

signed_request sign(const http_request& request, const credentials& creds,
                    const signing_params& params) {
  const auto& options = params.options;
  const std::string payload_hash =
      request.payload_hash.empty() ? sha256_hex(request.payload) : request.payload_hash;
  const bool has_token = !creds.session_token.empty();
  const bool content_header = options.content_sha256_header || payload_hash == unsigned_payload;
  const auto date = amz_date(params.time);

  header_list added{{"X-Amz-Date", date}};
  if (has_token && options.sign_session_token) {
    added.push_back({"X-Amz-Security-Token", creds.session_token});
  }
  if (content_header) added.push_back({"X-Amz-Content-SHA256", payload_hash});

  // The caller's copies of what sign() adds are stale (an earlier attempt's); drop them.
  header_list to_sign;
  for (const auto& h : request.headers) {
    const auto name = lower(h.name);
    const bool replaced = name == "x-amz-date" ||
                          (has_token && name == "x-amz-security-token") ||
                          (content_header && name == "x-amz-content-sha256");
    if (!replaced) to_sign.push_back(h);
  }
  to_sign.insert(to_sign.end(), added.begin(), added.end());

  const auto headers = canonical_headers(to_sign);
  const auto scope = credential_scope(params.time, params.region, params.service);

  signed_request out;
  out.canonical_request =
      canonical_request(request.method, canonical_uri(request.path, options),
                        canonical_query(request.query), headers, payload_hash);
  out.string_to_sign = string_to_sign(date, scope, out.canonical_request);
  out.signature = signature(
      signing_key(creds.secret_access_key, scope_date(params.time), params.region, params.service),
      out.string_to_sign);
  out.authorization =
      authorization_header(creds.access_key_id, scope, headers.signed_headers, out.signature);
  out.headers_to_add = std::move(added);
  if (has_token && !options.sign_session_token) {
    out.headers_to_add.push_back({"X-Amz-Security-Token", creds.session_token});
  }
  out.headers_to_add.push_back({"Authorization", out.authorization});
  return out;
}

}  // namespace staticgate::aws

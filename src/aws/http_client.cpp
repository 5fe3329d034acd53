#include "aws/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "aws/endpoint.hpp"

namespace staticgate::aws {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<http_response*>(user)->body.append(data, size * count);
  return size * count;
}

// Called once per header line, status lines included; a new status line (after a 1xx)
// starts the header list afresh.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<http_response*>(user);
  const std::string_view line{data, size * count};
  if (line.starts_with("HTTP/")) {
    response->headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    response->headers.push_back(header{std::string{trim(line.substr(0, colon))},
                                       std::string{trim(line.substr(colon + 1))}});
  }
  return size * count;
}

struct slist_deleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

const header* find_header(const header_list& headers, std::string_view name) {
  const auto it = std::ranges::find_if(headers, [&](const header& h) { return iequals(h.name, name); });
  return it == headers.end() ? nullptr : &*it;
}

network_error network_error_from_curl(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return network_error::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      return network_error::timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return network_error::reset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return network_error::tls;
    default:
      return network_error::other;
  }
}

struct http_client::impl {
  http_client_options options;
  CURL* handle = nullptr;
};

http_client::http_client(http_client_options options) : impl_(std::make_unique<impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->handle = curl_easy_init();
  if (impl_->handle == nullptr) throw std::runtime_error("curl_easy_init failed");
}

http_client::~http_client() {
  if (impl_ && impl_->handle != nullptr) curl_easy_cleanup(impl_->handle);
}

http_result http_client::send(const outgoing_request& request) {
  CURL* h = impl_->handle;
  const http_client_options& o = impl_->options;
  // Reset forgets the previous request's options but keeps the live connections, the TLS
  // session and DNS caches: that is the connection reuse.
  curl_easy_reset(h);

  http_result result;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::unique_ptr<curl_slist, slist_deleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) throw std::bad_alloc();
    (void)headers.release();
    headers.reset(next);
  };
  for (const header& hd : request.headers) {
    // curl sends "Name;" as a header with an empty value ("Name:" would remove it).
    add_header(hd.value.empty() ? hd.name + ";" : hd.name + ": " + hd.value);
  }
  if (!find_header(request.headers, "Expect")) add_header("Expect:");

  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  if (!o.user_agent.empty()) curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
  if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.use_environment_proxy) curl_easy_setopt(h, CURLOPT_PROXY, "");  // "": no proxy at all
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &result.response);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &result.response);

  const CURLcode code = curl_easy_perform(h);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (code != CURLE_OK) {
    result.error = network_error_from_curl(code);
    result.error_message = error_buffer[0] != '\0' ? std::string{error_buffer} : curl_easy_strerror(code);
    result.response = http_response{};
    return result;
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  result.response.status = static_cast<int>(status);
  return result;
}

std::string error_code_from_header(const http_response& response) {
  const header* h = find_header(response.headers, "x-amzn-ErrorType");
  if (h == nullptr) return {};
  const std::string_view value = h->value;
  return std::string{value.substr(0, value.find(':'))};
}

http_result send_with_retries(http_client& client, const outgoing_request& request,
                              const sign_fn& sign, const retry_policy& policy, retry_quota& quota,
                              const sleep_fn& sleep, const random_fn& random,
                              const error_code_fn& error_code) {
  retry_state state;
  for (;;) {
    outgoing_request attempt = request;
    if (sign) sign(attempt);
    http_result result = client.send(attempt);
    ++state.attempts;
    const std::string code = (!result.error && error_code) ? error_code(result.response) : std::string{};
    attempt_result summary;
    summary.error = result.error;
    summary.status = result.response.status;
    summary.error_code = code;
    const retry_decision decision = decide_retry(policy, quota, state, summary, random ? random() : 1.0);
    if (decision.verdict != retry_verdict::retry) {
      result.attempts = state.attempts;
      result.verdict = decision.verdict;
      return result;
    }
    if (sleep) sleep(decision.delay);
  }
}

sign_fn sigv4_signer(std::function<credentials()> get_credentials, std::string region,
                     std::string service, std::function<std::chrono::sys_seconds()> now) {
  return [get_credentials = std::move(get_credentials), region = std::move(region),
          service = std::move(service), now = std::move(now)](outgoing_request& request) {
    const url_parts parts = split_url(request.url);
    http_request to_sign;
    to_sign.method = request.method;
    to_sign.path = parts.path;
    to_sign.query = parts.query;
    to_sign.headers = request.headers;
    if (!find_header(to_sign.headers, "Host")) to_sign.headers.push_back(header{"Host", parts.host});
    to_sign.payload = request.body;
    signing_params params;
    params.region = region;
    params.service = service;
    params.time = now();
    params.options = default_signing_options(service);
    const signed_request s = sign(to_sign, get_credentials(), params);
    header_list out = std::move(to_sign.headers);
    for (const header& added : s.headers_to_add) {
      std::erase_if(out, [&](const header& h) { return iequals(h.name, added.name); });
    }
    out.insert(out.end(), s.headers_to_add.begin(), s.headers_to_add.end());
    request.headers = std::move(out);
  };
}

}  // namespace staticgate::aws

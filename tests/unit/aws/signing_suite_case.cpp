#include "signing_suite_case.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace staticgate::aws::test {
namespace {

std::chrono::sys_seconds parse_timestamp(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s) != 6) {
    throw std::runtime_error("bad timestamp " + text);
  }
  const std::chrono::sys_days day{std::chrono::year{y} / mo / d};
  return day + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
}

}  // namespace

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

http_request parse_suite_request(const std::string& text) {
  http_request request;
  std::size_t pos = text.find('\n');
  const std::string line = text.substr(0, pos);
  // The target may contain spaces ("/example space/"): method up to the first space, version
  // after the last.
  const auto first = line.find(' ');
  const auto last = line.rfind(' ');
  request.method = line.substr(0, first);
  const std::string target = line.substr(first + 1, last - first - 1);
  const auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);

  while (pos != std::string::npos) {
    const auto start = pos + 1;
    pos = text.find('\n', start);
    const std::string header_line =
        text.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
    if (header_line.empty()) {
      if (pos != std::string::npos) request.payload = text.substr(pos + 1);
      break;
    }
    if (header_line.front() == ' ' || header_line.front() == '\t') {
      // Obsolete line folding: the line continues the previous header's value.
      request.headers.back().value += header_line;
      continue;
    }
    const auto colon = header_line.find(':');
    request.headers.push_back({header_line.substr(0, colon), header_line.substr(colon + 1)});
  }
  return request;
}

signing_suite_case load_signing_suite_case(const std::filesystem::path& dir) {
  const auto context = nlohmann::json::parse(read_text_file(dir / "context.json"));
  signing_suite_case c;
  c.request = parse_suite_request(read_text_file(dir / "request.txt"));
  const auto& creds = context.at("credentials");
  c.creds.access_key_id = creds.at("access_key_id").get<std::string>();
  c.creds.secret_access_key = creds.at("secret_access_key").get<std::string>();
  c.creds.session_token = creds.value("token", "");
  c.params.region = context.at("region").get<std::string>();
  c.params.service = context.at("service").get<std::string>();
  c.params.time = parse_timestamp(context.at("timestamp").get<std::string>());
  c.params.options = default_signing_options(c.params.service);
  // "normalize: false" is the suite's S3-like variant, but its request lines carry raw
  // characters, so the path is still encoded once.
  c.params.options.normalize_path = context.value("normalize", true);
  c.params.options.content_sha256_header = context.value("sign_body", false);
  c.params.options.sign_session_token = !context.value("omit_session_token", false);
  return c;
}

std::optional<std::filesystem::path> signing_suite_dir() {
  const std::filesystem::path dir = STATICGATE_SHARED_TESTDATA "/aws-sigv4";
  if (!std::filesystem::is_directory(dir)) return std::nullopt;
  return dir;
}

}  // namespace staticgate::aws::test

// Test helper for tests/integration/test_aws_credentials.py: runs find_credential_provider on
// the real environment and file system, asks the provider for credentials --gets times, and
// prints one JSON object on stdout — never the secret key or the session token:
//   {"region", "profile", "gets": [{"access_key_id", "expiration" (ISO 8601 or null),
//    "source", "has_session_token"} | {"error"}, ...], "caller_arn" (with --verify)}
// or {"error"} when no provider could be set up. Exit status 0 when every get succeeded.
//   aws_credentials_probe [--region R] [--sts-endpoint-url URL] [--gets N] [--verify]
//                         [--timeout-ms MS] [--wait-for PATH]
// --verify signs STS GetCallerIdentity at --sts-endpoint-url with the last credentials.
// --wait-for PATH: before each get after the first, wait (at most 20 s) until PATH exists, so
// a test can change things (rotate a token file) between two gets of one provider.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <thread>

#include "aws/credential_provider_factory.hpp"
#include "aws/iso8601.hpp"
#include "aws/query_xml.hpp"
#include "aws/service_client.hpp"
#include "aws/sts_credentials.hpp"

namespace aws = staticgate::aws;
using nlohmann::json;

namespace {

int usage() {
  std::cerr << "usage: aws_credentials_probe [--region R] [--sts-endpoint-url URL] [--gets N] [--verify] "
               "[--timeout-ms MS]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  aws::provider_options options;
  int gets = 1;
  bool verify = false;
  std::string wait_for;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--region" && has_value) {
      options.region = argv[++i];
    } else if (arg == "--sts-endpoint-url" && has_value) {
      options.sts_endpoint_url = argv[++i];
    } else if (arg == "--gets" && has_value) {
      gets = std::atoi(argv[++i]);
      if (gets < 1 || gets > 100) return usage();
    } else if (arg == "--timeout-ms" && has_value) {
      const int ms = std::atoi(argv[++i]);
      if (ms < 1) return usage();
      options.http.timeout = std::chrono::milliseconds(ms);
      options.http.connect_timeout = std::chrono::milliseconds(ms);
    } else if (arg == "--wait-for" && has_value) {
      wait_for = argv[++i];
    } else if (arg == "--verify") {
      verify = true;
    } else {
      return usage();
    }
  }

  const auto setup = aws::find_credential_provider(options);
  json out{{"region", setup.region}, {"profile", setup.profile}};
  if (!setup.provider) {
    out["error"] = setup.error;
    std::cout << out.dump() << '\n';
    return 1;
  }
  bool ok = true;
  json results = json::array();
  for (int i = 0; i < gets; ++i) {
    if (i > 0 && !wait_for.empty()) {
      std::cerr << "waiting for " << wait_for << std::endl;
      struct stat st {};
      for (int tries = 0; tries < 2000 && ::stat(wait_for.c_str(), &st) != 0; ++tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::string error;
    const auto creds = setup.provider->get(error);
    if (!creds) {
      results.push_back({{"error", error}});
      ok = false;
      continue;
    }
    json one{{"access_key_id", creds->access_key_id},
             {"expiration", nullptr},
             {"source", creds->source},
             {"has_session_token", !creds->session_token.empty()}};
    if (creds->expiration)
      one["expiration"] = aws::format_iso8601(std::chrono::floor<std::chrono::seconds>(*creds->expiration));
    if (!error.empty()) one["warning"] = error;
    results.push_back(std::move(one));
  }
  out["gets"] = std::move(results);

  if (verify && ok) {
    aws::service_client sts(aws::sts_endpoint(setup.region, options.sts_endpoint_url), setup.provider,
                            aws::service_client_options{.http = options.http, .retries = {}, .sleep = {}, .random = {}});
    const auto result = sts.call("GetCallerIdentity", aws::sts_version, {});
    if (result.ok) {
      pugi::xml_document doc;
      std::string why;
      if (aws::query_xml::load(doc, result.response.body, why))
        out["caller_arn"] = aws::query_xml::text(
            aws::query_xml::child(doc.document_element(), "GetCallerIdentityResult"), "Arn");
    } else {
      out["verify_error"] = result.describe();
      ok = false;
    }
  }
  std::cout << out.dump() << '\n';
  return ok ? 0 : 1;
}

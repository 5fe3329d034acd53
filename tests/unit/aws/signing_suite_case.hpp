// Reads one case of AWS's SigV4 test suite (aws-c-auth's tests/aws-signing-test-suite/v4
// layout: context.json, request.txt and the expected header-*.txt files) into the signer's
// types. Test support only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "aws/sigv4.hpp"

namespace staticgate::aws::test {

struct signing_suite_case {
  http_request request;
  credentials creds;
  signing_params params;
};

std::string read_text_file(const std::filesystem::path& file);

// Parses an HTTP/1.1 request as the suite writes it: a request target that may hold raw spaces
// and UTF-8, "Name:value" lines with folded continuation lines, a blank line, the body.
http_request parse_suite_request(const std::string& text);

signing_suite_case load_signing_suite_case(const std::filesystem::path& dir);

// The testdata directory, or nullopt when this checkout has no ../shared/testdata.
std::optional<std::filesystem::path> signing_suite_dir();

}  // namespace staticgate::aws::test

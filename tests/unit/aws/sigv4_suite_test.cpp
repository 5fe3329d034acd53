// Every case of AWS's published SigV4 test suite (../shared/testdata/aws-sigv4, see SOURCE.md
// there): the canonical request, the string to sign, the signature and the signed request's
// headers must match byte for byte. Only the header form is checked: the suite's query-*.txt
// files are presigned URLs, which staticgate does not produce.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "aws/sigv4.hpp"
#include "signing_suite_case.hpp"

namespace aws = staticgate::aws;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (const auto dir = aws::test::signing_suite_dir()) {
    for (const auto& entry : fs::directory_iterator(*dir)) {
      if (entry.is_directory()) names.push_back(entry.path().filename().string());
    }
  }
  std::ranges::sort(names);
  // One placeholder so the missing directory shows up as a skipped test, not as nothing.
  if (names.empty()) names.emplace_back("testdata_missing");
  return names;
}

std::vector<std::pair<std::string, std::string>> lowered(aws::header_list headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& h : headers) {
    std::ranges::transform(h.name, h.name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.emplace_back(std::move(h.name), std::move(h.value));
  }
  std::ranges::sort(out);
  return out;
}

class SigV4Suite : public testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderSigningMatches) {
  const auto dir = aws::test::signing_suite_dir();
  if (!dir) {
    GTEST_SKIP() << "AWS SigV4 test suite not found at " STATICGATE_SHARED_TESTDATA
                    "/aws-sigv4 (the shared testdata checkout beside the repository)";
  }
  const auto case_dir = *dir / GetParam();
  const auto c = aws::test::load_signing_suite_case(case_dir);
  const auto expected = [&](const char* file) {
    return aws::test::read_text_file(case_dir / file);
  };

  const auto result = aws::sign(c.request, c.creds, c.params);

  EXPECT_EQ(result.canonical_request, expected("header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, expected("header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, expected("header-signature.txt"));

  // The signed request is the original plus headers_to_add; order is not part of the contract.
  const auto signed_request =
      aws::test::parse_suite_request(expected("header-signed-request.txt"));
  auto sent = c.request.headers;
  sent.insert(sent.end(), result.headers_to_add.begin(), result.headers_to_add.end());
  EXPECT_EQ(lowered(sent), lowered(signed_request.headers));
  EXPECT_EQ(signed_request.payload, c.request.payload);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4Suite, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           std::ranges::replace(name, '-', '_');
                           return name;
                         });

}  // namespace

// libFuzzer target for what credential_process hands staticgate: the command line from the
// profile (split_shell_words, src/aws/shell_words.cpp) and the JSON the command prints
// (parse_process_credentials, src/aws/credential_response.cpp). The same bytes go to both.
// Besides "never crash" (ASan/UBSan), it checks:
//  - a failure always says why; a success has a key id and a secret;
//  - parse errors never quote the input (they are fixed texts naming a field), so a secret in
//    a malformed document cannot reach a log;
//  - splitting never yields more words than there are input bytes + 1, and words hold no
//    unquoted blank, i.e. joining them back with quotes re-splits to the same words.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/credential_response.hpp"
#include "aws/shell_words.hpp"

namespace aws = staticgate::aws;

namespace {

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

// Single-quotes a word for re-splitting ('\'' for a quote inside).
std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string error;
  const auto creds = aws::parse_process_credentials(input, error);
  if (creds) {
    check(!creds->access_key_id.empty() && !creds->secret_access_key.empty(), "credentials with a missing part");
  } else {
    check(error.rfind("credential_process: ", 0) == 0, "an error without its prefix");
    check(error.find('"') == std::string::npos && error.find('{') == std::string::npos, "an error quoting the input");
  }

  error.clear();
  const auto words = aws::split_shell_words(input, error);
  if (!words) {
    check(!error.empty(), "a refusal without a reason");
    return 0;
  }
  check(words->size() <= size + 1, "more words than bytes");
  std::string joined;
  for (const auto& word : *words) joined += quoted(word) + " ";
  std::string again_error;
  const auto again = aws::split_shell_words(joined, again_error);
  check(again.has_value() && *again == *words, "quoted words do not split back to themselves");
  return 0;
}

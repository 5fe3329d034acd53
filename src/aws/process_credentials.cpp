#include "aws/process_credentials.hpp"

#include "aws/credential_response.hpp"
#include "aws/shell_words.hpp"

namespace staticgate::aws {
namespace {

// The last non-empty line of a helper's standard error, at most 300 characters.
std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (const auto nl = text.rfind('\n'); nl != std::string_view::npos) text.remove_prefix(nl + 1);
  if (text.size() > 300) text = text.substr(0, 300);
  return std::string(text);
}

}  // namespace

std::optional<credentials> fetch_process_credentials(const process_params& params, const process_limits& limits,
                                                     std::string& error) {
  std::string why;
  const auto argv = split_shell_words(params.command, why);
  if (!argv) {
    error = "credential_process: " + why;
    return std::nullopt;
  }
  if (argv->empty()) {
    error = "credential_process: the command is empty";
    return std::nullopt;
  }
  const auto output = run_process(*argv, limits, why);
  if (!output) {
    error = "credential_process: " + why;
    return std::nullopt;
  }
  if (output->exit_code != 0) {
    error = "credential_process: " + argv->front() + " exited with status " + std::to_string(output->exit_code);
    if (const auto line = last_line(output->err); !line.empty()) error += ": " + line;
    return std::nullopt;
  }
  auto creds = parse_process_credentials(output->out, error);
  if (creds) creds->source = "credential_process " + argv->front();
  return creds;
}

}  // namespace staticgate::aws

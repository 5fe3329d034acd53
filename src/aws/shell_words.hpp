// Splits a command line into words the way a POSIX shell would for a simple command, without
// running a shell: credential_process is executed directly (process_runner.hpp), as botocore
// does, so that a profile cannot smuggle in a pipeline and quoting is the only thing to learn.
//
// Accepted: words separated by blanks (space, tab, newline); '...' taken literally;
// "..." with \ escaping only \ " $ ` and newline inside; a backslash outside quotes taking the
// next character literally. Refused, with an error naming the character: an unterminated
// quote, a trailing backslash, and shell syntax outside quotes that would silently mean
// something else without a shell (| & ; < > ( ) $ `): wrap such a command in a script.
// No expansion of any kind (~, $VAR, globs).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staticgate::aws {

// nullopt with `error` on the refusals above; an empty line gives an empty vector.
std::optional<std::vector<std::string>> split_shell_words(std::string_view line, std::string& error);

}  // namespace staticgate::aws

// Runs a program with arguments (no shell) and collects what it writes, bounded in time and
// size: the executor of credential_process.
//
// The child gets the parent's environment, /dev/null as standard input, default signal
// dispositions and an empty signal mask (the gateway ignores SIGPIPE; a helper script should
// not inherit that), no file descriptor above 2, and a process group of its own, so a timeout
// kills the helper together with anything it started. It is started with posix_spawnp rather
// than fork + exec: in a threaded process the child of fork may only make async-signal-safe
// calls before exec, which posix_spawn guarantees by construction. The program is looked up in
// PATH as the SDKs' Popen does.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace staticgate::aws {

struct process_limits {
  std::chrono::milliseconds timeout{60000};
  std::size_t max_output = 64 * 1024;  // per stream; more is an error (a credential document is < 4 KiB)
};

struct process_output {
  int exit_code = 0;  // exit status, or 128 + signal number when killed by a signal
  std::string out;    // standard output
  std::string err;    // standard error
};

// nullopt with `error` when the program cannot be started, runs longer than the timeout (it is
// then killed with SIGKILL, with its process group), or writes more than max_output. A
// non-zero exit is not an error here: the caller reads exit_code.
std::optional<process_output> run_process(const std::vector<std::string>& argv, const process_limits& limits,
                                          std::string& error);

}  // namespace staticgate::aws

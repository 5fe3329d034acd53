// The custom-runtime loop that lets staticgate run as an AWS Lambda function (provided.al2023):
// ask the Runtime API for the next event, run the handler, post its answer, forever.
//
// The loop runs on the calling thread and owns two HTTP clients (libcurl, http_client.hpp):
// one for /next, with no overall timeout because /next is a long poll that blocks while the
// function is idle (Lambda freezes the whole sandbox meanwhile), and one for the posts, bounded
// at 30 s. Both ignore http_proxy/ALL_PROXY: the Runtime API is a local endpoint.
//
// Failures:
//   - A handler that throws is answered with an error ("Runtime.HandlerException", the
//     exception's what()), never a crash; the loop goes on.
//   - An event without a usable request id cannot be answered: it counts as a failed /next.
//     An event without a valid deadline is answered with "Runtime.MalformedInvocation".
//   - A failed /next (no answer, an unexpected status, an unusable event) is retried
//     next_retries times with a growing delay; then run_runtime returns with a non-zero exit
//     code and the process should exit: Lambda then starts a fresh sandbox. A 500 (container
//     error) from any call ends the loop at once, as the API asks.
//   - A rejected post (400 unknown id, 403 wrong state, 413 response over 6 MiB) is logged and
//     the loop goes on: Lambda has already recorded the invocation as failed.
//
// _X_AMZN_TRACE_ID is set to the event's Lambda-Runtime-Trace-Id (unset when it has none) for
// the duration of each handler call, with setenv(): call run_runtime before starting threads
// that read the environment, or accept that they may see the variable change.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "aws/lambda_runtime_protocol.hpp"

namespace staticgate::aws::lambda {

struct runtime_options {
  std::string api;                             // host:port from AWS_LAMBDA_RUNTIME_API
  std::optional<std::size_t> max_invocations;  // tests: return after this many events
};

// From AWS_LAMBDA_RUNTIME_API; nullopt with `error` when it is unset or not host:port.
std::optional<runtime_options> options_from_environment(std::string& error);

struct run_outcome {
  enum class stop_reason {
    invocation_limit,         // max_invocations events handled (exit code 0)
    runtime_api_unreachable,  // /next kept failing
    container_error,          // the Runtime API answered 500
    invalid_options,          // options.api is not host:port
  };
  stop_reason reason = stop_reason::invalid_options;
  std::size_t invocations = 0;         // events the handler ran for
  std::size_t failed_invocations = 0;  // of which answered with an error
  std::string message;                 // why the loop stopped

  int exit_code() const { return reason == stop_reason::invocation_limit ? 0 : 1; }
};

using handler_fn = std::function<invocation_result(const invocation&)>;

// Runs the loop until one of run_outcome's stop reasons; see above.
run_outcome run_runtime(const runtime_options& options, const handler_fn& handler);

// Tells Lambda that initialisation failed (POST /runtime/init/error). The caller then exits
// non-zero. Failures to report are logged; there is nothing else to do about them.
void report_init_error(const runtime_options& options, std::string type, std::string message);

}  // namespace staticgate::aws::lambda

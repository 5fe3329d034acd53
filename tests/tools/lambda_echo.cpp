// Test function for tests/integration/test_lambda_runtime.py and test_lambda_static.py: runs
// staticgate::aws::lambda::run_runtime (AWS_LAMBDA_RUNTIME_API from the environment, as in
// Lambda) with a handler whose behaviour the event chooses:
//   {"fail": {"type": T, "message": M}}  -> answered as a failure of type T
//   {"throw": M}                         -> the handler throws std::runtime_error(M)
//   anything else that is JSON           -> {"echo": event, "request_id", "function_arn",
//                                            "deadline_ms", "trace_env": $_X_AMZN_TRACE_ID or null}
//   not JSON                             -> failure "InvalidEvent"
// Options: --max-invocations N (stop after N events, exit code 0), --init-error TYPE MESSAGE
// (report an initialisation failure and exit 1). The exit code is run_outcome::exit_code().
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "aws/lambda_runtime.hpp"

namespace lambda = staticgate::aws::lambda;
using nlohmann::json;

namespace {

lambda::invocation_result handle(const lambda::invocation& event) {
  json payload;
  try {
    payload = json::parse(event.payload);
  } catch (const json::parse_error& e) {
    return lambda::invocation_result::failure("InvalidEvent", std::string{"the event is not JSON: "} + e.what());
  }
  if (payload.is_object() && payload.contains("fail")) {
    const json& fail = payload.at("fail");
    return lambda::invocation_result::failure(fail.value("type", "Failure"), fail.value("message", ""));
  }
  if (payload.is_object() && payload.contains("throw")) {
    throw std::runtime_error(payload.at("throw").get<std::string>());
  }
  const char* trace = std::getenv(lambda::trace_id_environment);
  const auto deadline_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(event.deadline.time_since_epoch()).count();
  return lambda::invocation_result::success({{"echo", payload},
                                             {"request_id", event.request_id},
                                             {"function_arn", event.function_arn},
                                             {"deadline_ms", deadline_ms},
                                             {"trace_env", trace == nullptr ? json(nullptr) : json(trace)}});
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto options = lambda::options_from_environment(error);
  if (!options) {
    std::cerr << "lambda_echo: " << error << '\n';
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--max-invocations" && i + 1 < argc) {
      options->max_invocations = std::stoul(argv[++i]);
    } else if (arg == "--init-error" && i + 2 < argc) {
      lambda::report_init_error(*options, argv[i + 1], argv[i + 2]);
      return 1;
    } else {
      std::cerr << "lambda_echo: unknown argument " << arg << '\n';
      return 2;
    }
  }
  return lambda::run_runtime(*options, handle).exit_code();
}

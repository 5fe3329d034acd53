#include "aws/lambda_runtime.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <thread>

#include "aws/http_client.hpp"

namespace staticgate::aws::lambda {

namespace {

using namespace std::chrono_literals;

constexpr const char* runtime_api_environment = "AWS_LAMBDA_RUNTIME_API";

http_client_options next_client_options() {
  http_client_options o;
  o.connect_timeout = 1000ms;
  o.timeout = 0ms;  // curl: no limit; /next blocks until Lambda has an event
  o.user_agent = "staticgate-lambda-runtime";
  o.use_environment_proxy = false;
  return o;
}

http_client_options post_client_options() {
  http_client_options o = next_client_options();
  o.timeout = 30000ms;
  return o;
}

std::string describe(const http_result& result) {
  if (result.error) return std::string{to_string(*result.error)} + ": " + result.error_message;
  return "HTTP " + std::to_string(result.response.status) + " " + result.response.body.substr(0, 200);
}

// Sets _X_AMZN_TRACE_ID for one handler call and removes it afterwards.
class trace_environment {
 public:
  explicit trace_environment(const std::string& trace_id) {
    if (trace_id.empty()) {
      ::unsetenv(trace_id_environment);
    } else {
      ::setenv(trace_id_environment, trace_id.c_str(), 1);
    }
  }
  ~trace_environment() { ::unsetenv(trace_id_environment); }
  trace_environment(const trace_environment&) = delete;
  trace_environment& operator=(const trace_environment&) = delete;
};

invocation_result call_handler(const handler_fn& handler, const invocation& event) {
  const trace_environment trace{event.trace_id};
  try {
    return handler(event);
  } catch (const std::exception& e) {
    return invocation_result::failure("Runtime.HandlerException", e.what());
  } catch (...) {
    return invocation_result::failure("Runtime.HandlerException", "the handler threw a non-standard exception");
  }
}

outgoing_request error_post(std::string url, std::string_view type, std::string_view message) {
  outgoing_request request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers.push_back(header{"Content-Type", "application/json"});
  request.headers.push_back(header{std::string{error_type_header}, std::string{type}});
  request.body = error_document(type, message);
  return request;
}

class runtime_loop {
 public:
  runtime_loop(const runtime_options& options, const handler_fn& handler)
      : options_(options), handler_(handler), next_client_(next_client_options()),
        post_client_(post_client_options()) {}

  run_outcome run() {
    int failed_nexts = 0;
    for (;;) {
      if (options_.max_invocations && outcome_.invocations >= *options_.max_invocations) {
        return stop(run_outcome::stop_reason::invocation_limit, "handled the requested number of invocations");
      }
      std::string failure;
      const std::optional<bool> fetched = next(failure);
      if (!fetched) return outcome_;  // container error: stop already recorded
      if (*fetched) {
        failed_nexts = 0;
        continue;
      }
      if (++failed_nexts > next_retries) {
        return stop(run_outcome::stop_reason::runtime_api_unreachable,
                    "the Runtime API failed " + std::to_string(failed_nexts) + " times in a row, last: " + failure);
      }
      const auto delay = next_retry_delay(failed_nexts);
      spdlog::warn("lambda runtime: next invocation failed ({}); retry {} of {} in {} ms", failure, failed_nexts,
                   next_retries, delay.count());
      std::this_thread::sleep_for(delay);
    }
  }

 private:
  // One /next and, when it gave an event, its handling. true: an event was handled (or
  // answered with an error); false: the /next failed (`failure` says how); nullopt: the
  // Runtime API reported a container error and the loop must stop.
  std::optional<bool> next(std::string& failure) {
    outgoing_request request;
    request.url = next_invocation_url(options_.api);
    const http_result result = next_client_.send(request);
    if (result.error) {
      failure = describe(result);
      return false;
    }
    switch (classify_next_status(result.response.status)) {
      case answer_verdict::accepted:
        break;
      case answer_verdict::fatal:
        stop(run_outcome::stop_reason::container_error, "the Runtime API reported a container error on /next: " +
                                                            describe(result));
        return std::nullopt;
      case answer_verdict::rejected:
      case answer_verdict::unexpected:
        failure = describe(result);
        return false;
    }

    std::string request_id;
    std::string error;
    const std::optional<invocation> event =
        parse_next_invocation(result.response.headers, result.response.body, request_id, error);
    if (!event) {
      if (request_id.empty()) {
        failure = error;
        return false;
      }
      // Answerable but unusable: say why instead of letting it time out.
      spdlog::error("lambda runtime: {}", error);
      ++outcome_.invocations;
      ++outcome_.failed_invocations;
      if (!post(error_post(invocation_error_url(options_.api, request_id), "Runtime.MalformedInvocation", error),
                request_id)) {
        return std::nullopt;
      }
      return true;
    }

    const invocation_result answer = call_handler(handler_, *event);
    ++outcome_.invocations;
    outgoing_request response;
    if (answer.ok) {
      response.method = "POST";
      response.url = invocation_response_url(options_.api, event->request_id);
      response.headers.push_back(header{"Content-Type", "application/json"});
      response.body = answer.body_or_message;
    } else {
      ++outcome_.failed_invocations;
      spdlog::warn("lambda runtime: invocation {} failed: {}: {}", event->request_id, answer.error_type,
                   answer.body_or_message);
      response = error_post(invocation_error_url(options_.api, event->request_id), answer.error_type,
                            answer.body_or_message);
    }
    if (!post(response, event->request_id)) return std::nullopt;
    return true;
  }

  // Posts an answer; false when the Runtime API reported a container error (loop stops).
  bool post(const outgoing_request& request, const std::string& request_id) {
    const http_result result = post_client_.send(request);
    if (result.error) {
      // The next /next finds out whether the API is gone; this answer is lost either way.
      spdlog::error("lambda runtime: posting the answer to {} failed: {}", request_id, describe(result));
      return true;
    }
    switch (classify_post_status(result.response.status)) {
      case answer_verdict::accepted:
        return true;
      case answer_verdict::fatal:
        stop(run_outcome::stop_reason::container_error,
             "the Runtime API reported a container error answering " + request_id + ": " + describe(result));
        return false;
      case answer_verdict::rejected:
        spdlog::error("lambda runtime: the Runtime API refused the answer to {}: {}", request_id, describe(result));
        return true;
      case answer_verdict::unexpected:
        spdlog::error("lambda runtime: unexpected answer posting to {}: {}", request_id, describe(result));
        return true;
    }
    return true;
  }

  run_outcome stop(run_outcome::stop_reason reason, std::string message) {
    outcome_.reason = reason;
    outcome_.message = std::move(message);
    if (reason == run_outcome::stop_reason::invocation_limit) {
      spdlog::info("lambda runtime: {}", outcome_.message);
    } else {
      spdlog::error("lambda runtime: {}", outcome_.message);
    }
    return outcome_;
  }

  const runtime_options& options_;
  const handler_fn& handler_;
  http_client next_client_;
  http_client post_client_;
  run_outcome outcome_;
};

}  // namespace

std::optional<runtime_options> options_from_environment(std::string& error) {
  const char* api = std::getenv(runtime_api_environment);
  if (api == nullptr || *api == '\0') {
    error = std::string{runtime_api_environment} + " is not set (it is set by Lambda inside a function's sandbox)";
    return std::nullopt;
  }
  if (!valid_runtime_api(api)) {
    error = std::string{runtime_api_environment} + " is not host:port";
    return std::nullopt;
  }
  runtime_options options;
  options.api = api;
  return options;
}

run_outcome run_runtime(const runtime_options& options, const handler_fn& handler) {
  if (!valid_runtime_api(options.api)) {
    run_outcome outcome;
    outcome.reason = run_outcome::stop_reason::invalid_options;
    outcome.message = "the Runtime API address is not host:port";
    spdlog::error("lambda runtime: {}", outcome.message);
    return outcome;
  }
  runtime_loop loop{options, handler};
  return loop.run();
}

void report_init_error(const runtime_options& options, std::string type, std::string message) {
  spdlog::error("lambda runtime: initialisation failed: {}: {}", type, message);
  if (!valid_runtime_api(options.api)) return;
  http_client client{post_client_options()};
  const http_result result = client.send(error_post(init_error_url(options.api), type, message));
  if (result.error || classify_post_status(result.response.status) != answer_verdict::accepted) {
    spdlog::error("lambda runtime: reporting the initialisation error failed: {}", describe(result));
  }
}

}  // namespace staticgate::aws::lambda

// The long-running side of the Elastic IP reconciler: for `staticgate run`, one thread that
// reconciles every [[aws.elastic_ip]] binding at once and then every binding's interval, so an
// interface that replaced another gets its address back within one interval.
// The EC2 calls block, hence a thread of its own rather than the gateway's event loops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "aws/aws_runtime.hpp"
#include "config/aws_model.hpp"

namespace staticgate::aws {

class elastic_ip_keeper {
 public:
  elastic_ip_keeper(std::shared_ptr<aws_runtime> runtime, std::vector<config::aws_elastic_ip_binding> bindings);
  ~elastic_ip_keeper();  // stop()
  elastic_ip_keeper(const elastic_ip_keeper&) = delete;
  elastic_ip_keeper& operator=(const elastic_ip_keeper&) = delete;

  void start();
  // Waits for a reconcile in progress (its calls are bounded by the client's timeouts).
  void stop();

 private:
  void run();

  std::shared_ptr<aws_runtime> runtime_;
  std::vector<config::aws_elastic_ip_binding> bindings_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace staticgate::aws

#include "ingress/worker.hpp"

#include <spdlog/spdlog.h>

#include "ingress/session.hpp"

namespace staticgate::ingress {

worker::worker(unsigned id, net::forward_mode mode, int connection_log_fd)
    : id_(id), buffer_(new char[buffer_size]), log_(connection_log_fd, loop_) {
  forwarding_.buffer = buffer_.get();
  forwarding_.buffer_size = buffer_size;
  forwarding_.pipes = &pipes_;
  forwarding_.mode = mode;
}

worker::~worker() {
  stop();
  join();
  std::vector<session*> live;
  for (auto* s = sessions_; s; s = s->next) live.push_back(s);
  for (auto* s : live) s->close(end_reason::shutdown);
  loop_.destroy_retired();
  while (sessions_) delete sessions_;  // closed while queued for a deferred turn
  log_.flush();
}

target_picker& worker::add_group(std::shared_ptr<const target_group_snapshot> group) {
  groups_.push_back(std::make_unique<target_picker>(std::move(group)));
  return *groups_.back();
}

void worker::add_listener(listener_shared& shared, target_picker& targets, net::unique_fd fd) {
  listeners_.push_back(std::make_unique<listener_socket>(*this, shared, targets, std::move(fd)));
  if (auto ec = loop_.add(listeners_.back()->fd(), listeners_.back().get(), EPOLLIN | EPOLLET))
    throw std::system_error(ec, "watching listener " + shared.name);
}

void worker::pause_accepting(const char* why) {
  for (auto& l : listeners_) l->pause(why);
}

void worker::start() {
  thread_ = std::thread([this] {
    try {
      loop_.run();
    } catch (const std::exception& e) {
      spdlog::critical("worker {}: event loop failed: {}", id_, e.what());
      std::terminate();
    }
  });
}

void worker::stop_accepting() {
  loop_.post([this] {
    for (auto& l : listeners_) l->close();
  });
}

void worker::stop() { loop_.stop(); }

void worker::join() {
  if (thread_.joinable()) thread_.join();
}

void worker::link(session* s) {
  s->next = sessions_;
  if (sessions_) sessions_->prev = s;
  sessions_ = s;
  ++session_count_;
}

void worker::unlink(session* s) {
  if (s->prev) s->prev->next = s->next;
  if (s->next) s->next->prev = s->prev;
  if (sessions_ == s) sessions_ = s->next;
  s->prev = s->next = nullptr;
  --session_count_;
}

}  // namespace staticgate::ingress

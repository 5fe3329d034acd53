#include "ingress/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

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
  for (auto* l : listeners_) delete l;
  listeners_.clear();
  loop_.destroy_retired();
  while (sessions_) delete sessions_;  // closed while queued for a deferred turn
  log_.flush();
}

void worker::apply(worker_generation& generation) {
  {
    std::lock_guard lock(groups_mutex_);
    groups_ = generation.pickers;
  }
  bool first = generation_ == 0;
  generation_ = generation.id;

  std::vector<listener_socket*> next;
  for (auto& bound : generation.sockets) {
    auto picker = generation.pickers[bound.group];
    if (!bound.fd) {
      auto it = std::find_if(listeners_.begin(), listeners_.end(),
                             [&](listener_socket* l) { return l && l->address() == bound.address; });
      if (it != listeners_.end()) {
        (*it)->retarget(bound.listener, picker);
        next.push_back(*it);
        *it = nullptr;
      }
      continue;
    }
    auto* l = new listener_socket(*this, bound.listener, picker, std::move(bound.fd), bound.address);
    if (auto ec = loop_.add(l->fd(), l, EPOLLIN | EPOLLET)) {
      spdlog::error("worker {}: cannot watch listener {} on {}: {}", id_, bound.listener->name, bound.address,
                    ec.message());
      delete l;
      continue;
    }
    next.push_back(l);
  }
  for (auto* gone : listeners_) {
    if (!gone) continue;
    gone->close();
    loop_.retire(gone);  // an event for it may still be in this batch
  }
  listeners_ = std::move(next);
  if (first) return;

  // Connections to targets that left their group drain: no new ones (the new
  // pickers do not have them), and these end after the deregistration delay.
  auto now = loop_.now();
  bool any = false;
  for (auto* s = sessions_; s; s = s->next) {
    const auto* key = s->target_key();
    if (!key || s->draining()) continue;
    const auto& group = s->group_name();
    auto stays = generation.targets_by_group.find(group);
    if (stays != generation.targets_by_group.end() && stays->second.count(*key)) continue;
    auto delay = s->deregistration_delay();
    if (auto d = generation.deregistration_delay_by_group.find(group); d != generation.deregistration_delay_by_group.end())
      delay = d->second;
    s->drain_by(now + delay);
    any = true;
  }
  if (any) close_drained_sessions();  // also arms the timer for the earliest deadline
}

std::vector<std::shared_ptr<target_picker>> worker::pickers() const {
  std::lock_guard lock(groups_mutex_);
  return groups_;
}

void worker::close_drained_sessions() {
  auto now = loop_.now();
  std::vector<session*> due;
  std::optional<net::clock::time_point> next;
  for (auto* s = sessions_; s; s = s->next) {
    if (!s->draining()) continue;
    if (s->drain_deadline() <= now)
      due.push_back(s);
    else if (!next || s->drain_deadline() < *next)
      next = s->drain_deadline();
  }
  for (auto* s : due) s->close(end_reason::drained);
  if (next) loop_.timers().schedule(drain_timer_, *next);
}

void worker::close_sessions_to_unhealthy_targets(std::size_t group_index) {
  if (group_index >= groups_.size()) return;
  const auto& picker = *groups_[group_index];
  const auto& group = picker.group();
  std::vector<session*> due;
  for (auto* s = sessions_; s; s = s->next) {
    const auto* key = s->target_key();
    if (!key || s->group_name() != group.name) continue;
    for (std::size_t t = 0; t < group.keys.size(); ++t)
      if (group.keys[t] == *key && !picker.healthy(t)) due.push_back(s);
  }
  if (!due.empty())
    spdlog::info("target group \"{}\": closing {} connection(s) to unhealthy targets (on_unhealthy = close)",
                 group.name, due.size());
  for (auto* s : due) s->close(end_reason::target_unhealthy);
}

void worker::pause_accepting(const char* why) {
  for (auto* l : listeners_) l->pause(why);
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
    for (auto* l : listeners_) l->close();
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

#include "egress/egress_worker.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "dns/cares_resolver.hpp"
#include "egress/egress_session.hpp"
#include "egress/server_settings.hpp"

namespace staticgate::egress {

// One listening socket of one egress server on this worker. Out of descriptors, it pauses
// accepting for a moment (clients wait in the backlog) rather than spin.
class egress_worker::listener final : public net::io_handler, public net::retirable {
 public:
  listener(egress_worker& owner, std::shared_ptr<server_settings> settings, net::unique_fd fd, std::string address)
      : owner_(owner), settings_(std::move(settings)), fd_(std::move(fd)), address_(std::move(address)) {}

  int fd() const { return fd_.get(); }
  const std::string& address() const { return address_; }
  void retarget(std::shared_ptr<server_settings> settings) { settings_ = std::move(settings); }
  void close() {
    owner_.loop_.timers().cancel(backoff_);
    fd_.reset();
  }

  void on_io(std::uint32_t) override {
    if (!paused_) accept_all();
  }

 private:
  static constexpr std::chrono::milliseconds backoff{100};

  void accept_all() {
    while (fd_ && !paused_) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          spdlog::warn("egress {}: {}: pausing accepts for {} ms", settings_->config.name, std::strerror(errno),
                       backoff.count());
          paused_ = true;
          owner_.loop_.timers().schedule(backoff_, owner_.loop_.now() + backoff);
        } else if (errno != EAGAIN) {
          spdlog::error("egress {}: accept on {} failed: {}", settings_->config.name, address_, std::strerror(errno));
        }
        return;
      }
      auto* s = new egress_session(owner_, settings_, net::unique_fd(fd),
                                   net::endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), len));
      s->start();
    }
  }

  egress_worker& owner_;
  std::shared_ptr<server_settings> settings_;
  net::unique_fd fd_;
  std::string address_;
  bool paused_ = false;
  net::callback_timer<std::function<void()>> backoff_{[this] {
    paused_ = false;
    accept_all();
  }};
};

egress_worker::egress_worker(unsigned id, net::forward_mode mode, int log_fd)
    : id_(id), buffer_(new char[buffer_size]), log_fd_(log_fd) {
  forwarding_.buffer = buffer_.get();
  forwarding_.buffer_size = buffer_size;
  forwarding_.pipes = &pipes_;
  forwarding_.mode = mode;
}

egress_worker::~egress_worker() {
  stop();
  join();
  std::vector<egress_session*> live;
  for (auto* s = sessions_; s; s = s->next) live.push_back(s);
  for (auto* s : live) s->close(egress_result::shutdown, "staticgate stopped");
  for (auto* l : listeners_) delete l;
  listeners_.clear();
  resolvers_.clear();  // pending callbacks are dropped; their sessions are closed already
  loop_.destroy_retired();
  while (sessions_) delete sessions_;  // closed while queued for a deferred turn
}

void egress_worker::add_listener(std::shared_ptr<server_settings> settings, net::unique_fd fd, std::string address) {
  auto* l = new listener(*this, std::move(settings), std::move(fd), std::move(address));
  if (auto ec = loop_.add(l->fd(), l, EPOLLIN | EPOLLET)) {
    delete l;
    throw std::system_error(ec, "egress worker: cannot watch a listening socket");
  }
  listeners_.push_back(l);
}

void egress_worker::retarget(const std::map<std::string, std::shared_ptr<server_settings>>& keep) {
  std::vector<listener*> next;
  for (auto* l : listeners_) {
    if (auto it = keep.find(l->address()); it != keep.end()) {
      l->retarget(it->second);
      next.push_back(l);
      continue;
    }
    l->close();  // closing the socket also takes it out of epoll
    loop_.retire(l);  // an event for it may still be queued in this batch
  }
  listeners_ = std::move(next);
}

void egress_worker::start() {
  thread_ = std::thread([this] {
    try {
      loop_.run();
    } catch (const std::exception& e) {
      spdlog::critical("egress worker {} failed: {}", id_, e.what());
      std::terminate();
    }
  });
}

void egress_worker::stop_accepting() {
  loop_.post([this] {
    for (auto* l : listeners_) l->close();
  });
}

void egress_worker::stop() { loop_.stop(); }

void egress_worker::join() {
  if (thread_.joinable()) thread_.join();
}

dns::resolver& egress_worker::resolver_for(const server_settings& settings) {
  auto& slot = resolvers_[settings.config.name];
  if (!slot) {
    dns::cares_resolver_options options;
    options.servers = settings.config.name_servers;
    options.timeout = std::chrono::milliseconds(2000);
    options.tries = 2;
    slot = std::make_unique<dns::cares_resolver>(loop_, options);
  }
  return *slot;
}

void egress_worker::write_log(std::string line) {
  if (log_fd_ < 0) return;
  // One write per line on an O_APPEND descriptor: lines of different workers never interleave.
  [[maybe_unused]] auto ignored = ::write(log_fd_, line.data(), line.size());
}

bool egress_worker::should_warn_about_source(const std::string& address) {
  const auto now = loop_.now();
  auto [it, fresh] = source_warned_.try_emplace(address, now);
  if (!fresh && now - it->second < std::chrono::seconds(10)) return false;
  it->second = now;
  return true;
}

void egress_worker::link(egress_session* s) {
  s->next = sessions_;
  if (sessions_) sessions_->prev = s;
  sessions_ = s;
}

void egress_worker::unlink(egress_session* s) {
  if (s->prev) s->prev->next = s->next;
  if (s->next) s->next->prev = s->prev;
  if (sessions_ == s) sessions_ = s->next;
  s->prev = s->next = nullptr;
}

}  // namespace staticgate::egress

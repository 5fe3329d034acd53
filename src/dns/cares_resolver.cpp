#include "dns/cares_resolver.hpp"

#include <arpa/inet.h>
#include <ares.h>
#include <netinet/in.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "dns/ns_reply.hpp"

namespace staticgate::dns {

namespace {

constexpr int class_in = 1;
constexpr int type_a = 1;
constexpr int type_ns = 2;
constexpr int type_aaaa = 28;
constexpr int edns_payload = 1232;  // the DNS flag day 2020 size: no IP fragmentation
constexpr std::size_t header_size = 12;

errc from_ares(int status) {
  switch (status) {
    case ARES_ENOTFOUND: return errc::nxdomain;
    case ARES_ESERVFAIL: return errc::servfail;
    case ARES_EREFUSED: return errc::refused;
    case ARES_ETIMEOUT: return errc::timeout;
    case ARES_ENODATA: return errc::no_data;
    case ARES_EFORMERR:
    case ARES_EBADRESP: return errc::bad_response;
    case ARES_ECONNREFUSED: return errc::connection_refused;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return errc::cancelled;
    default: return errc::other;
  }
}

void library_init() {
  // Refcounted in c-ares and never undone here: the library stays up for the
  // life of the process. The static makes the first call thread-safe.
  static const int status = ::ares_library_init(ARES_LIB_INIT_ALL);
  if (status != ARES_SUCCESS) throw std::system_error(make_error_code(from_ares(status)), ::ares_strerror(status));
}

std::uint32_t clamp_ttl(int ttl) { return static_cast<std::uint32_t>(std::max(ttl, 0)); }

// Parses the answer section of `abuf` into `answer`; returns an ARES_* status.
int parse(int family, const unsigned char* abuf, int alen, dns_answer& answer) {
  if (alen < static_cast<int>(header_size)) return ARES_EBADRESP;
  // Size the TTL arrays from ANCOUNT: c-ares silently stops at their capacity.
  std::size_t ancount = (std::size_t{abuf[6]} << 8) | abuf[7];
  int n = static_cast<int>(std::max<std::size_t>(ancount, 1));
  hostent* host = nullptr;
  int status = ARES_SUCCESS;
  char text[INET6_ADDRSTRLEN];
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  if (family == AF_INET) {
    std::vector<ares_addrttl> records(static_cast<std::size_t>(n));
    status = ::ares_parse_a_reply(abuf, alen, &host, records.data(), &n);
    if (status == ARES_SUCCESS) {
      for (int i = 0; i < n; ++i) {
        auto& r = records[static_cast<std::size_t>(i)];
        ::inet_ntop(AF_INET, &r.ipaddr, text, sizeof text);
        answer.addresses.emplace_back(text);
        ttl = std::min(ttl, clamp_ttl(r.ttl));
      }
    }
  } else {
    std::vector<ares_addr6ttl> records(static_cast<std::size_t>(n));
    status = ::ares_parse_aaaa_reply(abuf, alen, &host, records.data(), &n);
    if (status == ARES_SUCCESS) {
      for (int i = 0; i < n; ++i) {
        auto& r = records[static_cast<std::size_t>(i)];
        ::inet_ntop(AF_INET6, &r.ip6addr, text, sizeof text);
        answer.addresses.emplace_back(text);
        ttl = std::min(ttl, clamp_ttl(r.ttl));
      }
    }
  }
  if (host) ::ares_free_hostent(host);
  if (status == ARES_SUCCESS && answer.addresses.empty()) status = ARES_ENODATA;
  if (status == ARES_SUCCESS) answer.ttl_seconds = ttl;
  return status;
}

}  // namespace

// One c-ares socket registered with the loop. Retired, not deleted, when c-ares
// closes the socket, so that an event already fetched for it in the current
// batch lands on a live object that ignores it.
class cares_resolver::socket_watch final : public net::io_handler, public net::retirable {
 public:
  socket_watch(cares_resolver* owner, int fd) : owner_(owner), fd_(fd) {}

  void on_io(std::uint32_t events) override {
    if (!owner_) return;
    // Errors and hang-ups go to the read side: that is where c-ares notices them.
    bool readable = (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0;
    bool writable = (events & EPOLLOUT) != 0;
    owner_->process(readable ? fd_ : ARES_SOCKET_BAD, writable ? fd_ : ARES_SOCKET_BAD);
  }
  void detach() { owner_ = nullptr; }
  std::uint32_t watched = 0;  // the EPOLL* mask registered with the loop

 private:
  cares_resolver* owner_;
  int fd_;
};

struct cares_resolver::query {
  cares_resolver* self;
  int type;             // type_a, type_aaaa or type_ns
  callback done;        // type_a, type_aaaa
  ns_callback ns_done;  // type_ns
};

cares_resolver::cares_resolver(net::event_loop& loop, cares_resolver_options options)
    : loop_(loop), options_(std::move(options)), timer_([this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); }) {
  if (options_.timeout.count() <= 0 || options_.tries <= 0)
    throw std::invalid_argument("dns: timeout and tries must be positive");
  library_init();
  ares_options opts{};
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  // No ARES_FLAG_IGNTC: a truncated UDP answer is asked again over TCP.
  // NOSEARCH/NOALIASES: names are used as given, never rewritten.
  // NOCHECKRESP: c-ares 1.18 would otherwise treat SERVFAIL/REFUSED as a dead
  // server, try the next one, and end with ARES_ECONNREFUSED, losing the rcode.
  // The price: a SERVFAIL/REFUSED from the first server asked is final.
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
  if (options_.edns) {
    opts.flags |= ARES_FLAG_EDNS;
    opts.ednspsz = edns_payload;
    mask |= ARES_OPT_EDNSPSZ;
  }
  opts.timeout = static_cast<int>(std::min<std::chrono::milliseconds::rep>(options_.timeout.count(),
                                                                         std::numeric_limits<int>::max()));
  opts.tries = options_.tries;
  opts.sock_state_cb = &cares_resolver::on_sock_state;
  opts.sock_state_cb_data = this;
  ares_channel channel = nullptr;
  if (int status = ::ares_init_options(&channel, &opts, mask); status != ARES_SUCCESS)
    throw std::system_error(make_error_code(from_ares(status)), std::string("dns: ") + ::ares_strerror(status));
  channel_ = channel;
  if (!options_.servers.empty()) {
    std::string csv;
    for (const auto& s : options_.servers) {
      if (!csv.empty()) csv += ',';
      csv += s;
    }
    if (int status = ::ares_set_servers_ports_csv(channel_, csv.c_str()); status != ARES_SUCCESS) {
      ::ares_destroy(channel_);
      throw std::invalid_argument("dns: bad name server list '" + csv + "': " + ::ares_strerror(status));
    }
  }
}

cares_resolver::~cares_resolver() {
  destroying_ = true;
  ::ares_destroy(channel_);  // closes sockets (on_sock_state) and drops queries (on_answer)
  for (auto& [fd, watch] : sockets_) {  // normally empty by now
    loop_.remove(fd);
    watch->detach();
    loop_.retire(watch);
  }
}

void cares_resolver::resolve(const std::string& name, int family, callback done) {
  if (family != AF_INET && family != AF_INET6) {
    done(make_error_code(std::errc::address_family_not_supported), {});
    return;
  }
  int type = family == AF_INET ? type_a : type_aaaa;
  send(name, new query{this, type, std::move(done), {}});
}

void cares_resolver::resolve_ns(const std::string& name, ns_callback done) {
  send(name, new query{this, type_ns, {}, std::move(done)});
}

void cares_resolver::send(const std::string& name, query* q) {
  ++pending_;
  ::ares_query(channel_, name.c_str(), class_in, q->type, &cares_resolver::on_answer, q);
  rearm_timer();
}

void cares_resolver::cancel() {
  ::ares_cancel(channel_);
  rearm_timer();
}

void cares_resolver::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<query> q(static_cast<query*>(arg));
  auto* self = q->self;
  --self->pending_;
  if (self->destroying_) return;
  if (q->type == type_ns) {
    ns_answer answer;
    std::error_code ec = status == ARES_SUCCESS
                             ? parse_ns_reply({abuf, static_cast<std::size_t>(std::max(alen, 0))}, answer)
                             : make_error_code(from_ares(status));
    q->ns_done(ec, std::move(answer));
    return;
  }
  dns_answer answer;
  if (status == ARES_SUCCESS) status = parse(q->type == type_a ? AF_INET : AF_INET6, abuf, alen, answer);
  if (status != ARES_SUCCESS) {
    q->done(make_error_code(from_ares(status)), {});
    return;
  }
  // A UDP answer is never longer than the buffer we advertised, so a longer
  // one came over TCP after a truncated UDP answer.
  answer.truncated_retried_over_tcp = alen > (self->options_.edns ? edns_payload : 512);
  q->done({}, std::move(answer));
}

void cares_resolver::on_sock_state(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<cares_resolver*>(data);
  auto it = self->sockets_.find(fd);
  if (!readable && !writable) {  // c-ares closes the socket
    if (it == self->sockets_.end()) return;
    self->loop_.remove(fd);
    it->second->detach();
    self->loop_.retire(it->second);
    self->sockets_.erase(it);
    return;
  }
  // Level-triggered: c-ares reads one packet per call and relies on being told
  // again while more is waiting.
  std::uint32_t events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  socket_watch* watch = nullptr;
  if (it == self->sockets_.end()) {
    watch = new socket_watch(self, fd);
    self->sockets_.emplace(fd, watch);
  } else {
    watch = it->second;
    if (watch->watched == events) return;
    self->loop_.remove(fd);  // the loop has no modify; re-adding is one syscall more
  }
  watch->watched = events;
  if (auto ec = self->loop_.add(fd, watch, events)) {
    // Cannot watch it: the queries on it will time out through the timer.
    watch->watched = 0;
  }
}

void cares_resolver::process(int read_fd, int write_fd) {
  ::ares_process_fd(channel_, read_fd, write_fd);
  rearm_timer();
}

void cares_resolver::rearm_timer() {
  timeval tv{};
  if (!::ares_timeout(channel_, nullptr, &tv)) {
    loop_.timers().cancel(timer_);
    return;
  }
  auto wait = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  loop_.timers().schedule(timer_, net::clock::now() + wait);
}

}  // namespace staticgate::dns

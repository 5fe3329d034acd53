/* tunnel_client: a load generator that speaks SOCKS5 and HTTP CONNECT, for
 * bench/egress.py. wrk cannot open its connections through a forward proxy,
 * and curl in a loop measures curl's start-up, so this opens the tunnels
 * itself, with plain non-blocking sockets and one epoll loop.
 *
 * Three modes; each prints one JSON object on stdout (hold prints a line per
 * phase) and exits non-zero only on bad arguments:
 *
 *   rate  --conns C --duration S: C concurrent slots, each repeatedly opens a
 *         tunnel, sends one GET with "Connection: close", reads the whole
 *         response (Content-Length), closes. Reports completed requests per
 *         second and the latency from connect() to the last response byte
 *         (so the tunnel handshake and the proxy's upstream connect count).
 *   bulk  --path /big: one tunnel, one GET, the body is discarded with
 *         recv(MSG_TRUNC) (no copy to user space), timed from the request to
 *         the last byte. Reports bytes and Gbit/s.
 *   hold  --count N: opens N tunnels one after another, sends one keep-alive
 *         GET through each and reads its response, so the proxy has certainly
 *         connected upstream and moved bytes both ways; prints
 *         "PHASE held {json}" and keeps them idle until SIGUSR1/SIGTERM or
 *         --phase-timeout, then closes them.
 *
 * --proxy socks5|http|none and --proxy-addr IP:PORT choose the way in;
 * --target IP:PORT is the HTTP server behind the proxy (IPv4 only: the
 * benchmark runs on 127.0.0.0/8). No authentication is offered: every proxy
 * of the benchmark is configured without it.
 *
 * Build: gcc -O2 -Wall -o tunnel_client tunnel_client.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum proxy_kind { PROXY_NONE, PROXY_SOCKS5, PROXY_HTTP };

struct options {
  const char *mode;
  enum proxy_kind proxy;
  struct sockaddr_in proxy_addr;
  struct sockaddr_in target;
  const char *path;
  int conns;
  double duration;
  int count;
  double phase_timeout;
  double timeout; /* per connection (rate, hold) or whole transfer (bulk) */
};

static struct options opt = {
    .path = "/", .conns = 64, .duration = 5, .count = 1000, .phase_timeout = 60, .timeout = 10};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, struct sockaddr_in *out) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (!colon || (size_t)(colon - s) >= sizeof host) return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = 0;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)atoi(colon + 1));
  return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: tunnel_client rate|bulk|hold --proxy socks5|http|none [--proxy-addr IP:PORT]\n"
          "         --target IP:PORT [--path P] [--conns C] [--duration S] [--count N]\n"
          "         [--phase-timeout S] [--timeout S]\n");
  exit(2);
}

/* ------------------------------------------------------------ the handshake
 * A tunnel moves through these steps; `out` holds bytes still to send and
 * `in` the bytes of the current answer. */
enum step { CONNECTING, GREETING, SOCKS_REQUEST, HTTP_CONNECT, REQUEST, RESPONSE };

struct tunnel {
  int fd;
  enum step step;
  double started;
  char out[512];
  size_t out_len, out_off;
  char in[2048];
  size_t in_len;
  long body_left; /* -1 until the response head is parsed */
};

static char request_close[256], request_keep[256];

static void make_requests(void) {
  char host[32];
  inet_ntop(AF_INET, &opt.target.sin_addr, host, sizeof host);
  snprintf(request_close, sizeof request_close,
           "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", opt.path, host,
           ntohs(opt.target.sin_port));
  snprintf(request_keep, sizeof request_keep, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", opt.path,
           host, ntohs(opt.target.sin_port));
}

static void queue(struct tunnel *t, const void *data, size_t len) {
  memcpy(t->out, data, len);
  t->out_len = len;
  t->out_off = 0;
  t->in_len = 0;
}

/* The first thing to send once TCP is connected. */
static void begin(struct tunnel *t, const char *request) {
  if (opt.proxy == PROXY_SOCKS5) {
    t->step = GREETING;
    queue(t, "\x05\x01\x00", 3);
  } else if (opt.proxy == PROXY_HTTP) {
    char host[32], line[160];
    inet_ntop(AF_INET, &opt.target.sin_addr, host, sizeof host);
    int n = snprintf(line, sizeof line, "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host,
                     ntohs(opt.target.sin_port), host, ntohs(opt.target.sin_port));
    t->step = HTTP_CONNECT;
    queue(t, line, (size_t)n);
  } else {
    t->step = REQUEST;
    queue(t, request, strlen(request));
  }
}

/* Parses what arrived for the current step. Returns 1 when the step's answer
 * is complete (and queues the next step's bytes), 0 when more is needed, -1
 * on a protocol error (message in *err). */
static int advance(struct tunnel *t, const char *request, const char **err) {
  switch (t->step) {
  case GREETING:
    if (t->in_len < 2) return 0;
    if (t->in[0] != 5 || t->in[1] != 0) return *err = "socks5 method refused", -1;
    {
      unsigned char req[10] = {5, 1, 0, 1};
      memcpy(req + 4, &opt.target.sin_addr, 4);
      memcpy(req + 8, &opt.target.sin_port, 2);
      t->step = SOCKS_REQUEST;
      queue(t, req, sizeof req);
    }
    return 1;
  case SOCKS_REQUEST: {
    if (t->in_len < 5) return 0;
    if (t->in[0] != 5) return *err = "socks5 bad reply", -1;
    if (t->in[1] != 0) return *err = "socks5 connect refused", -1;
    size_t need = t->in[3] == 1 ? 10 : t->in[3] == 4 ? 22 : 7 + (unsigned char)t->in[4];
    if (t->in_len < need) return 0;
    if (t->in_len > need) return *err = "socks5 extra bytes", -1;
    t->step = REQUEST;
    queue(t, request, strlen(request));
    return 1;
  }
  case HTTP_CONNECT: {
    t->in[t->in_len] = 0;
    char *end = strstr(t->in, "\r\n\r\n");
    if (!end) return t->in_len + 1 >= sizeof t->in ? (*err = "connect answer too long", -1) : 0;
    if (strncmp(t->in, "HTTP/1.", 7) || strncmp(t->in + 9, "200", 3))
      return *err = "CONNECT refused", -1;
    if ((size_t)(end + 4 - t->in) != t->in_len) return *err = "CONNECT extra bytes", -1;
    t->step = REQUEST;
    queue(t, request, strlen(request));
    return 1;
  }
  case RESPONSE: {
    if (t->body_left < 0) {
      t->in[t->in_len] = 0;
      char *end = strstr(t->in, "\r\n\r\n");
      if (!end) return t->in_len + 1 >= sizeof t->in ? (*err = "response head too long", -1) : 0;
      if (strncmp(t->in + 9, "200", 3)) return *err = "response not 200", -1;
      char *cl = strcasestr(t->in, "\r\ncontent-length:");
      if (!cl || cl > end) return *err = "response without content-length", -1;
      t->body_left = atol(cl + 17) - (long)(t->in_len - (size_t)(end + 4 - t->in));
      t->in_len = 0;
    }
    return t->body_left <= 0 ? 1 : 0;
  }
  default:
    return 0;
  }
}

static int nonblocking_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

static const struct sockaddr_in *first_hop(void) {
  return opt.proxy == PROXY_NONE ? &opt.target : &opt.proxy_addr;
}

/* ------------------------------------------------------------------- rate */
static uint32_t *latencies;
static size_t n_lat, cap_lat;
static long errors;
static char first_error[128];

static void note_error(const char *what) {
  errors++;
  if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", what);
}

static void open_tunnel(int ep, struct tunnel *t) {
  t->fd = nonblocking_socket();
  t->started = now();
  t->body_left = -1;
  t->in_len = 0;
  t->out_len = t->out_off = 0;
  if (t->fd < 0) {
    note_error(strerror(errno));
    return;
  }
  t->step = CONNECTING;
  if (connect(t->fd, (const struct sockaddr *)first_hop(), sizeof opt.target) < 0 &&
      errno != EINPROGRESS) {
    note_error(strerror(errno));
    close(t->fd);
    t->fd = -1;
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = t};
  epoll_ctl(ep, EPOLL_CTL_ADD, t->fd, &ev);
}

static void close_tunnel(struct tunnel *t) {
  if (t->fd >= 0) close(t->fd);
  t->fd = -1;
}

/* Drives one tunnel as far as its socket allows. Returns 1 when its request
 * completed, -1 on error, 0 when it waits for more. */
static int drive(struct tunnel *t, const char *request) {
  const char *err = NULL;
  if (t->step == CONNECTING) {
    int e = 0;
    socklen_t l = sizeof e;
    getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &l);
    if (e) return note_error(strerror(e)), -1;
    begin(t, request);
  }
  for (;;) {
    while (t->out_off < t->out_len) {
      ssize_t n = send(t->fd, t->out + t->out_off, t->out_len - t->out_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) return 0;
        return note_error(strerror(errno)), -1;
      }
      t->out_off += (size_t)n;
    }
    if (t->step == REQUEST) t->step = RESPONSE;
    ssize_t n;
    if (t->step == RESPONSE && t->body_left > 0)
      n = recv(t->fd, NULL, (size_t)t->body_left, MSG_TRUNC);
    else
      n = recv(t->fd, t->in + t->in_len, sizeof t->in - 1 - t->in_len, 0);
    if (n < 0) {
      if (errno == EAGAIN) return 0;
      return note_error(strerror(errno)), -1;
    }
    if (n == 0) return note_error("closed early"), -1;
    if (t->step == RESPONSE && t->body_left > 0)
      t->body_left -= n;
    else
      t->in_len += (size_t)n;
    int r = advance(t, request, &err);
    if (r < 0) return note_error(err), -1;
    if (r > 0 && t->step == RESPONSE) return 1;
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(double p) {
  if (!n_lat) return 0;
  size_t i = (size_t)(p * (double)n_lat + 0.5);
  if (i >= 1) i--;
  if (i >= n_lat) i = n_lat - 1;
  return latencies[i] / 1000.0;
}

static int run_rate(void) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct tunnel *slots = calloc((size_t)opt.conns, sizeof *slots);
  cap_lat = 1 << 20;
  latencies = malloc(cap_lat * sizeof *latencies);
  double start = now(), end = start + opt.duration, last_scan = start;
  for (int i = 0; i < opt.conns; i++) open_tunnel(ep, &slots[i]);
  struct epoll_event evs[256];
  double t;
  while ((t = now()) < end) {
    int n = epoll_wait(ep, evs, 256, 50);
    for (int i = 0; i < n; i++) {
      struct tunnel *tn = evs[i].data.ptr;
      int r = drive(tn, request_close);
      if (r == 0) continue;
      if (r > 0) {
        double lat = now() - tn->started;
        if (n_lat == cap_lat) latencies = realloc(latencies, (cap_lat *= 2) * sizeof *latencies);
        latencies[n_lat++] = (uint32_t)(lat * 1e6);
      }
      close_tunnel(tn);
      if (now() < end) open_tunnel(ep, tn);
    }
    if (t - last_scan > 0.25) { /* per-connection timeout, and retry failed opens */
      last_scan = t;
      for (int i = 0; i < opt.conns; i++) {
        if (slots[i].fd >= 0 && t - slots[i].started > opt.timeout) {
          note_error("timeout");
          close_tunnel(&slots[i]);
        }
        if (slots[i].fd < 0 && t < end) open_tunnel(ep, &slots[i]);
      }
    }
  }
  double elapsed = now() - start;
  for (int i = 0; i < opt.conns; i++) close_tunnel(&slots[i]);
  qsort(latencies, n_lat, sizeof *latencies, cmp_u32);
  printf("{\"mode\":\"rate\",\"requests\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"rps\":%.1f,"
         "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"first_error\":\"%s\"}\n",
         n_lat, errors, elapsed, (double)n_lat / elapsed, pct(0.50), pct(0.90), pct(0.99),
         pct(1.0), first_error);
  return 0;
}

/* ------------------------------------------ blocking tunnels (bulk, hold) */
/* Opens one tunnel and completes `request`'s response head, blocking, each
 * step bounded by opt.timeout. Returns the fd (body bytes still to read in
 * *body_left) or -1 with the reason in first_error. */
static int open_blocking(const char *request, long *body_left) {
  struct tunnel t = {.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), .body_left = -1};
  if (t.fd < 0) return note_error(strerror(errno)), -1;
  struct timeval tv = {.tv_sec = (time_t)opt.timeout,
                       .tv_usec = (suseconds_t)((opt.timeout - (double)(time_t)opt.timeout) * 1e6)};
  setsockopt(t.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(t.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(t.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(t.fd, (const struct sockaddr *)first_hop(), sizeof opt.target) < 0) {
    note_error(strerror(errno));
    close(t.fd);
    return -1;
  }
  begin(&t, request);
  for (;;) {
    if (send(t.fd, t.out, t.out_len, MSG_NOSIGNAL) != (ssize_t)t.out_len) {
      note_error("send failed");
      break;
    }
    if (t.step == REQUEST) t.step = RESPONSE;
    const char *err = NULL;
    int r = 0;
    while (r == 0) {
      ssize_t n = recv(t.fd, t.in + t.in_len, sizeof t.in - 1 - t.in_len, 0);
      if (n <= 0) {
        note_error(n == 0 ? "closed early" : strerror(errno));
        r = -1;
        break;
      }
      t.in_len += (size_t)n;
      r = advance(&t, request, &err);
      if (r < 0)
        note_error(err);
      else if (t.step == RESPONSE && t.body_left >= 0)
        r = 1; /* the head is parsed: the caller reads the body */
    }
    if (r < 0) break;
    if (t.step == RESPONSE) {
      *body_left = t.body_left;
      return t.fd;
    }
  }
  close(t.fd);
  return -1;
}

static int run_bulk(void) {
  long left = 0, total = 0;
  double start = now();
  int fd = open_blocking(request_close, &left);
  double head = now();
  int ok = fd >= 0;
  if (ok) {
    total = left;
    while (left > 0) {
      ssize_t n = recv(fd, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left, MSG_TRUNC);
      if (n <= 0) {
        note_error(n == 0 ? "closed early" : strerror(errno));
        ok = 0;
        break;
      }
      left -= n;
    }
    close(fd);
  }
  double end = now();
  long got = total - left;
  printf("{\"mode\":\"bulk\",\"ok\":%s,\"bytes\":%ld,\"seconds\":%.3f,\"first_byte_s\":%.4f,"
         "\"gbit_s\":%.3f,\"first_error\":\"%s\"}\n",
         ok ? "true" : "false", got, end - start, head - start,
         (double)got * 8 / 1e9 / (end - start), first_error);
  return 0;
}

static int run_hold(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);

  int *fds = malloc((size_t)opt.count * sizeof *fds);
  int held = 0;
  double start = now();
  for (int i = 0; i < opt.count; i++) {
    long left = 0;
    int fd = open_blocking(request_keep, &left);
    char sink[4096];
    while (fd >= 0 && left > 0) { /* the small response's body */
      ssize_t n = recv(fd, sink, left > (long)sizeof sink ? sizeof sink : (size_t)left, 0);
      if (n <= 0) {
        note_error("body cut");
        close(fd);
        fd = -1;
        break;
      }
      left -= n;
    }
    if (fd >= 0) fds[held++] = fd;
  }
  printf("PHASE held {\"open\":%d,\"failed\":%ld,\"seconds\":%.3f,\"first_error\":\"%s\"}\n", held,
         errors, now() - start, first_error);
  fflush(stdout);
  struct timespec ts = {.tv_sec = (time_t)opt.phase_timeout};
  sigtimedwait(&set, NULL, &ts);
  for (int i = 0; i < held; i++) close(fds[i]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  opt.mode = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    i++;
    if (!strcmp(a, "--proxy"))
      opt.proxy = !strcmp(v, "socks5") ? PROXY_SOCKS5 : !strcmp(v, "http") ? PROXY_HTTP : PROXY_NONE;
    else if (!strcmp(a, "--proxy-addr")) {
      if (parse_addr(v, &opt.proxy_addr)) usage();
    } else if (!strcmp(a, "--target")) {
      if (parse_addr(v, &opt.target)) usage();
    } else if (!strcmp(a, "--path"))
      opt.path = v;
    else if (!strcmp(a, "--conns"))
      opt.conns = atoi(v);
    else if (!strcmp(a, "--duration"))
      opt.duration = atof(v);
    else if (!strcmp(a, "--count"))
      opt.count = atoi(v);
    else if (!strcmp(a, "--phase-timeout"))
      opt.phase_timeout = atof(v);
    else if (!strcmp(a, "--timeout"))
      opt.timeout = atof(v);
    else
      usage();
  }
  if (!opt.target.sin_port || opt.conns < 1 || opt.count < 1 ||
      (opt.proxy != PROXY_NONE && !opt.proxy_addr.sin_port))
    usage();
  make_requests();
  if (!strcmp(opt.mode, "rate")) return run_rate();
  if (!strcmp(opt.mode, "bulk")) return run_bulk();
  if (!strcmp(opt.mode, "hold")) return run_hold();
  usage();
  return 2;
}

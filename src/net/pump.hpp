// Moves the bytes of one direction of a TCP connection (from -> to) with the
// fewest syscalls we know how to: the loop reports readiness edges, and a pump
// reads only while the source may hold data and writes straight through.
//
//  - copy:   recv() into the worker's shared buffer, send() at once. Only what the
//            destination refused is kept (a per-connection heap buffer, freed as
//            soon as it drains), so an idle connection holds no buffer at all.
//  - splice: socket -> pooled pipe -> socket without a user-space copy; the pipe
//            is borrowed only while bytes sit in it.
//  - auto:   starts with copy; the first read that fills the whole shared buffer
//            marks the direction as bulk and switches it to splice for good.
//
// Backpressure: while bytes are held for a slow destination, the source is not
// read, so the kernel's receive window slows the sender. Memory per direction is
// bounded by one buffer (copy) or one pipe (splice).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "net/pipe_pool.hpp"

namespace staticgate::net {

// What the loop has told us about one socket. Edge-triggered epoll reports a
// change once, so these flags remember it until a syscall says EAGAIN.
struct socket_state {
  int fd = -1;
  bool readable = false;
  bool writable = false;
  bool peer_closed = false;  // EPOLLRDHUP/HUP seen: read until EOF, do not trust short reads

  void on_events(std::uint32_t events);
};

enum class forward_mode : std::uint8_t { automatic, splice, copy };

// Per worker thread, shared by all its pumps.
struct forward_context {
  char* buffer = nullptr;
  std::size_t buffer_size = 0;
  pipe_pool* pipes = nullptr;
  forward_mode mode = forward_mode::automatic;
};

class pump {
 public:
  enum class status : std::uint8_t {
    waiting,   // needs the source readable or the destination writable
    finished,  // EOF seen and forwarded as shutdown(SHUT_WR)
    failed,    // a socket error (reset, ...): the connection must close
    yielded,   // moved its fair share for this turn and may have more: call again soon
  };

  // Bytes one run() may move before it yields, so that one bulk connection
  // cannot starve the others on its worker.
  static constexpr std::uint64_t turn_budget = 1U << 20;

  pump() = default;
  pump(const pump&) = delete;
  pump& operator=(const pump&) = delete;
  ~pump();

  // Queues bytes to send before anything read from the source (a PROXY
  // protocol header). Only before the first run().
  void prepend(const void* data, std::size_t size);

  // Moves as much as possible now. Call again after any readiness change.
  // reverse_finished: the other direction has ended, so on EOF the connection
  // closes and the shutdown(SHUT_WR) a half-close needs can be skipped.
  status run(socket_state& from, socket_state& to, forward_context& ctx, bool reverse_finished = false);

  bool finished() const { return finished_; }
  std::uint64_t bytes() const { return bytes_; }
  bool holds_data() const { return held_ != 0 || pipe_bytes_ != 0; }
  bool splicing() const { return splice_; }
  int last_errno() const { return errno_; }
  bool failed_reading() const { return failed_reading_; }  // else: failed writing

 private:
  status flush(socket_state& to);
  status read_copy(socket_state& from, socket_state& to, forward_context& ctx);
  status read_splice(socket_state& from, forward_context& ctx);
  status fail(int err, bool reading);

  std::unique_ptr<char[]> held_data_;  // bytes the destination refused (copy mode)
  std::uint32_t held_offset_ = 0;
  std::uint32_t held_ = 0;
  pipe_pair pipe_{};
  pipe_pool* pipe_owner_ = nullptr;  // set while a pipe is borrowed
  std::uint32_t pipe_bytes_ = 0;
  std::uint64_t bytes_ = 0;
  int errno_ = 0;
  bool eof_ = false;
  bool failed_reading_ = false;
  bool finished_ = false;
  bool splice_ = false;
  bool mode_set_ = false;
};

}  // namespace staticgate::net

// A small per-thread pool of pipes for splice(). A connection borrows a pipe only
// while bytes sit in it, so idle connections hold none (HAProxy's pipe.c does
// the same); empty pipes go back to the pool instead of costing two syscalls
// to create and close for every burst.
#pragma once

#include <cstddef>
#include <vector>

namespace staticgate::net {

struct pipe_pair {
  int read_fd = -1;
  int write_fd = -1;
  explicit operator bool() const { return read_fd >= 0; }
};

class pipe_pool {
 public:
  static constexpr std::size_t preferred_pipe_size = 256 * 1024;

  explicit pipe_pool(std::size_t max_idle = 256) : max_idle_(max_idle) {}
  pipe_pool(const pipe_pool&) = delete;
  pipe_pool& operator=(const pipe_pool&) = delete;
  ~pipe_pool();

  // An empty pipe, or an invalid pipe_pair when none can be created (EMFILE...):
  // the caller then copies through user space instead.
  pipe_pair acquire();
  // Returns an EMPTY pipe to the pool.
  void release(pipe_pair p);
  // Closes a borrowed pipe that may still hold bytes.
  void discard(pipe_pair p);

  std::size_t in_use() const { return in_use_; }
  std::size_t idle() const { return idle_.size(); }
  std::size_t capacity() const { return capacity_; }  // bytes one pipe holds

 private:
  static void destroy(pipe_pair p);
  std::vector<pipe_pair> idle_;
  std::size_t max_idle_;
  std::size_t in_use_ = 0;
  std::size_t capacity_ = 65536;
};

}  // namespace staticgate::net

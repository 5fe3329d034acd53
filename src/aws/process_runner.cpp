#include "aws/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace staticgate::aws {
namespace {

using clock = std::chrono::steady_clock;

// Closes what it holds on every path out.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::string errno_text(int e) { return std::strerror(e); }

// Child setup for posix_spawn; destroys what it initialised.
struct spawn_setup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  bool actions_ok = false, attr_ok = false;
  ~spawn_setup() {
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
    if (attr_ok) posix_spawnattr_destroy(&attr);
  }
};

// Reaps the child; kills its process group first when `kill_group`.
int reap(pid_t pid, bool kill_group) {
  if (kill_group) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::optional<process_output> run_process(const std::vector<std::string>& argv, const process_limits& limits,
                                          std::string& error) {
  if (argv.empty() || argv.front().empty()) {
    error = "no program to run";
    return std::nullopt;
  }
  std::array<int, 2> out_pipe{-1, -1}, err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    error = "pipe: " + errno_text(errno);
    return std::nullopt;
  }
  fd_guard out_read{out_pipe[0]}, out_write{out_pipe[1]};
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    error = "pipe: " + errno_text(errno);
    return std::nullopt;
  }
  fd_guard err_read{err_pipe[0]}, err_write{err_pipe[1]};

  spawn_setup setup;
  setup.actions_ok = posix_spawn_file_actions_init(&setup.actions) == 0;
  setup.attr_ok = posix_spawnattr_init(&setup.attr) == 0;
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  // dup2 onto 1 and 2 clears close-on-exec there; the pipe ends themselves are O_CLOEXEC, and
  // closefrom(3) takes the gateway's sockets out of the child whatever their flags.
  if (!setup.actions_ok || !setup.attr_ok ||
      posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], 1) != 0 ||
      posix_spawn_file_actions_adddup2(&setup.actions, err_pipe[1], 2) != 0 ||
      posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3) != 0 ||
      posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) !=
          0 ||
      posix_spawnattr_setpgroup(&setup.attr, 0) != 0 || posix_spawnattr_setsigmask(&setup.attr, &empty) != 0 ||
      posix_spawnattr_setsigdefault(&setup.attr, &all) != 0) {
    error = "cannot prepare to start " + argv.front();
    return std::nullopt;
  }

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (const int e = posix_spawnp(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ); e != 0) {
    error = "cannot start " + argv.front() + ": " + errno_text(e);
    return std::nullopt;
  }
  out_write.reset();  // the child's copies are the only writers left: EOF when it is done
  err_write.reset();

  process_output result;
  const auto deadline = clock::now() + limits.timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      reap(pid, true);
      error = argv.front() + " did not finish within " + std::to_string(limits.timeout.count()) + " ms (killed)";
      return std::nullopt;
    }
    std::array<pollfd, 2> fds{pollfd{out_open ? out_read.fd : -1, POLLIN, 0},
                              pollfd{err_open ? err_read.fd : -1, POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      reap(pid, true);
      error = "poll: " + errno_text(errno);
      return std::nullopt;
    }
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[static_cast<std::size_t>(i)].revents == 0) continue;
      std::string& sink = i == 0 ? result.out : result.err;
      char buffer[4096];
      const ssize_t n = ::read(fds[static_cast<std::size_t>(i)].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      sink.append(buffer, static_cast<std::size_t>(n));
      if (sink.size() > limits.max_output) {
        reap(pid, true);
        error = argv.front() + " wrote more than " + std::to_string(limits.max_output) + " bytes to " +
                (i == 0 ? "standard output" : "standard error") + " (killed)";
        return std::nullopt;
      }
    }
  }
  // Both pipes closed: the child is exiting (or closed them and lingers; the wait is then
  // bounded by the same deadline).
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
      return result;
    }
    if (done < 0 && errno != EINTR) {
      error = "waitpid: " + errno_text(errno);
      return std::nullopt;
    }
    if (clock::now() >= deadline) {
      reap(pid, true);
      error = argv.front() + " did not finish within " + std::to_string(limits.timeout.count()) + " ms (killed)";
      return std::nullopt;
    }
    ::usleep(5000);
  }
}

}  // namespace staticgate::aws

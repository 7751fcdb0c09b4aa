#include "gauntlet/process/orphan_guard.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "gauntlet/process/process_error.hpp"

namespace gauntlet {
namespace {

constexpr char kStandDown = 'x';
constexpr char kAcknowledged = 'k';

void sleep_ms(long ms) noexcept {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Whether the target still runs. A zombie does not: an orphan waits for init to reap it, and
// init may be slow to (or, in some containers, never) do so. `stat_path` is /proc/<pid>/stat
// for a single process, nullptr for a group.
bool target_alive(pid_t target, const char* stat_path) noexcept {
  if (::kill(target, 0) != 0 && errno != EPERM) return false;
  if (stat_path == nullptr) return true;
  const int fd = ::open(stat_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  // "pid (comm) S ...": the state follows the last ')', as comm may hold anything.
  const char* close_paren = nullptr;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] == ')') close_paren = buf + i;
  }
  if (close_paren == nullptr || close_paren + 2 >= buf + n) return true;
  const char state = close_paren[2];
  return state != 'Z' && state != 'X';
}

// The watcher, in the grandchild: async-signal-safe calls only (we forked a threaded process).
[[noreturn]] void watch(int fd, pid_t target, int signal, const char* stat_path,
                        char* const* cleanup) noexcept {
  // Ctrl-C reaches the whole foreground process group; the watcher waits for its parent's
  // verdict instead of dying with it.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT})
    ::sigaction(sig, &ignore, nullptr);
  // Holding copies of the parent's sockets would keep its connections and ports open.
  if (fd > 0) ::close_range(0, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::read(fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1 && byte == kStandDown) {
    [[maybe_unused]] const ssize_t w = ::write(fd, &kAcknowledged, 1);
    ::_exit(0);
  }
  // The parent is gone without standing down: end what it left behind.
  ::kill(target, signal);
  for (int i = 0; i < 200 && target_alive(target, stat_path); ++i) sleep_ms(50);
  if (target_alive(target, stat_path)) ::kill(target, SIGKILL);
  for (int i = 0; i < 100 && target_alive(target, stat_path); ++i) sleep_ms(50);
  if (cleanup != nullptr && cleanup[0] != nullptr) ::execv(cleanup[0], cleanup);
  ::_exit(0);
}

}  // namespace

OrphanGuard::OrphanGuard(pid_t target, int signal, std::vector<std::string> cleanup) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw ProcessError(
        std::string("Cannot make a socket pair for an orphan guard: ") + std::strerror(errno) + ".",
        "socketpair");
  }
  // Everything the watcher needs is made before the fork: after it, no allocation.
  std::vector<char*> argv;
  for (std::string& word : cleanup) argv.push_back(word.data());
  argv.push_back(nullptr);
  const std::string stat_path = "/proc/" + std::to_string(target) + "/stat";
  const pid_t child = ::fork();
  if (child < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw ProcessError(std::string("Cannot fork an orphan guard: ") + std::strerror(error) + ".",
                       "fork");
  }
  if (child == 0) {
    // Fork again and let the middle process exit, so that the watcher is not our descendant:
    // a kill of our process tree (CTest's timeout) must not take the watcher with it.
    ::setsid();
    const pid_t watcher = ::fork();
    if (watcher != 0) ::_exit(watcher < 0 ? 1 : 0);
    ::close(fds[0]);
    watch(fds[1], target, signal, target > 0 ? stat_path.c_str() : nullptr, argv.data());
  }
  ::close(fds[1]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ::close(fds[0]);
    throw ProcessError("Cannot start an orphan guard: its second fork failed.", "fork");
  }
  fd_ = fds[0];
}

OrphanGuard::OrphanGuard(OrphanGuard&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

OrphanGuard& OrphanGuard::operator=(OrphanGuard&& other) noexcept {
  if (this != &other) {
    stand_down();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

OrphanGuard::~OrphanGuard() { stand_down(); }

void OrphanGuard::stand_down() noexcept {
  if (fd_ < 0) return;
  if (::send(fd_, &kStandDown, 1, MSG_NOSIGNAL) == 1) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 2000) > 0) {
      char ack = 0;
      [[maybe_unused]] const ssize_t n = ::recv(fd_, &ack, 1, 0);
    }
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace gauntlet

#include "gauntlet/gtest/interrupt_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace gauntlet {
namespace {

// Process-wide by necessity (see the header): the handler's only state.
std::atomic<int> g_write_fd{-1};
std::atomic<InterruptWatch*> g_current{nullptr};
std::atomic<int> g_signals_seen{0};
struct sigaction g_old_int {};
struct sigaction g_old_term {};

constexpr char kStopByte = 'x';

extern "C" void on_signal(int signo) {
  const int fd = g_write_fd.load();
  if (g_signals_seen.fetch_add(1) >= 1) {
    // Second signal: give the default action back so the next one kills the process.
    std::signal(signo, SIG_DFL);
  }
  if (fd >= 0) {
    const char byte = static_cast<char>(signo);
    [[maybe_unused]] const auto n = ::write(fd, &byte, 1);
  }
}

}  // namespace

InterruptWatch::InterruptWatch() {
  InterruptWatch* expected = nullptr;
  if (!g_current.compare_exchange_strong(expected, this)) {
    throw std::logic_error("only one InterruptWatch may exist at a time");
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    g_current.store(nullptr);
    throw std::system_error(errno, std::generic_category(), "pipe2 for the interrupt watch");
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  g_signals_seen.store(0);
  g_write_fd.store(write_fd_);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
  watcher_ = std::thread([this] { watch(); });
}

InterruptWatch::~InterruptWatch() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_write_fd.store(-1);
  const char stop = kStopByte;
  [[maybe_unused]] const auto n = ::write(write_fd_, &stop, 1);
  watcher_.join();
  ::close(read_fd_);
  ::close(write_fd_);
  g_current.store(nullptr);
}

void InterruptWatch::watch() {
  for (;;) {
    char byte = 0;
    const auto n = ::read(read_fd_, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == kStopByte) return;
    const int signo = static_cast<unsigned char>(byte);
    std::vector<Callback> to_call;
    std::string reason;
    {
      const std::lock_guard lock(mutex_);
      if (!reason_.empty()) continue;  // only the first signal stops the run
      reason_ = std::string("interrupted by ") + (signo == SIGINT ? "SIGINT" : "SIGTERM");
      reason = reason_;
      for (const auto& [handle, fn] : callbacks_) to_call.push_back(fn);
    }
    for (const auto& fn : to_call) fn(reason);
  }
}

std::uint64_t InterruptWatch::subscribe(Callback fn) {
  std::string reason;
  std::uint64_t handle = 0;
  {
    const std::lock_guard lock(mutex_);
    handle = next_handle_++;
    callbacks_.emplace(handle, fn);
    reason = reason_;
  }
  if (!reason.empty()) fn(reason);
  return handle;
}

void InterruptWatch::unsubscribe(std::uint64_t handle) {
  const std::lock_guard lock(mutex_);
  callbacks_.erase(handle);
}

std::string InterruptWatch::reason() const {
  const std::lock_guard lock(mutex_);
  return reason_;
}

InterruptWatch* InterruptWatch::current() noexcept { return g_current.load(); }

}  // namespace gauntlet

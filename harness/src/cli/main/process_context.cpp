#include "process_context.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <stop_token>
#include <thread>

#include "gauntlet/cli/http_command.hpp"

namespace gauntlet {
namespace {

// SIGINT/SIGTERM become a stop request. The signals are blocked in every thread (the engine's
// threads inherit the mask) and taken by one watcher with sigtimedwait, so no handler runs in
// signal context. A second signal kills the process the usual way.
class SignalStop {
 public:
  SignalStop() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    watcher_ = std::thread([this] { watch(); });
  }
  ~SignalStop() {
    done_.store(true);
    watcher_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;

  std::stop_token token() const { return source_.get_token(); }
  std::string reason() const {
    const std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  void watch() {
    const timespec tick{0, 100'000'000};
    bool stopped = false;
    while (!done_.load()) {
      const int signo = sigtimedwait(&set_, nullptr, &tick);
      if (signo <= 0) continue;
      if (stopped) {  // the second Ctrl-C: die as the user expects
        std::signal(signo, SIG_DFL);
        pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
        std::raise(signo);
        continue;
      }
      stopped = true;
      {
        const std::lock_guard lock(mutex_);
        reason_ = signo == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM";
      }
      source_.request_stop();
    }
  }

  sigset_t set_{};
  sigset_t old_{};
  std::stop_source source_;
  std::atomic<bool> done_{false};
  mutable std::mutex mutex_;
  std::string reason_;
  std::thread watcher_;
};

// Each connection is a descriptor: lift the soft limit to the hard one (10,000 connections need
// more than the usual 1024).
void raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int run_http_subcommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  raise_open_files_limit();
  SignalStop signals;
  HttpCommandContext context;
  context.stop = signals.token();
  context.stop_reason = [&signals] { return signals.reason(); };
  context.terminal = isatty(STDERR_FILENO) == 1;  // where the progress line goes
  context.env = process_env();
  return run_http_command(args, out, err, context);
}

}  // namespace gauntlet

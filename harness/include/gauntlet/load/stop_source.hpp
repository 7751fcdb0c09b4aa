#pragma once
// Asks a run to stop early, from outside the executor: a Ctrl-C handler thread, a safety monitor,
// a test. Thread-safe; the first reason given wins. Not async-signal-safe: a signal handler should
// wake a normal thread (self-pipe, sigwait) that calls request_stop("SIGINT").
#include <atomic>
#include <mutex>
#include <string>

namespace gauntlet {

class StopSource {
 public:
  StopSource() = default;
  StopSource(const StopSource&) = delete;
  StopSource& operator=(const StopSource&) = delete;

  // Returns true if this call was the first request (its reason is kept), false otherwise.
  bool request_stop(std::string reason);
  bool stop_requested() const noexcept { return requested_.load(std::memory_order_acquire); }
  // The first reason given; "" while no stop was requested.
  std::string reason() const;

 private:
  std::atomic<bool> requested_{false};
  mutable std::mutex mutex_;
  std::string reason_;
};

}  // namespace gauntlet

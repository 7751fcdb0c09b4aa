#pragma once
// Turns SIGINT/SIGTERM into an orderly stop: the signal handler only writes a byte to a pipe
// (async-signal-safe); a watcher thread reads it and calls the registered callbacks, which ask the
// running executor to stop, so the run still writes its result, marked incomplete. A second
// signal restores the default action, so a third Ctrl-C kills the process as usual.
//
// Signal handlers are process-wide by nature: this is the one place that keeps process-wide
// state (the pipe's write end), and only one InterruptWatch may exist at a time.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace gauntlet {

class InterruptWatch {
 public:
  using Callback = std::function<void(const std::string& reason)>;

  // Installs the SIGINT and SIGTERM handlers. Throws std::logic_error if another InterruptWatch
  // is alive, std::system_error if the pipe cannot be made.
  InterruptWatch();
  // Restores the previous handlers and joins the watcher thread.
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // Calls `fn` with a reason ("interrupted by SIGINT") when a signal arrives; if one already
  // arrived, calls it at once. Returns a handle for unsubscribe().
  std::uint64_t subscribe(Callback fn);
  void unsubscribe(std::uint64_t handle);

  // The reason of the first signal, or "" if none arrived.
  std::string reason() const;
  bool interrupted() const { return !reason().empty(); }

  // The live watch, or nullptr (e.g. in unit tests that do not use gauntlet's main()).
  static InterruptWatch* current() noexcept;

 private:
  void watch();

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::thread watcher_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Callback> callbacks_;
  std::uint64_t next_handle_ = 1;
  std::string reason_;
};

}  // namespace gauntlet

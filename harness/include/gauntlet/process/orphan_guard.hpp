#pragma once
// Keeps what a run started from outliving it. A test binary killed with SIGKILL (a CTest
// timeout, an OOM kill, kill -9) runs no destructor, so the servers it started would keep
// running: a mock in its own process group, or PostgreSQL's postmaster, which pg_ctl detaches
// from us. An OrphanGuard is a small watcher process, detached from our process tree (so a
// tree kill of the test does not take it along), holding one end of a socket pair: when our end
// closes without a stand-down, which happens exactly when this process is gone, it signals the
// target, waits up to 10 s for it to go (then SIGKILL), and runs an optional clean-up command.
//
//   OrphanGuard guard(-pgid, SIGKILL);                       // a whole process group
//   OrphanGuard guard(postmaster, SIGQUIT, {"/bin/rm", "-rf", dir});
//   ...
//   guard.stand_down();  // before stopping the target ourselves (also done by the destructor)
#include <sys/types.h>

#include <string>
#include <vector>

namespace gauntlet {

class OrphanGuard {
 public:
  OrphanGuard() = default;  // guards nothing
  // Starts the watcher. `target` is a pid, or a negative process-group id. `cleanup` is an
  // argv (absolute path first) executed after the target is gone; empty for none. Throws
  // ProcessError when the watcher cannot be started.
  OrphanGuard(pid_t target, int signal, std::vector<std::string> cleanup = {});
  OrphanGuard(OrphanGuard&& other) noexcept;
  OrphanGuard& operator=(OrphanGuard&& other) noexcept;
  OrphanGuard(const OrphanGuard&) = delete;
  OrphanGuard& operator=(const OrphanGuard&) = delete;
  ~OrphanGuard();  // stand_down()

  // Tells the watcher to exit without acting and waits (up to 2 s) until it has acknowledged,
  // so that the target is certainly left alone. Idempotent; never throws.
  void stand_down() noexcept;
  bool active() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;  // our end of the socket pair
};

}  // namespace gauntlet

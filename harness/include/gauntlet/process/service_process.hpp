#pragma once
// One supervised child process (a mock service, a helper binary): started with arguments and
// environment, stdout/stderr appended to a log file, health-checked over HTTP, stopped with
// SIGTERM then SIGKILL after a grace period, paused and resumed, restarted.
//
// Each child leads its own process group, so signals reach everything it spawned. The
// destructor always stops and reaps it and sweeps its group: a test never leaves a process
// behind, even when it fails or throws. If this process dies without a destructor (SIGKILL),
// an OrphanGuard kills the child's group. Not thread-safe: one owner drives it.
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "gauntlet/process/exit_status.hpp"
#include "gauntlet/process/log_tail.hpp"
#include "gauntlet/process/process_error.hpp"
#include "gauntlet/process/service_options.hpp"

namespace gauntlet {

class ServiceProcess {
 public:
  // Validates the options (ConfigError listing every problem); starts nothing.
  explicit ServiceProcess(ServiceOptions options);
  ServiceProcess(ServiceProcess&& other) noexcept;
  ServiceProcess& operator=(ServiceProcess&& other) noexcept;  // stops this child first
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;
  ~ServiceProcess();  // stop(); never throws

  // Starts the child. Throws ProcessError when it is already running, the log cannot be opened
  // or the executable cannot be run.
  void start();
  // Polls GET health until it answers 2xx. Throws ProcessError, with the log's tail, when the
  // child exits first or health_timeout passes. Returns at once without a health endpoint.
  void wait_healthy();
  // SIGTERM (and SIGCONT, so a paused child can act on it), SIGKILL after grace_period, reap,
  // then SIGKILL whatever is left of the group. Returns how the child ended; nullopt if it was
  // never started. Never throws.
  std::optional<ExitStatus> stop() noexcept;
  // Sends `signal` to the child's process group. Throws ProcessError when it is not running.
  void kill(int signal);
  void pause() { kill(SIGSTOP); }   // SIGSTOP to the group
  void resume() { kill(SIGCONT); }  // SIGCONT to the group
  // stop(), start(), then wait_healthy(). The pid changes; the log is appended to.
  void restart();
  // Waits up to `timeout` for the child to exit by itself and reaps it; nullopt if it is still
  // running (or was never started).
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);

  // True while the child has not exited; reaps it (and sweeps its group) once it has.
  bool running();
  // The current or last child's pid; 0 before the first start.
  pid_t pid() const noexcept { return pid_; }
  // How the last child ended; nullopt while it runs or before the first start.
  const std::optional<ExitStatus>& exit_status() const noexcept { return exit_status_; }
  // The exit code when the last child called exit(); nullopt otherwise.
  std::optional<int> exit_code() const noexcept {
    return exit_status_ ? exit_status_->code : std::nullopt;
  }
  // The executable and arguments, shell-quoted, for messages.
  std::string command_line() const;
  std::string log_tail(std::size_t max_lines = kLogTailLines) const {
    return read_log_tail(options_.log_path, max_lines);
  }
  const ServiceOptions& options() const noexcept { return options_; }

 private:
  struct Child;

  int open_log() const;
  void signal_group(int signal) const noexcept;
  bool exited_unreaped() const noexcept;
  bool wait_exited(std::chrono::milliseconds timeout) const noexcept;
  void reap_and_sweep() noexcept;
  std::string who() const { return "service '" + options_.display_name() + "'"; }

  ServiceOptions options_;
  std::unique_ptr<Child> child_;  // null before the first start
  pid_t pid_ = 0;
  std::optional<ExitStatus> exit_status_;
};

}  // namespace gauntlet

#pragma once
// The exception for a child process that could not be started, did not become healthy, or
// ended badly. It carries what a reader needs to act without re-running: the command line, how
// the process ended (if it did) and the last lines of its log. Header-only so that gauntlet::pg
// can throw it for initdb/pg_ctl without linking Boost.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "gauntlet/process/exit_status.hpp"

namespace gauntlet {

class ProcessError : public std::runtime_error {
 public:
  // `summary` is one full sentence ("service 'gateway' exited before answering GET /health.").
  ProcessError(const std::string& summary, std::string command_line,
               std::optional<ExitStatus> exit_status = std::nullopt, std::string log_tail = {})
      : std::runtime_error(compose(summary, command_line, exit_status, log_tail)),
        command_line_(std::move(command_line)),
        exit_status_(exit_status),
        log_tail_(std::move(log_tail)) {}

  const std::string& command_line() const noexcept { return command_line_; }
  const std::optional<ExitStatus>& exit_status() const noexcept { return exit_status_; }
  // The exit code when the process called exit(); nullopt when it is running or was signaled.
  std::optional<int> exit_code() const noexcept {
    return exit_status_ ? exit_status_->code : std::nullopt;
  }
  const std::string& log_tail() const noexcept { return log_tail_; }

 private:
  static std::string compose(const std::string& summary, const std::string& command_line,
                             const std::optional<ExitStatus>& exit_status,
                             const std::string& log_tail) {
    std::string out = summary;
    if (!command_line.empty()) out += "\n  command: " + command_line;
    if (exit_status) out += "\n  ended with: " + exit_status->describe();
    if (!log_tail.empty()) out += "\n  last lines of its log:\n" + log_tail;
    return out;
  }

  std::string command_line_;
  std::optional<ExitStatus> exit_status_;
  std::string log_tail_;
};

}  // namespace gauntlet

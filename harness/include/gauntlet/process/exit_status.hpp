#pragma once
// How a child process ended, decoded from a wait status. Header-only so that gauntlet::pg can
// report the exit of initdb/pg_ctl without linking Boost.
#include <sys/wait.h>

#include <cstring>
#include <optional>
#include <string>

namespace gauntlet {

struct ExitStatus {
  std::optional<int> code;    // set when the process called exit()
  std::optional<int> signal;  // set when a signal ended it

  // Decodes a status from waitpid(2); a status that is neither "exited" nor "signaled" (the
  // child was reaped by someone else) leaves both fields empty.
  static ExitStatus from_wait_status(int status) noexcept {
    ExitStatus out;
    if (WIFEXITED(status)) out.code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
    return out;
  }

  bool success() const noexcept { return code.has_value() && *code == 0; }

  // "exit code 3", "killed by signal 9 (SIGKILL)" or "unknown exit status".
  std::string describe() const {
    if (code) return "exit code " + std::to_string(*code);
    if (signal) {
      const char* abbrev = ::sigabbrev_np(*signal);
      return "killed by signal " + std::to_string(*signal) +
             (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
    }
    return "unknown exit status";
  }
};

}  // namespace gauntlet

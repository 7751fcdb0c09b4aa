#pragma once
// Internal to gauntlet::pg: runs the PostgreSQL tools (initdb, pg_ctl) to completion with a
// plain fork/exec, so that gauntlet::pg does not need Boost.Process.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/process/exit_status.hpp"

namespace gauntlet::pg_detail {

struct Command {
  std::vector<std::string> argv;  // argv[0] is a path; no PATH search
  std::filesystem::path output;   // stdout and stderr are appended here
  std::filesystem::path cwd;      // the child's working directory
  std::chrono::milliseconds timeout{60'000};
};

// Runs the command to completion and returns how it ended. Throws ProcessError (with the tail
// of the output file) when it cannot be started or runs past its timeout; it is then killed with
// its process group.
ExitStatus run_command(const Command& command);

// How to run a program as the unprivileged `postgres` user when we are root (initdb and
// postgres refuse to run as root): a setpriv or runuser prefix, and the ids to chown to.
struct RunAsUser {
  std::vector<std::string> prefix;  // e.g. setpriv --reuid=postgres ... --
  uid_t uid = 0;
  gid_t gid = 0;
};

// nullopt when we are not root. Throws ProcessError when we are root and there is no
// `postgres` user, or neither setpriv nor runuser is installed.
std::optional<RunAsUser> run_as_for_root();

// True while `pid` exists and is not a zombie.
bool process_alive(pid_t pid);

// The live processes whose parent is `pid`, from /proc (empty without /proc).
std::vector<pid_t> children_of(pid_t pid);

}  // namespace gauntlet::pg_detail

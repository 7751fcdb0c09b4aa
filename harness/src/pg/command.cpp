#include "command.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "gauntlet/pg/pg_binaries.hpp"
#include "gauntlet/process/log_tail.hpp"
#include "gauntlet/process/process_error.hpp"
#include "gauntlet/process/shell_quote.hpp"

namespace gauntlet::pg_detail {
namespace {

using Steady = std::chrono::steady_clock;

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const Command& command, int out_fd, char* const* argv,
                             const std::string& exec_failed) {
  ::setpgid(0, 0);
  if (::chdir(command.cwd.c_str()) != 0) {
    // Best effort: the tools only need a readable cwd to avoid warnings.
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  // Our sockets (pqxx connections, listeners) must not leak into a long-lived postmaster.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execv(argv[0], argv);
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
  ::_exit(127);
}

int open_output(const Command& command) {
  const int fd = ::open(command.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw ProcessError("Cannot open " + command.output.string() + ": " + std::strerror(errno) + ".",
                       shell_command_line(command.argv));
  }
  const std::string banner = "$ " + shell_command_line(command.argv) + "\n";
  [[maybe_unused]] const auto n = ::write(fd, banner.data(), banner.size());
  return fd;
}

// Polls for the exit until the deadline; the raw wait status, or nullopt on timeout.
std::optional<int> wait_until(pid_t pid, Steady::time_point deadline) {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more: treat as exit 0
    if (Steady::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace

ExitStatus run_command(const Command& command) {
  std::vector<std::string> words = command.argv;
  std::vector<char*> argv;  // built before fork: the child may only make async-signal-safe calls
  argv.reserve(words.size() + 1);
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const std::string exec_failed = "gauntlet: cannot execute " + command.argv.at(0) + "\n";
  const int out_fd = open_output(command);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(command, out_fd, argv.data(), exec_failed);
  const int fork_errno = errno;
  ::close(out_fd);
  if (pid < 0) {
    throw ProcessError(std::string("fork failed: ") + std::strerror(fork_errno) + ".",
                       shell_command_line(command.argv));
  }
  const auto status = wait_until(pid, Steady::now() + command.timeout);
  if (status) return ExitStatus::from_wait_status(*status);
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int ignored = 0;
  ::waitpid(pid, &ignored, 0);
  throw ProcessError("The command did not finish within " +
                         std::to_string(command.timeout.count()) + "ms and was killed.",
                     shell_command_line(command.argv), std::nullopt, read_log_tail(command.output));
}

std::optional<RunAsUser> run_as_for_root() {
  if (::geteuid() != 0) return std::nullopt;
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    throw ProcessError(std::string("PostgreSQL refuses to run as root, and there is no "
                                   "'postgres' user to run it as. Install the Debian package ") +
                           kPostgresPackage +
                           " (it creates the user), run as a non-root user, "
                           "or set GAUNTLET_DATABASE_URL to use an existing server.",
                       "initdb");
  }
  RunAsUser user{{}, entry.pw_uid, entry.pw_gid};
  for (const char* setpriv : {"/usr/bin/setpriv", "/bin/setpriv"}) {
    if (::access(setpriv, X_OK) == 0) {
      user.prefix = {setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
      return user;
    }
  }
  for (const char* runuser : {"/usr/sbin/runuser", "/sbin/runuser"}) {
    if (::access(runuser, X_OK) == 0) {
      user.prefix = {runuser, "-u", "postgres", "--"};
      return user;
    }
  }
  throw ProcessError(
      "Running as root, the PostgreSQL programs must run as 'postgres', but "
      "neither setpriv nor runuser (package util-linux) is installed.",
      "initdb");
}

namespace {

// The state letter and parent pid from /proc/<pid>/stat; state '?' when unreadable.
std::pair<char, pid_t> proc_state(const std::filesystem::path& stat_path) {
  std::ifstream in(stat_path);
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');  // the command name may contain spaces and parentheses
  if (close == std::string::npos || close + 2 >= stat.size()) return {'?', 0};
  std::istringstream rest(stat.substr(close + 2));
  char state = '?';
  long ppid = 0;
  rest >> state >> ppid;
  return {state, static_cast<pid_t>(ppid)};
}

}  // namespace

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto [state, ppid] = proc_state(entry.path() / "stat");
    if (ppid == pid && state != 'Z' && state != 'X') children.push_back(std::stoi(name));
  }
  return children;
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  const char state = proc_state("/proc/" + std::to_string(pid) + "/stat").first;
  return state != 'Z' && state != 'X';  // '?' (no /proc): trust kill(2)
}

}  // namespace gauntlet::pg_detail

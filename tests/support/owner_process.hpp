#pragma once
// For tests of what is left when a process dies without running a destructor (SIGKILL, as a
// CTest timeout sends): the owner to kill is this test binary, re-executed to run one test with
// an environment variable set that makes that test play the owner's part.
//
//   if (std::getenv("GAUNTLET_X_OWNER")) be_the_owner();   // prints "started <pid>", waits
//   OwnerProcess owner("Suite.ThisTest", "GAUNTLET_X_OWNER", "1");
//   const std::string line = owner.read_line_starting("started ");
//   owner.kill_hard();
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace gauntlet::testing {

class OwnerProcess {
 public:
  OwnerProcess(const std::string& test_name, const char* env_name, const std::string& env_value) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    const std::string filter = "--gtest_filter=" + test_name;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::setenv(env_name, env_value.c_str(), 1);
      ::execl("/proc/self/exe", "owner", filter.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    if (pid_ < 0) {
      ::close(fds[0]);
      return;
    }
    out_ = ::fdopen(fds[0], "r");
  }
  OwnerProcess(const OwnerProcess&) = delete;
  OwnerProcess& operator=(const OwnerProcess&) = delete;
  ~OwnerProcess() {
    kill_hard();
    if (out_ != nullptr) std::fclose(out_);
  }

  // The first line the owner prints that starts with `prefix`, without its newline; "" when the
  // owner ended first.
  std::string read_line_starting(std::string_view prefix) {
    char line[1024];
    while (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
      std::string text(line);
      if (!text.empty() && text.back() == '\n') text.pop_back();
      if (text.starts_with(prefix)) return text;
    }
    return "";
  }

  // SIGKILL, and reap.
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

}  // namespace gauntlet::testing

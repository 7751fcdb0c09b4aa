#include "gauntlet/process/orphan_guard.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/owner_process.hpp"

extern char** environ;

namespace gauntlet {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

pid_t spawn_sleep() {
  pid_t pid = 0;
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "60";
  char* argv[] = {sleep_path, seconds, nullptr};
  if (posix_spawn(&pid, sleep_path, nullptr, nullptr, argv, environ) != 0) return 0;
  return pid;
}

// Running, and not a zombie waiting to be reaped.
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ||
         (text[paren + 2] != 'Z' && text[paren + 2] != 'X');
}

// A bounded wait for something another process does: not a timing assertion.
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(OrphanGuard, StandingDownLeavesTheTargetRunning) {
  const pid_t target = spawn_sleep();
  ASSERT_GT(target, 0);
  OrphanGuard guard(target, SIGKILL);
  EXPECT_TRUE(guard.active());
  guard.stand_down();  // returns once the watcher has acknowledged: it will not act
  EXPECT_FALSE(guard.active());
  EXPECT_TRUE(alive(target));
  ::kill(target, SIGKILL);
  ::waitpid(target, nullptr, 0);
}

// The owner's part, run by this binary re-executed with GAUNTLET_ORPHAN_GUARD_DIR set: start a
// target under a guard, report its pid, and wait to be killed.
[[noreturn]] void hold_guarded_target(const char* dir) {
  const pid_t target = spawn_sleep();
  const OrphanGuard guard(target, SIGTERM, {"/bin/rm", "-rf", dir});
  std::printf("guarded target %ld\n", static_cast<long>(target));
  std::fflush(stdout);
  for (;;) ::pause();
}

// The owner runs in a child process (this binary, re-executed). Killing it with SIGKILL, as a
// CTest timeout does, must take its target down and run the clean-up.
TEST(OrphanGuard, AnOwnerKilledWithSigkillTakesItsTargetAlongAndCleansUp) {
  if (const char* owner_dir = std::getenv("GAUNTLET_ORPHAN_GUARD_DIR")) {
    hold_guarded_target(owner_dir);
  }
  const fs::path dir = fs::temp_directory_path() / ("gauntlet-guard-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  testing::OwnerProcess owner("OrphanGuard.AnOwnerKilledWithSigkillTakesItsTargetAlongAndCleansUp",
                              "GAUNTLET_ORPHAN_GUARD_DIR", dir.string());
  long target = 0;
  const std::string line = owner.read_line_starting("guarded target ");
  ASSERT_EQ(std::sscanf(line.c_str(), "guarded target %ld", &target), 1)
      << "the owner did not report its target";
  ASSERT_TRUE(alive(static_cast<pid_t>(target)));
  owner.kill_hard();
  EXPECT_TRUE(eventually([&] { return !alive(static_cast<pid_t>(target)); }));
  EXPECT_TRUE(eventually([&] { return !fs::exists(dir); }));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace gauntlet

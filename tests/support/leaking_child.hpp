#pragma once
// A child process that grows its RSS at a known rate, for the monitor's self-test: it maps and
// touches `chunk_kb` every `every`, until killed. Forked, so it uses only system calls after the
// fork (no malloc: another thread of the parent may have held its lock). RAII: the destructor
// kills and reaps it. Its thread count is kChildThreads: one, plus TSan's background thread,
// which the TSan runtime starts again in a forked child.
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

namespace gauntlet::testing {

#if defined(__SANITIZE_THREAD__)
inline constexpr int kChildThreads = 2;
#else
inline constexpr int kChildThreads = 1;
#endif

class LeakingChild {
 public:
  // mb_per_min 0: a child that only sleeps (no leak).
  explicit LeakingChild(double mb_per_min,
                        std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
    const auto chunk = static_cast<std::size_t>(mb_per_min * 1024 * 1024 / 60.0 *
                                                std::chrono::duration<double>(every).count());
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) run(chunk, every);
  }
  ~LeakingChild() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  LeakingChild(const LeakingChild&) = delete;
  LeakingChild& operator=(const LeakingChild&) = delete;

  pid_t pid() const noexcept { return pid_; }

 private:
  [[noreturn]] static void run(std::size_t chunk, std::chrono::milliseconds every) {
    const timespec pause{0, static_cast<long>(every.count()) * 1'000'000L};
    for (;;) {
      if (chunk > 0) {
        // The kernel makes the pages resident (MAP_POPULATE write-faults a private writable
        // mapping), and the raw system call passes no sanitizer interceptor: under TSan a
        // memset would also fill shadow memory and grow RSS about five times the known rate.
        ::syscall(SYS_mmap, nullptr, chunk, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      }
      ::nanosleep(&pause, nullptr);
    }
  }

  pid_t pid_ = -1;
};

}  // namespace gauntlet::testing

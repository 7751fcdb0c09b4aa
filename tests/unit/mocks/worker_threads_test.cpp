// WorkerThreads, the thread lifecycle SafeExecutor, RenderWorkerPool and WebhookForwarder share.
// The waits use an hour-long timeout: a wait that does not end on stop() or wake() hangs the
// test (and CTest's timeout fails it) instead of passing by timing out.
#include "gauntlet/mocks/worker_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

namespace gauntlet::mocks {
namespace {

constexpr std::chrono::hours kForever{1};

TEST(WorkerThreads, StartRunsTheBodyOncePerIndex) {
  std::mutex mutex;
  std::multiset<int> seen;
  WorkerThreads threads;
  threads.start(3, [&](int index) {
    std::lock_guard lock(mutex);
    seen.insert(index);
  });
  threads.stop();
  EXPECT_EQ(seen, (std::multiset<int>{0, 1, 2}));
}

TEST(WorkerThreads, StopEndsEveryWaitAndTheyReportStopping) {
  std::atomic<int> ended{0};
  WorkerThreads threads;
  threads.start(3, [&](int index) {
    const bool more = index == 0 ? threads.idle_wait(kForever)
                      : index == 1
                          ? threads.sleep_for(kForever)
                          : threads.sleep_until(std::chrono::steady_clock::now() + kForever);
    if (!more) ++ended;
  });
  threads.stop();
  EXPECT_EQ(ended.load(), 3);
  EXPECT_TRUE(threads.stopping());
}

TEST(WorkerThreads, WakeEndsAnIdleWaitWithoutStopping) {
  std::atomic<bool> woke{false};
  WorkerThreads threads;
  threads.start(1, [&](int) { woke = threads.idle_wait(kForever); });
  // A wake before the thread waits is not seen by idle_wait: wake until it is.
  while (!woke.load()) {
    threads.wake();
    std::this_thread::yield();
  }
  EXPECT_FALSE(threads.stopping());
  threads.stop();
}

TEST(WorkerThreads, WaitForWakeReturnsAtOnceForAWakeMadeWhileBusy) {
  WorkerThreads threads;
  std::uint64_t seen = 0;
  threads.wake();  // arrives while the caller is "busy", before it waits
  EXPECT_TRUE(threads.wait_for_wake(kForever, seen));
  EXPECT_EQ(seen, 1U);
  EXPECT_TRUE(threads.wait_for_wake(std::chrono::nanoseconds(0), seen));  // nothing new
  EXPECT_EQ(seen, 1U);
  threads.stop();
  EXPECT_FALSE(threads.wait_for_wake(kForever, seen));
}

TEST(WorkerThreads, StartAfterStopStartsNothing) {
  std::atomic<int> runs{0};
  WorkerThreads threads;
  threads.stop();
  threads.start(2, [&](int) { ++runs; });
  threads.stop();
  EXPECT_EQ(runs.load(), 0);
}

}  // namespace
}  // namespace gauntlet::mocks

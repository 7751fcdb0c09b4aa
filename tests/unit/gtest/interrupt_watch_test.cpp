#include "gauntlet/gtest/interrupt_watch.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <csignal>
#include <mutex>

namespace gauntlet {
namespace {

TEST(InterruptWatch, ASignalReachesEverySubscriberOnceWithItsReason) {
  InterruptWatch watch;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> reasons;
  for (int i = 0; i < 2; ++i) {
    watch.subscribe([&](const std::string& reason) {
      const std::lock_guard lock(mutex);
      reasons.push_back(reason);
      cv.notify_all();
    });
  }
  ASSERT_EQ(std::raise(SIGINT), 0);
  std::unique_lock lock(mutex);
  // Bounded wait for the watcher thread; the assertion is on what arrived, not on when.
  cv.wait_for(lock, std::chrono::seconds(10), [&] { return reasons.size() == 2; });
  ASSERT_EQ(reasons.size(), 2U);
  EXPECT_EQ(reasons[0], "interrupted by SIGINT");
  EXPECT_EQ(reasons[1], "interrupted by SIGINT");
  EXPECT_TRUE(watch.interrupted());
}

TEST(InterruptWatch, ALateSubscriberIsCalledAtOnceAndOnlyOneWatchMayExist) {
  InterruptWatch watch;
  EXPECT_EQ(InterruptWatch::current(), &watch);
  EXPECT_THROW(InterruptWatch second, std::logic_error);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  for (int i = 0; i < 1000 && !watch.interrupted(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string seen;
  watch.subscribe([&](const std::string& reason) { seen = reason; });
  EXPECT_EQ(seen, "interrupted by SIGTERM");
}

TEST(InterruptWatch, RestoresThePreviousHandlersWhenDestroyed) {
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  { InterruptWatch watch; }
  struct sigaction after {};
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
  EXPECT_EQ(InterruptWatch::current(), nullptr);
}

}  // namespace
}  // namespace gauntlet

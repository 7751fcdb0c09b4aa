#include "gauntlet/load/fake_clock.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "gauntlet/load/stop_source.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, WithoutParticipantsASleeperMovesTimeAtOnce) {
  FakeClock clock;
  const Clock::time_point t0 = clock.now();
  clock.sleep_until(t0 + 5s);
  EXPECT_EQ(clock.now(), t0 + 5s);
  clock.sleep_until(t0 + 1s);  // already past: returns at once
  EXPECT_EQ(clock.now(), t0 + 5s);
}

TEST(FakeClock, AdvanceMovesTimeByHand) {
  FakeClock clock;
  const Clock::time_point t0 = clock.now();
  clock.advance(250ms);
  clock.advance(-1s);  // ignored
  EXPECT_EQ(clock.now(), t0 + 250ms);
}

TEST(FakeClock, TimeWaitsForEveryParticipantToSleep) {
  FakeClock clock;
  const Clock::time_point t0 = clock.now();
  clock.add_participant();  // this test thread
  clock.add_participant();  // the worker below
  std::vector<Clock::time_point> woke;
  std::thread worker([&] {
    clock.sleep_until(t0 + 3s);
    woke.push_back(clock.now());
    clock.sleep_until(t0 + 7s);
    woke.push_back(clock.now());
    clock.remove_participant();
  });
  // The worker sleeps but this thread still runs: time must not move.
  while (clock.sleepers() == 0) std::this_thread::yield();
  EXPECT_EQ(clock.now(), t0);
  clock.sleep_until(t0 + 5s);  // now both sleep: 3s wakes the worker, then 5s wakes us
  EXPECT_EQ(clock.now(), t0 + 5s);
  clock.remove_participant();
  worker.join();
  ASSERT_EQ(woke.size(), 2u);
  EXPECT_EQ(woke[0], t0 + 3s);
  EXPECT_EQ(woke[1], t0 + 7s);
}

TEST(FakeClock, ManyThreadsWakeInTimeOrder) {
  FakeClock clock;
  const Clock::time_point t0 = clock.now();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<Clock::time_point> seen(kThreads);
  for (int i = 0; i < kThreads; ++i) clock.add_participant();
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int step = 1; step <= 10; ++step) clock.sleep_until(t0 + (i + 1) * step * 1ms);
      seen[static_cast<std::size_t>(i)] = clock.now();
      clock.remove_participant();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(seen[static_cast<std::size_t>(i)], t0 + (i + 1) * 10ms) << "thread " << i;
  }
  EXPECT_EQ(clock.now(), t0 + kThreads * 10ms);
}

TEST(StopSource, FirstReasonWins) {
  StopSource stop;
  EXPECT_FALSE(stop.stop_requested());
  EXPECT_EQ(stop.reason(), "");
  EXPECT_TRUE(stop.request_stop("SIGINT"));
  EXPECT_FALSE(stop.request_stop("safety monitor: RSS above 2 GiB"));
  EXPECT_TRUE(stop.stop_requested());
  EXPECT_EQ(stop.reason(), "SIGINT");
}

TEST(StopSource, IsSafeToTriggerFromManyThreads) {
  StopSource stop;
  std::vector<std::thread> threads;
  std::atomic<int> winners{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { winners += stop.request_stop("thread " + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(stop.reason().rfind("thread ", 0), 0u);
}

}  // namespace
}  // namespace gauntlet

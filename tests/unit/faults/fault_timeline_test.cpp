#include "gauntlet/faults/fault_timeline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

TEST(FaultTimeline, RunsEachActionAtItsTimeAndRecordsTheOutcome) {
  std::atomic<int> killed{0};
  std::atomic<bool> stopped{false};
  std::vector<TimedAction> actions;
  actions.push_back({"kill worker",
                     50ms,
                     std::nullopt,
                     [&] {
                       ++killed;
                       return std::string("pid 42 killed");
                     },
                     {}});
  actions.push_back({"stop core", 100ms, 200ms,
                     [&] {
                       stopped = true;
                       return std::string();
                     },
                     [&] {
                       stopped = false;
                       return std::string("resumed");
                     }});
  actions.push_back({"break",
                     20ms,
                     std::nullopt,
                     []() -> std::string { throw std::runtime_error("no such service"); },
                     {}});
  FaultTimeline timeline(std::move(actions));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(killed.load(), 1);
  EXPECT_TRUE(stopped.load());
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(stopped.load());
  const auto entries = timeline.finish();
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[0].action, "kill worker");
  EXPECT_NEAR(entries[0].at_s, 0.05, 0.03);
  EXPECT_FALSE(entries[0].until_s);
  EXPECT_EQ(entries[0].outcome, "ok: pid 42 killed");
  EXPECT_NEAR(entries[1].at_s, 0.1, 0.03);
  ASSERT_TRUE(entries[1].until_s);
  EXPECT_NEAR(*entries[1].until_s, 0.2, 0.03);
  EXPECT_EQ(entries[1].outcome, "ok; end ok: resumed");
  EXPECT_EQ(entries[2].outcome, "failed: no such service");
}

TEST(FaultTimeline, EndsAFaultStillInForceAndReportsActionsNeverReached) {
  std::atomic<bool> stopped{false};
  std::vector<TimedAction> actions;
  actions.push_back({"stop core", 10ms, 10s,
                     [&] {
                       stopped = true;
                       return std::string();
                     },
                     [&] {
                       stopped = false;
                       return std::string();
                     }});
  actions.push_back({"late", 10s, std::nullopt, [] { return std::string(); }, {}});
  FaultTimeline timeline(std::move(actions));
  std::this_thread::sleep_for(60ms);
  ASSERT_TRUE(stopped.load());
  const auto entries = timeline.finish();
  EXPECT_FALSE(stopped.load());  // never outlives the run
  EXPECT_EQ(entries[0].outcome, "ok; end ok (the run ended first)");
  ASSERT_TRUE(entries[0].until_s);
  EXPECT_LT(*entries[0].until_s, 1.0);
  EXPECT_EQ(entries[1].outcome.rfind("not run: the run ended at ", 0), 0U) << entries[1].outcome;
}

TEST(FaultTimeline, RefusesActionsOutsideTheRunNamingFieldValueAndLimit) {
  const auto noop = [] { return std::string(); };
  const std::vector<TimedAction> actions{
      {"kill video-agent", 40s, std::nullopt, noop, {}},
      {"stop titan-core", 10s, 5s, noop, noop},
      {"stop db", 10s, 35s, noop, {}},
      {"early", -1s, std::nullopt, {}, {}},
  };
  const auto problems = validate_timeline(actions, 30s);
  ASSERT_EQ(problems.size(), 6U);
  EXPECT_EQ(problems[0], "timeline[0] (kill video-agent).at is 40s, after the run's end at 30s");
  EXPECT_EQ(problems[1],
            "timeline[1] (stop titan-core).until must be after its at (10s), but is 5s");
  EXPECT_EQ(problems[2], "timeline[2] (stop db).until is 35s, after the run's end at 30s");
  EXPECT_EQ(problems[3], "timeline[2] (stop db).end has no action to run (it has an until)");
  EXPECT_EQ(problems[4], "timeline[3] (early).at must be >= 0s, but is -1s");
  EXPECT_EQ(problems[5], "timeline[3] (early).start has no action to run");
  EXPECT_TRUE(validate_timeline(std::vector<TimedAction>{{"ok", 1s, 2s, noop, noop}}, 30s).empty());
}

}  // namespace
}  // namespace gauntlet

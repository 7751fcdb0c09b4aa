#include "gauntlet/load/closed_model.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> problems_of(const ClosedModel& model) {
  Problems problems;
  model.validate(problems);
  return problems.list();
}

ClosedModel staged(std::int64_t start, std::vector<Stage> stages) {
  ClosedModel m;
  m.vus = start;
  m.stages = std::move(stages);
  return m;
}

TEST(ClosedModelValidation, AcceptsEachKindOfBound) {
  EXPECT_THAT(problems_of({.vus = 10, .iterations = 100}), IsEmpty());
  EXPECT_THAT(problems_of({.vus = 10, .iterations_per_vu = 5}), IsEmpty());
  EXPECT_THAT(problems_of({.vus = 10, .duration = 1min}), IsEmpty());
  EXPECT_THAT(problems_of(staged(0, {{10s, 5}, {10s, 0}})), IsEmpty());
}

TEST(ClosedModelValidation, NeedsABound) {
  EXPECT_THAT(problems_of({.vus = 1}),
              ElementsAre("closed model must be bounded by closed.iterations, "
                          "closed.iterations_per_vu, closed.duration or closed.stages, got none of "
                          "them"));
}

TEST(ClosedModelValidation, RejectsZeroNegativeAndHugeCounts) {
  EXPECT_THAT(
      problems_of({.vus = 0, .iterations = 0}),
      ElementsAre("closed.vus must be >= 1, got 0", "closed.iterations must be >= 1, got 0"));
  EXPECT_THAT(problems_of({.vus = 200'000, .iterations_per_vu = -3}),
              ElementsAre("closed.vus must be <= 100000 (kMaxVus), got 200000",
                          "closed.iterations_per_vu must be >= 1, got -3"));
  EXPECT_THAT(problems_of({.vus = 1, .iterations = 2'000'000'000}),
              ElementsAre("closed.iterations must be <= 1000000000 (kMaxIterations), got "
                          "2000000000"));
}

TEST(ClosedModelValidation, RejectsExclusiveBoundsTogether) {
  EXPECT_THAT(problems_of({.vus = 1, .iterations = 10, .iterations_per_vu = 2}),
              ElementsAre("closed.iterations and closed.iterations_per_vu are mutually exclusive, "
                          "got 10 and 2"));
  ClosedModel both = staged(1, {{1s, 2}});
  both.duration = 5s;
  EXPECT_THAT(problems_of(both),
              ElementsAre("closed.duration and closed.stages are mutually exclusive (the stages "
                          "set the duration), got 5s and 1 stages"));
}

TEST(ClosedModelValidation, ChecksDurationsAndThinkTime) {
  EXPECT_THAT(problems_of({.vus = 1, .duration = 0s, .think_time = -1ms}),
              ElementsAre("closed.duration must be > 0s, got 0s",
                          "closed.think_time must be >= 0s, got -1ms"));
  EXPECT_THAT(problems_of({.vus = 1, .duration = 48h, .think_time = 2h}),
              ElementsAre("closed.duration must be <= 24h (kMaxDuration), got 48h",
                          "closed.think_time must be <= 1h (kMaxThinkTime), got 2h"));
}

TEST(ClosedModelValidation, NamesTheFaultyStage) {
  EXPECT_THAT(problems_of(staged(0, {{1s, 1}, {0s, -1}})),
              ElementsAre("closed.stages[1].duration must be > 0s, got 0s",
                          "closed.stages[1].target_vus must be >= 0, got -1"));
  EXPECT_THAT(problems_of(staged(0, {{1s, 0}, {1s, 0}})),
              ElementsAre("closed.stages must make at least 1 virtual user active, got closed.vus "
                          "0 and every target_vus 0"));
  EXPECT_THAT(problems_of(staged(1, {{20h, 1}, {5h, 1}})),
              ElementsAre("closed.stages must last <= 24h (kMaxDuration) in total, got 25h"));
}

TEST(ClosedModel, StagesInterpolateTheActiveUsersRoundingDown) {
  const ClosedModel m = staged(0, {{10s, 10}, {5s, 10}, {10s, 0}});
  EXPECT_EQ(m.max_vus(), 10);
  EXPECT_EQ(m.nominal_duration(), 25s);
  EXPECT_EQ(m.target_vus_at(0s), 0);
  EXPECT_EQ(m.target_vus_at(999ms), 0);
  EXPECT_EQ(m.target_vus_at(1s), 1);
  EXPECT_EQ(m.target_vus_at(5s), 5);
  EXPECT_EQ(m.target_vus_at(12s), 10);
  EXPECT_EQ(m.target_vus_at(16s), 9);  // ramping down: 10 - 1 after 1s, rounded down
  EXPECT_EQ(m.target_vus_at(25s), 0);
}

TEST(ClosedModel, NextTimeAboveFindsWhenAParkedUserWakes) {
  const ClosedModel m = staged(0, {{10s, 10}, {5s, 10}, {10s, 0}, {5s, 3}});
  EXPECT_EQ(m.next_time_above(0, 0s), 1s);  // user 0 joins at 1s
  EXPECT_EQ(m.next_time_above(4, 0s), 5s);
  EXPECT_EQ(m.next_time_above(4, 7s), 7s);  // already active
  EXPECT_EQ(m.next_time_above(9, 0s), 10s);
  // After the ramp down, user 1 comes back during the last stage: 0 -> 3 over 5s.
  EXPECT_EQ(m.next_time_above(1, 25s), 25s + 3333333334ns);
  EXPECT_EQ(m.next_time_above(3, 0s), 4s);
  EXPECT_EQ(m.next_time_above(3, 20s), 20s);           // still 5 active
  EXPECT_EQ(m.next_time_above(3, 23s), std::nullopt);  // never more than 3 again
}

TEST(ClosedModel, WithoutStagesEveryUserIsActive) {
  const ClosedModel m{.vus = 4, .iterations = 10};
  EXPECT_EQ(m.target_vus_at(1h), 4);
  EXPECT_EQ(m.next_time_above(3, 5s), 5s);
  EXPECT_EQ(m.next_time_above(4, 5s), std::nullopt);
  EXPECT_EQ(m.nominal_duration(), std::nullopt);
}

TEST(ClosedModel, JsonAndDescription) {
  const ClosedModel m{.vus = 10, .iterations = 1000, .think_time = 100ms};
  const nlohmann::json j = m.to_json();
  EXPECT_EQ(j.at("vus"), 10);
  EXPECT_EQ(j.at("iterations"), 1000);
  EXPECT_TRUE(j.at("duration_s").is_null());
  EXPECT_DOUBLE_EQ(j.at("think_time_s").get<double>(), 0.1);
  EXPECT_EQ(m.describe(), "10 VUs, 1000 iterations shared, think time 100ms");
  EXPECT_EQ(staged(0, {{10s, 5}}).describe(), "VUs from 0, to 5 over 10s");
}

}  // namespace
}  // namespace gauntlet

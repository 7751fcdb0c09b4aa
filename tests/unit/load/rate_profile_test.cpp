#include "gauntlet/load/rate_profile.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> problems_of(const RateProfile& profile) {
  Problems problems;
  profile.validate(problems);
  return problems.list();
}

const double kNan = std::nan("");
const double kInf = std::numeric_limits<double>::infinity();

TEST(RateProfileValidation, ValidShapesHaveNoProblems) {
  EXPECT_THAT(problems_of(ConstantRate{100, 10s}), IsEmpty());
  EXPECT_THAT(problems_of(RampRate{0, 100, 10s}), IsEmpty());
  EXPECT_THAT(problems_of(StepsRate{{{0, 1s}, {10, 2s}}}), IsEmpty());
  EXPECT_THAT(problems_of(BurstRate{10, 100, 1s, 10s, 1min}), IsEmpty());
  EXPECT_THAT(problems_of(WaveRate{100, 100, 10s, 1min}), IsEmpty());
  EXPECT_THAT(problems_of(SpikeRate{10, 100, 0s, 0s, 5s, 0s, 0s}), IsEmpty());
  EXPECT_THAT(problems_of(ChaosRate{0, 100, 10, 1s, 1min, 42}), IsEmpty());
}

TEST(RateProfileValidation, ZeroDurationNamesFieldValueAndLimit) {
  EXPECT_THAT(problems_of(RampRate{0, 100, 0s}), ElementsAre("ramp.duration must be > 0s, got 0s"));
}

TEST(RateProfileValidation, RejectsNanInfinityNegativeZeroAndHugeRates) {
  EXPECT_THAT(problems_of(ConstantRate{kNan, 1s}),
              ElementsAre("constant.rate_per_s must be a finite number, got nan"));
  EXPECT_THAT(problems_of(ConstantRate{kInf, 1s}),
              ElementsAre("constant.rate_per_s must be a finite number, got inf"));
  EXPECT_THAT(problems_of(ConstantRate{-5, 1s}),
              ElementsAre("constant.rate_per_s must be > 0, got -5"));
  EXPECT_THAT(problems_of(ConstantRate{0, 1s}),
              ElementsAre("constant.rate_per_s must be > 0, got 0"));
  EXPECT_THAT(problems_of(ConstantRate{2e7, 1s}),
              ElementsAre("constant.rate_per_s must be <= 10000000 (kMaxRatePerS), got 20000000"));
}

TEST(RateProfileValidation, RejectsNegativeAndHugeDurations) {
  EXPECT_THAT(problems_of(ConstantRate{1, -1s}),
              ElementsAre("constant.duration must be > 0s, got -1s"));
  EXPECT_THAT(problems_of(ConstantRate{1, 25h}),
              ElementsAre("constant.duration must be <= 24h (kMaxDuration), got 25h"));
  EXPECT_THAT(problems_of(SpikeRate{1, 2, -1s, 0s, 1s, 0s, 0s}),
              ElementsAre("spike.lead must be >= 0s, got -1s"));
}

TEST(RateProfileValidation, CollectsEveryProblemAtOnce) {
  EXPECT_THAT(
      problems_of(RampRate{kNan, -1, 0s}),
      ElementsAre("ramp.from_per_s must be a finite number, got nan",
                  "ramp.to_per_s must be >= 0, got -1", "ramp.duration must be > 0s, got 0s"));
}

TEST(RateProfileValidation, RampNeedsOneEndAboveZero) {
  EXPECT_THAT(problems_of(RampRate{0, 0, 1s}),
              ElementsAre("ramp.from_per_s and ramp.to_per_s must not both be 0, got 0 and 0"));
}

TEST(RateProfileValidation, StepsNameTheStepAndNeedSomeLoad) {
  EXPECT_THAT(problems_of(StepsRate{}), ElementsAre("steps must hold at least 1 step, got 0"));
  EXPECT_THAT(problems_of(StepsRate{{{1, 1s}, {-2, 0s}}}),
              ElementsAre("steps[1].rate_per_s must be >= 0, got -2",
                          "steps[1].duration must be > 0s, got 0s"));
  EXPECT_THAT(problems_of(StepsRate{{{0, 1s}, {0, 1s}}}),
              ElementsAre("steps must have a rate_per_s > 0 in at least 1 step, got none"));
  EXPECT_THAT(problems_of(StepsRate{{{1, 20h}, {1, 5h}}}),
              ElementsAre("steps must last <= 24h (kMaxDuration) in total, got 25h"));
}

TEST(RateProfileValidation, BurstChecksItsCombinations) {
  EXPECT_THAT(problems_of(BurstRate{10, 5, 2s, 1s, 1min}),
              ElementsAre("burst.burst_per_s must be >= burst.base_per_s (10), got 5",
                          "burst.burst_length must be <= burst.period (1s), got 2s"));
  EXPECT_THAT(problems_of(BurstRate{10, 50, 1ms, 2ms, 24h}),
              ElementsAre("burst.period 2ms over burst.duration 24h makes 86400000 segments, more "
                          "than 1000000 (kMaxProfileSegments)"));
}

TEST(RateProfileValidation, WaveMustNotGoNegativeOrAboveTheLimit) {
  EXPECT_THAT(problems_of(WaveRate{100, 150, 10s, 1min}),
              ElementsAre("wave.amplitude_per_s must be <= wave.mean_per_s (100) so that the rate "
                          "never goes negative, got 150"));
  EXPECT_THAT(problems_of(WaveRate{9e6, 2e6, 10s, 1min}),
              ElementsAre("wave.mean_per_s + wave.amplitude_per_s must be <= 10000000 "
                          "(kMaxRatePerS), got 11000000"));
  EXPECT_THAT(
      problems_of(WaveRate{0, 0, 0s, 1min}),
      ElementsAre("wave.mean_per_s must be > 0, got 0", "wave.period must be > 0s, got 0s"));
}

TEST(RateProfileValidation, SpikeNeedsAHoldAndAPeakAboveBaseline) {
  EXPECT_THAT(problems_of(SpikeRate{100, 10, 1s, 1s, 0s, 1s, 1s}),
              ElementsAre("spike.peak_per_s must be >= spike.baseline_per_s (100), got 10",
                          "spike.hold must be > 0s, got 0s"));
  EXPECT_THAT(problems_of(SpikeRate{1, 2, 20h, 0s, 5h, 0s, 0s}),
              ElementsAre("spike must last <= 24h (kMaxDuration) in total, got 25h"));
}

TEST(RateProfileValidation, ChaosChecksBoundsStepAndInterval) {
  EXPECT_THAT(problems_of(ChaosRate{50, 10, 0, 1s, 1min, 1}),
              ElementsAre("chaos.max_per_s must be >= chaos.min_per_s (50), got 10",
                          "chaos.max_step_per_s must be > 0, got 0"));
  EXPECT_THAT(problems_of(ChaosRate{0, 10, 1, 1ms, 24h, 1}),
              ElementsAre("chaos.interval 1ms over chaos.duration 24h makes 86400000 segments, "
                          "more than 1000000 (kMaxProfileSegments)"));
}

TEST(RateProfile, DurationIsTheSumOfItsParts) {
  EXPECT_EQ(RateProfile(SpikeRate{1, 2, 1s, 2s, 3s, 4s, 5s}).duration(), 15s);
  EXPECT_EQ(RateProfile(StepsRate{{{1, 1s}, {2, 500ms}}}).duration(), 1500ms);
  EXPECT_EQ(RateProfile(ConstantRate{1, 7s}).duration(), 7s);
}

TEST(RateProfile, JsonAndDescriptionCarryKindAndFields) {
  const RateProfile ramp = RampRate{0, 100, 10s};
  EXPECT_EQ(ramp.kind(), "ramp");
  EXPECT_EQ(ramp.to_json(),
            nlohmann::json(
                {{"kind", "ramp"}, {"from_per_s", 0}, {"to_per_s", 100}, {"duration_s", 10.0}}));
  EXPECT_EQ(ramp.describe(), "ramp 0/s -> 100/s over 10s");
  const RateProfile chaos = ChaosRate{10, 100, 20, 1s, 1min, 42};
  EXPECT_EQ(chaos.to_json().at("seed"), 42);
  EXPECT_EQ(chaos.describe(), "chaos 10/s..100/s, steps up to 20/s every 1s, seed 42, for 1m");
}

}  // namespace
}  // namespace gauntlet

#include "gauntlet/gtest/stress_params.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace gauntlet {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Scale, ParsesTheThreeScalesAndDefaultsToSmoke) {
  EXPECT_EQ(parse_scale("smoke"), Scale::kSmoke);
  EXPECT_EQ(parse_scale("ci"), Scale::kCi);
  EXPECT_EQ(parse_scale("full"), Scale::kFull);
  EXPECT_EQ(scale_from_env(fake_env({})), Scale::kSmoke);
  EXPECT_EQ(scale_from_env(fake_env({{"GAUNTLET_SCALE", "full"}})), Scale::kFull);
}

TEST(Scale, RejectsAnUnknownScaleNamingTheVariableAndValue) {
  try {
    (void)parse_scale("huge");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GAUNTLET_SCALE"));
    EXPECT_THAT(e.what(), HasSubstr("\"huge\""));
    EXPECT_THAT(e.what(), HasSubstr("smoke, ci or full"));
  }
}

TEST(StressParams, PicksTheValueOfTheCurrentScale) {
  StressParams params(Scale::kCi, fake_env({}));
  EXPECT_EQ(params.integer("vus", {2, 20, 200}, 1, 1000), 20);
  EXPECT_DOUBLE_EQ(params.number("rate", {10, 100, 1000}, 1, 1e6), 100);
  EXPECT_EQ(params.duration("duration", {1s, 60s, 30min}, 1s, 24h), 60s);
  EXPECT_NO_THROW(params.check());
  EXPECT_EQ(params.to_json()["vus"]["source"], "scale ci");
}

TEST(StressParams, AnEnvironmentVariableOverridesTheScale) {
  StressParams params(Scale::kSmoke,
                      fake_env({{"GAUNTLET_VUS", "7"}, {"GAUNTLET_DURATION", "2m"}}));
  EXPECT_EQ(params.integer("vus", {2, 20, 200}, 1, 1000), 7);
  EXPECT_EQ(params.duration("duration", {1s, 60s, 30min}, 1s, 24h), 120s);
  EXPECT_EQ(params.to_json()["vus"]["source"], "GAUNTLET_VUS");
  EXPECT_EQ(params.to_json()["vus"]["value"], 7);
  EXPECT_EQ(params.to_json()["duration"]["value"], "2m");
}

TEST(StressParams, CollectsEveryBadOverrideWithVariableValueAndLimit) {
  StressParams params(
      Scale::kSmoke,
      fake_env({{"GAUNTLET_VUS", "0"}, {"GAUNTLET_RATE", "fast"}, {"GAUNTLET_DURATION", "30"}}));
  EXPECT_EQ(params.integer("vus", {2, 20, 200}, 1, 1000), 2);  // falls back, problem recorded
  (void)params.number("rate", {10, 100, 1000}, 1, 1e6);
  (void)params.duration("duration", {1s, 60s, 30min}, 1s, 24h);
  try {
    params.check();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 3U);
    EXPECT_THAT(e.problems()[0], HasSubstr("GAUNTLET_VUS must be between 1 and 1000, got 0"));
    EXPECT_THAT(e.problems()[1], HasSubstr("GAUNTLET_RATE must be a finite number, got \"fast\""));
    EXPECT_THAT(e.problems()[2], HasSubstr("GAUNTLET_DURATION must be a duration"));
  }
}

TEST(StressParams, RealLimitsReadAsPeopleWriteThem) {
  StressParams params(Scale::kSmoke, fake_env({{"GAUNTLET_RATE", "0.5"}}));
  (void)params.number("rate", {10, 100, 1000}, 1, 1e6);
  try {
    params.check();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GAUNTLET_RATE must be between 1 and 1000000, got 0.5"));
  }
}

}  // namespace
}  // namespace gauntlet

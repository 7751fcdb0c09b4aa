#include "gauntlet/cli/profile_spec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace gauntlet {
namespace {

std::string problems_of(std::string_view spec) {
  try {
    parse_profile_spec(spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseRatePerS, AcceptsANumberWithOrWithoutPerSecondAndNothingElse) {
  EXPECT_EQ(parse_rate_per_s("500"), 500.0);
  EXPECT_EQ(parse_rate_per_s("0.5/s"), 0.5);
  EXPECT_EQ(parse_rate_per_s("-3"), -3.0);  // the range is the caller's to check
  EXPECT_EQ(parse_rate_per_s(""), std::nullopt);
  EXPECT_EQ(parse_rate_per_s("/s"), std::nullopt);
  EXPECT_EQ(parse_rate_per_s("500/m"), std::nullopt);
  EXPECT_EQ(parse_rate_per_s("5x"), std::nullopt);
}

TEST(ProfileSpec, ParsesEveryKind) {
  const auto constant = std::get<ConstantRate>(parse_profile_spec("constant:500/s:30s").shape());
  EXPECT_EQ(constant.rate_per_s, 500);
  EXPECT_EQ(constant.duration, 30s);
  const auto ramp = std::get<RampRate>(parse_profile_spec("ramp:0:1000:1m").shape());
  EXPECT_EQ(ramp.to_per_s, 1000);
  EXPECT_EQ(ramp.duration, 60s);
  const auto steps = std::get<StepsRate>(parse_profile_spec("steps:100@10s,500@5s").shape());
  ASSERT_EQ(steps.steps.size(), 2U);
  EXPECT_EQ(steps.steps[1].rate_per_s, 500);
  EXPECT_EQ(steps.steps[1].duration, 5s);
  EXPECT_EQ(parse_profile_spec("burst:100:1000:2s:10s:1m").kind(), "burst");
  EXPECT_EQ(parse_profile_spec("wave:500:200:20s:2m").kind(), "wave");
  EXPECT_EQ(parse_profile_spec("spike:100:2000:10s:1s:5s:1s:10s").kind(), "spike");
  EXPECT_EQ(std::get<ChaosRate>(parse_profile_spec("chaos:100:1000:200:1s:1m:42").shape()).seed,
            42U);
  EXPECT_EQ(std::get<ChaosRate>(parse_profile_spec("chaos:100:1000:200:1s:1m").shape()).seed, 0U);
}

TEST(ProfileSpec, NamesTheFieldAndQuotesTheText) {
  EXPECT_THAT(
      problems_of("ramp:0:x:10s"),
      HasSubstr(
          "--profile \"ramp:0:x:10s\": field 2 (to) must be a rate like 500 or 500/s, got \"x\"."));
  EXPECT_THAT(problems_of("constant:5:10"), HasSubstr("field 2 (duration) must be a duration"));
  EXPECT_THAT(problems_of("zigzag:1"), HasSubstr("unknown kind \"zigzag\""));
  EXPECT_THAT(problems_of("ramp:0:10"),
              HasSubstr("ramp takes 3 fields (ramp:FROM:TO:DURATION), got 2."));
  EXPECT_THAT(problems_of("steps:100"), HasSubstr("step \"100\" must read RATE@DURATION"));
}

TEST(ProfileSpec, AppliesTheProfilesOwnValidation) {
  EXPECT_THAT(problems_of("constant:0:0s"), HasSubstr("constant."));
}

}  // namespace
}  // namespace gauntlet

#include "gauntlet/load/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Plan open_plan() {
  Plan plan;
  plan.name = "checkout";
  plan.model = OpenModel{ConstantRate{100, 10s}, 10, 100, 1s};
  return plan;
}

TEST(OpenModelValidation, ChecksThePoolAndTheWait) {
  Plan plan = open_plan();
  plan.model = OpenModel{ConstantRate{100, 10s}, 0, 200'000, -1s};
  EXPECT_THAT(plan.validate(), ElementsAre("open.pre_allocated_vus must be >= 1, got 0",
                                           "open.max_vus must be <= 100000 (kMaxVus), got 200000",
                                           "open.max_wait must be >= 0s, got -1s"));
  plan.model = OpenModel{ConstantRate{100, 10s}, 10, 5, 2h};
  EXPECT_THAT(plan.validate(),
              ElementsAre("open.max_vus must be >= open.pre_allocated_vus (10), got 5",
                          "open.max_wait must be <= 1h (kMaxWait), got 2h"));
}

TEST(OpenModelValidation, ZeroWaitMeansDropAtOnceAndIsValid) {
  Plan plan = open_plan();
  std::get<OpenModel>(plan.model).max_wait = 0s;
  EXPECT_THAT(plan.validate(), IsEmpty());
}

TEST(PlanValidation, CollectsProblemsOfPlanModelAndProfileAtOnce) {
  Plan plan;
  plan.model = OpenModel{RampRate{0, std::nan(""), 0s}, 0, 1, std::nullopt};
  plan.graceful_stop = -1s;
  plan.max_duration = 0s;
  plan.thresholds = {"p(95)<500ms", " "};
  EXPECT_THAT(plan.validate(), ElementsAre("plan.name must not be empty, got \"\"",
                                           "ramp.to_per_s must be a finite number, got nan",
                                           "ramp.duration must be > 0s, got 0s",
                                           "open.pre_allocated_vus must be >= 1, got 0",
                                           "plan.graceful_stop must be >= 0s, got -1s",
                                           "plan.max_duration must be > 0s, got 0s",
                                           "plan.thresholds[1] must not be empty, got \" \""));
}

TEST(PlanValidation, RejectsAbsurdGracefulStopAndMaxDuration) {
  Plan plan = open_plan();
  plan.graceful_stop = 2h;
  plan.max_duration = 25h;
  EXPECT_THAT(plan.validate(),
              ElementsAre("plan.graceful_stop must be <= 1h (kMaxGracefulStop), got 2h",
                          "plan.max_duration must be <= 24h (kMaxDuration), got 25h"));
}

TEST(PlanValidation, ValidateFillsNoDefaults) {
  Plan plan = open_plan();
  std::get<OpenModel>(plan.model).max_wait.reset();
  EXPECT_THAT(plan.validate(), IsEmpty());
  EXPECT_FALSE(plan.graceful_stop.has_value());
  EXPECT_FALSE(plan.max_duration.has_value());
  EXPECT_FALSE(std::get<OpenModel>(plan.model).max_wait.has_value());
}

TEST(PlanDefaults, FillOnlyWhatIsUnset) {
  Plan plan = open_plan();
  std::get<OpenModel>(plan.model).max_wait.reset();
  const Plan filled = plan.with_defaults();
  EXPECT_EQ(filled.graceful_stop, kDefaultGracefulStop);
  EXPECT_EQ(filled.max_duration, 10s);  // the profile's length
  EXPECT_EQ(std::get<OpenModel>(filled.model).max_wait, kDefaultMaxWait);

  plan.graceful_stop = 0s;
  plan.max_duration = 3s;
  const Plan kept = plan.with_defaults();
  EXPECT_EQ(kept.graceful_stop, 0s);
  EXPECT_EQ(kept.max_duration, 3s);
}

TEST(PlanDefaults, ClosedMaxDurationFollowsTheModel) {
  Plan plan;
  plan.name = "c";
  plan.model = ClosedModel{.vus = 2, .duration = 30s};
  EXPECT_EQ(plan.with_defaults().max_duration, 30s);
  plan.model = ClosedModel{.vus = 2, .iterations = 10};
  EXPECT_EQ(plan.with_defaults().max_duration, kDefaultIterationsMaxDuration);
}

TEST(Plan, JsonHoldsModelAndProfile) {
  Plan plan = open_plan();
  plan.thresholds = {"p(95)<500ms"};
  const nlohmann::json j = plan.with_defaults().to_json();
  EXPECT_EQ(j.at("name"), "checkout");
  EXPECT_EQ(j.at("model"), "open");
  EXPECT_DOUBLE_EQ(j.at("graceful_stop_s").get<double>(), 30);
  EXPECT_EQ(j.at("open").at("profile").at("kind"), "constant");
  EXPECT_EQ(j.at("open").at("max_vus"), 100);
  EXPECT_DOUBLE_EQ(j.at("open").at("expected_arrivals").get<double>(), 1000);
  EXPECT_EQ(j.at("thresholds"), nlohmann::json::array({"p(95)<500ms"}));
  EXPECT_TRUE(plan.to_json().at("max_duration_s").is_null());
}

TEST(Plan, DescribeIsOneHumanLine) {
  EXPECT_EQ(open_plan().with_defaults().describe(),
            "checkout (open): constant 100/s for 10s (1000 arrivals), 10..100 VUs, max wait 1s; "
            "graceful stop 30s; max duration 10s");
  Plan closed;
  closed.name = "login";
  closed.model = ClosedModel{.vus = 5, .iterations_per_vu = 3};
  EXPECT_EQ(closed.describe(), "login (closed): 5 VUs, 3 iterations per VU");
}

}  // namespace
}  // namespace gauntlet

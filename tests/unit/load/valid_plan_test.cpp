#include "gauntlet/load/valid_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Plan closed(std::vector<std::string> thresholds) {
  return Plan{.name = "checkout",
              .model = ClosedModel{.vus = 2, .duration = 10s},
              .thresholds = std::move(thresholds)};
}

TEST(ValidPlan, FillsEveryDefaultAndParsesTheThresholds) {
  const ValidPlan plan = ValidPlan::check(closed({"p(95)<500ms", "error_rate<1%"}));
  EXPECT_EQ(plan.graceful_stop(), kDefaultGracefulStop);
  EXPECT_EQ(plan.max_duration(), 10s);
  ASSERT_EQ(plan.thresholds().size(), 2u);
  EXPECT_EQ(plan.thresholds()[0].expression, "p(95)<500ms");
  EXPECT_EQ(plan.name(), "checkout");
}

TEST(ValidPlan, FillsTheOpenModelsWait) {
  Plan p{.name = "open", .model = OpenModel{ConstantRate{10, 2s}, 1, 2, std::nullopt}};
  const ValidPlan plan = ValidPlan::check(p);
  EXPECT_EQ(std::get<OpenModel>(plan.plan().model).max_wait, kDefaultMaxWait);
  EXPECT_EQ(plan.max_duration(), 2s);
}

// One ConfigError carries the plan's problems and the thresholds' together, each said once.
TEST(ValidPlan, ReportsThePlansAndTheThresholdsProblemsAtOnce) {
  Plan p = closed({"p(95)<", " "});
  p.name = "";
  try {
    ValidPlan::check(p);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 3u) << e.what();
    EXPECT_THAT(e.problems()[0], HasSubstr("plan.name"));
    EXPECT_THAT(e.problems()[1], HasSubstr("plan.thresholds[1]"));
    EXPECT_THAT(e.problems()[2], HasSubstr("p(95)<"));
  }
}

// A threshold naming a metric nobody declared is refused before any load is sent, naming the
// metric and listing the known ones.
TEST(ValidPlan, AThresholdOnAnUndeclaredMetricIsRefusedListingTheDeclaredOnes) {
  Plan p = closed({"lost==0", "duplicatd==0"});
  p.metrics = {{"lost", MetricKind::kFigure}, {"duplicated", MetricKind::kFigure}};
  try {
    ValidPlan::check(p);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_THAT(e.problems()[0], HasSubstr("unknown metric \"duplicatd\""));
    EXPECT_THAT(e.problems()[0], HasSubstr("lost (figure), duplicated (figure)"));
  }
  p.thresholds = {"lost==0", "duplicated==0"};
  EXPECT_EQ(ValidPlan::check(p).thresholds().size(), 2u);
}

TEST(ValidPlan, MetricNamesMustBeWellFormedAndUnique) {
  Plan p = closed({});
  p.metrics = {{"lost", MetricKind::kFigure},
               {"9lives", MetricKind::kCounter},
               {"lost", MetricKind::kCounter}};
  try {
    ValidPlan::check(p);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 2u) << e.what();
    EXPECT_THAT(e.problems()[0], HasSubstr("plan.metrics[1].name must be letters"));
    EXPECT_THAT(e.problems()[1], HasSubstr("plan.metrics[2].name must be unique"));
  }
}

}  // namespace
}  // namespace gauntlet

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

}  // namespace
}  // namespace gauntlet

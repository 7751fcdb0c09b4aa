// The SafeExecutor's budget rule: at most step_cap per applied change, fuzzed short, exact
// when within the cap.
#include "budget_step.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace gauntlet::mocks {
namespace {

TEST(BudgetStep, AppliesATargetWithinTheCapExactly) {
  EXPECT_EQ(plan_budget_step(10'000, 11'500, 0.2, 0.1, 0.5).apply_cents, 11'500);
  EXPECT_FALSE(plan_budget_step(10'000, 11'500, 0.2, 0.1, 0.5).capped);
  EXPECT_EQ(plan_budget_step(10'000, 8'000, 0.2, 0.1, 0.5).apply_cents,
            8'000);  // exactly on the cap
  EXPECT_EQ(plan_budget_step(10'000, 12'000, 0.2, 0.1, 0.9).apply_cents, 12'000);
}

TEST(BudgetStep, CapsARaiseAtTheBoundaryWithoutFuzz) {
  const BudgetStep s = plan_budget_step(10'000, 50'000, 0.2, 0.0, 0.7);
  EXPECT_EQ(s.apply_cents, 12'000);
  EXPECT_TRUE(s.capped);
}

TEST(BudgetStep, CapsACutAtTheBoundaryWithoutFuzz) {
  const BudgetStep s = plan_budget_step(10'000, 1'000, 0.2, 0.0, 0.7);
  EXPECT_EQ(s.apply_cents, 8'000);
  EXPECT_TRUE(s.capped);
}

TEST(BudgetStep, FuzzShortensTheStepButNeverPassesTheCap) {
  for (double u : {0.0, 0.25, 0.5, 0.99}) {
    const BudgetStep s = plan_budget_step(10'000, 50'000, 0.2, 0.1, u);
    EXPECT_LE(s.apply_cents, 12'000) << u;
    EXPECT_GE(s.apply_cents, 11'800) << u;  // at most 10% of the 2000-cent step short
    EXPECT_TRUE(s.capped);
  }
  EXPECT_LT(plan_budget_step(10'000, 50'000, 0.2, 0.1, 0.99).apply_cents,
            plan_budget_step(10'000, 50'000, 0.2, 0.1, 0.0).apply_cents);
}

TEST(BudgetStep, RepeatedStepsReachTheTargetWithEveryStepWithinTheCap) {
  std::int64_t budget = 10'000;
  int steps = 0;
  for (;; ++steps) {
    ASSERT_LT(steps, 100);
    const std::string id = "change-" + std::to_string(steps);
    const BudgetStep s =
        plan_budget_step(budget, 100'000, 0.25, 0.2, unit_draw(id.data(), id.size()));
    EXPECT_LE(static_cast<double>(s.apply_cents - budget),
              0.25 * static_cast<double>(budget) + 1e-9);
    EXPECT_GT(s.apply_cents, budget);
    budget = s.apply_cents;
    if (!s.capped) break;
  }
  EXPECT_EQ(budget, 100'000);
  EXPECT_GE(steps, 8);  // 1.25^8 < 10 < 1.25^11: it took several steps
}

TEST(BudgetStep, TinyCapsStillMakeProgress) {
  const BudgetStep s = plan_budget_step(100, 1'000, 0.001, 0.5, 0.9);
  EXPECT_EQ(s.apply_cents, 101);
  EXPECT_TRUE(s.capped);
}

TEST(BudgetStep, UnknownCurrentBudgetAppliesTheTarget) {
  EXPECT_EQ(plan_budget_step(0, 70'000, 0.2, 0.1, 0.5).apply_cents, 70'000);
  EXPECT_FALSE(plan_budget_step(0, 70'000, 0.2, 0.1, 0.5).capped);
}

TEST(BudgetStep, UnitDrawIsDeterministicAndInRange) {
  const std::string a = "3f2b0c1e-0000-4000-8000-000000000001";
  const std::string b = "3f2b0c1e-0000-4000-8000-000000000002";
  EXPECT_EQ(unit_draw(a.data(), a.size()), unit_draw(a.data(), a.size()));
  EXPECT_NE(unit_draw(a.data(), a.size()), unit_draw(b.data(), b.size()));
  for (int i = 0; i < 1000; ++i) {
    const std::string s = std::to_string(i);
    const double u = unit_draw(s.data(), s.size());
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace gauntlet::mocks

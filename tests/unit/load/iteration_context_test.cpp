#include "gauntlet/load/iteration_context.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "gauntlet/load/fake_clock.hpp"
#include "spy_shard.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using testing::SpyShard;

class IterationContextTest : public ::testing::Test {
 protected:
  IterationContext make_context() {
    return IterationContext(shard_, clock_, stop_, halt_, IterationInfo{3, 17, 2, clock_.now()});
  }
  FakeClock clock_;
  SpyShard shard_;
  StopSource stop_;
  StopSource halt_;
};

TEST_F(IterationContextTest, StepTimesTheWorkAndPassesItsResultThrough) {
  IterationContext ctx = make_context();
  const int value = ctx.step("upload", [&] {
    clock_.sleep_until(clock_.now() + 120ms);
    return 42;
  });
  EXPECT_EQ(value, 42);
  ASSERT_EQ(shard_.steps.size(), 1u);
  EXPECT_EQ(shard_.steps[0].name, "upload");
  EXPECT_EQ(shard_.steps[0].latency, 120ms);
  EXPECT_EQ(shard_.steps[0].error, std::nullopt);
  EXPECT_EQ(ctx.error(), std::nullopt);
}

TEST_F(IterationContextTest, CustomMetricsGoToTheVirtualUsersShard) {
  IterationContext ctx = make_context();
  ctx.count("rows_written", 3);
  ctx.count("rows_written");
  ctx.gauge("queue_depth", 12.5);
  ctx.trend("queue_wait", 250ms);
  ASSERT_EQ(shard_.counts.size(), 2u);
  EXPECT_EQ(shard_.counts[0], (std::pair<std::string, std::int64_t>{"rows_written", 3}));
  EXPECT_EQ(shard_.counts[1].second, 1);
  ASSERT_EQ(shard_.gauges.size(), 1u);
  EXPECT_EQ(shard_.gauges[0].second, 12.5);
  ASSERT_EQ(shard_.trends.size(), 1u);
  EXPECT_EQ(shard_.trends[0].second, 250ms);
}

TEST_F(IterationContextTest, StepPassesMoveOnlyResultsAndReferences) {
  IterationContext ctx = make_context();
  auto owned = ctx.step("make", [] { return std::make_unique<int>(7); });
  EXPECT_EQ(*owned, 7);
  int target = 1;
  int& ref = ctx.step("ref", [&]() -> int& { return target; });
  ref = 5;
  EXPECT_EQ(target, 5);
}

TEST_F(IterationContextTest, ExceptionInAStepIsRecordedAndRethrown) {
  IterationContext ctx = make_context();
  EXPECT_THROW(ctx.step("parse", [] { throw std::runtime_error("bad json at byte 3"); }),
               std::runtime_error);
  ASSERT_EQ(shard_.steps.size(), 1u);
  EXPECT_EQ(shard_.steps[0].error, ErrorClass::kException);
  ASSERT_EQ(shard_.messages.size(), 1u);
  EXPECT_EQ(shard_.messages[0].step, "parse");
  EXPECT_EQ(shard_.messages[0].message, "bad json at byte 3");
  EXPECT_EQ(ctx.error(), ErrorClass::kException);
}

TEST_F(IterationContextTest, StepFailureKeepsItsClass) {
  IterationContext ctx = make_context();
  EXPECT_THROW(ctx.step("upload", [] { throw StepFailure(ErrorClass::kHttp5xx, "503"); }),
               StepFailure);
  EXPECT_EQ(shard_.steps[0].error, ErrorClass::kHttp5xx);
  EXPECT_EQ(ctx.error(), ErrorClass::kHttp5xx);
}

TEST_F(IterationContextTest, FailMarksTheStepWithoutThrowing) {
  IterationContext ctx = make_context();
  ctx.step("login", [&] { ctx.fail(ErrorClass::kHttp4xx, "401 from /login"); });
  ctx.step("home", [] {});
  ASSERT_EQ(shard_.steps.size(), 2u);
  EXPECT_EQ(shard_.steps[0].error, ErrorClass::kHttp4xx);
  EXPECT_EQ(shard_.steps[1].error, std::nullopt);
  EXPECT_EQ(shard_.messages[0].step, "login");
  EXPECT_EQ(ctx.error(), ErrorClass::kHttp4xx);
}

TEST_F(IterationContextTest, FirstFailureDecidesTheClass) {
  IterationContext ctx = make_context();
  ctx.step("a", [&] {
    ctx.fail(ErrorClass::kTimeout, "slow");
    ctx.fail(ErrorClass::kHttp5xx, "then 500");
  });
  ctx.check(false, "body had no id");
  EXPECT_EQ(shard_.steps[0].error, ErrorClass::kTimeout);
  EXPECT_EQ(ctx.error(), ErrorClass::kTimeout);
  ASSERT_EQ(shard_.messages.size(), 3u);
  EXPECT_EQ(shard_.messages[2].step, "");  // outside any step: the iteration
  EXPECT_EQ(shard_.messages[2].error, ErrorClass::kAssertion);
}

TEST_F(IterationContextTest, CheckOutsideAStepFailsTheIteration) {
  IterationContext ctx = make_context();
  EXPECT_TRUE(ctx.check(true, "fine"));
  EXPECT_EQ(ctx.error(), std::nullopt);
  EXPECT_FALSE(ctx.check(false, "status was 200, wanted 201"));
  EXPECT_EQ(ctx.error(), ErrorClass::kAssertion);
  EXPECT_TRUE(shard_.steps.empty());
}

TEST_F(IterationContextTest, NestedStepsAreRecordedEachAndInnerFailureFailsOuter) {
  IterationContext ctx = make_context();
  ctx.step("outer",
           [&] { ctx.step("inner", [&] { ctx.fail(ErrorClass::kBodyMismatch, "wrong id"); }); });
  ASSERT_EQ(shard_.steps.size(), 2u);
  EXPECT_EQ(shard_.steps[0].name, "inner");
  EXPECT_EQ(shard_.steps[1].name, "outer");
  EXPECT_EQ(shard_.steps[1].error, ErrorClass::kBodyMismatch);
}

TEST_F(IterationContextTest, ExposesIdentityAndStopState) {
  IterationContext ctx = make_context();
  EXPECT_EQ(ctx.vu_id(), 3);
  EXPECT_EQ(ctx.iteration(), 17);
  EXPECT_EQ(ctx.vu_iteration(), 2);
  EXPECT_EQ(ctx.scheduled_start(), clock_.now());
  EXPECT_FALSE(ctx.stop_requested());
  halt_.request_stop("deadline");
  EXPECT_TRUE(ctx.stop_requested());
}

TEST(ClassifyException, NonStandardExceptionsAreUnknown) {
  const auto [c, m] = classify_exception(std::make_exception_ptr(42));
  EXPECT_EQ(c, ErrorClass::kException);
  EXPECT_EQ(m, "unknown exception");
}

}  // namespace
}  // namespace gauntlet

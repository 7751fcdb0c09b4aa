#pragma once
// EXPECT_TRUE(gauntlet::thresholds_pass(result)) fails a test with a readable table of every
// threshold when one FAILs; WARN passes (it is shown in the summary). An incomplete run fails
// too: its figures cover only part of the plan.
#include <gtest/gtest.h>

#include <string>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

// The table used in failure messages: one row per threshold with verdict, measured and limit.
std::string threshold_table(const RunResult& result);

::testing::AssertionResult thresholds_pass(const RunResult& result);

}  // namespace gauntlet

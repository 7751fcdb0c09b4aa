#pragma once
// The one-word status of a whole run, as every report and the CLI's exit code see it.
#include <string_view>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

enum class RunStatus { kPass, kWarn, kFail, kIncomplete };

constexpr std::string_view to_string(RunStatus s) noexcept {
  switch (s) {
    case RunStatus::kPass:
      return "PASS";
    case RunStatus::kWarn:
      return "WARN";
    case RunStatus::kFail:
      return "FAIL";
    case RunStatus::kIncomplete:
      return "INCOMPLETE";
  }
  return "?";
}

// INCOMPLETE when the run stopped before its plan ended (its figures cover only part of the plan,
// so that is the first thing a reader must know), else FAIL if any threshold failed, else WARN if
// any warned, else PASS. A run without thresholds passes.
RunStatus run_status(const RunResult& result) noexcept;

// True for PASS and WARN: the outcomes that let CI go green.
constexpr bool is_success(RunStatus s) noexcept {
  return s == RunStatus::kPass || s == RunStatus::kWarn;
}

// A probe is a run whose outcome its own test judges (RunOptions::expect_thresholds false, kept
// as "probe": true in the result's extra): a breaking-point level above capacity, a run meant to
// be stopped by a safety limit, a run fed a wrong state on purpose. Its status is shown as
// measured, but it never fails a report or CI: the test's assertion on it does.
bool is_probe(const RunResult& result) noexcept;

// What a report's exit code and CI count as a failure: a FAIL or INCOMPLETE run that is not a
// probe.
bool fails_the_suite(const RunResult& result) noexcept;

}  // namespace gauntlet

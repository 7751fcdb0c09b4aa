#pragma once
// The result of evaluating one threshold: plain data stored in RunResult and rendered by reports.
#include <string>
#include <string_view>

namespace gauntlet {

// The share of a limit next to it where a verdict is WARN (0.1: within 10%); also what the
// breaking-point judge calls "at the edge" past a limit (tests/fixtures/checkers).
inline constexpr double kWarningBand = 0.1;

// PASS: the limit holds with more than 10% to spare. WARN: it holds, but the measured value is
// within 10% of the limit. FAIL: it does not hold (or there was nothing to measure).
enum class Verdict { kPass, kWarn, kFail };

constexpr std::string_view to_string(Verdict v) noexcept {
  return v == Verdict::kPass ? "PASS" : v == Verdict::kWarn ? "WARN" : "FAIL";
}

struct ThresholdOutcome {
  std::string expression;  // the source text, e.g. "upload: p(95)<2s"
  std::string step;        // "" for the whole iteration
  std::string metric;      // canonical metric name, e.g. "p(95)", "error_rate"
  std::string unit;        // "us", "ratio", "per_s", "count"
  double measured = 0;     // in `unit`
  double limit = 0;        // in `unit`
  Verdict verdict = Verdict::kFail;
  std::string detail;  // a sentence for humans: "p(95) of upload was 2.31s, limit < 2s"
};

}  // namespace gauntlet

#pragma once
// Pass/fail criteria on a run's metrics, written in a small k6-like grammar:
//
//   threshold  = [ step ws? ":" ] ws? metric ws? op ws? value ws?
//   step       = any characters but ":" (trimmed, non-empty)   ; absent = the whole iteration
//   metric     = "p(" ws? number ws? ")"    ; percentile, 0 < N <= 100
//              | "min" | "max" | "mean" | "stddev" | "med"      ; latency (med = p(50))
//              | "count"                                        ; attempts (ok + failed)
//              | "error_rate" | "success_rate"                  ; failed / attempts, ok / attempts
//              | "rps"                                          ; attempts per second of the run
//              | "dropped"                                      ; open model, whole run only
//              | name                                           ; a declared counter, gauge or
//                                                               ; figure, whole run only
//   name       = letter { letter | digit | "_" | "." | "-" }    ; e.g. lost, server.deadlocks
//   op         = "<" | "<=" | ">" | ">=" | "==" | "!="
//   value      = number [ unit ]
//   number     = digit { digit } [ "." digit { digit } ]        ; no sign
//   unit       = "us" | "ms" | "s" | "m"                        ; latency: a unit is required
//              | "%"                                            ; rates: 0..100%, or a bare ratio
//              0..1
//                                                               ; rps, count, dropped: bare number
//
// Examples: "p(95)<500ms", "p(99.9) <= 2s", "error_rate<1%", "success_rate>=0.99", "rps>=100",
// "dropped==0", "upload: p(95)<2s", "lost==0", "server.deadlocks==0", and, for a declared trend,
// "queue_wait: p(95)<2s" (a step prefix that names a trend reads the trend).
//
// Parsing, validating and evaluating are separate steps (as in k6): parse_threshold() checks the
// syntax and then that the value suits the metric; evaluate() only reads measured data.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/metrics/custom_metric.hpp"
#include "gauntlet/metrics/run_metrics.hpp"
#include "gauntlet/metrics/threshold_outcome.hpp"

namespace gauntlet {

enum class ThresholdMetric {
  kPercentile,
  kMin,
  kMax,
  kMean,
  kStddev,
  kCount,
  kErrorRate,
  kSuccessRate,
  kRps,
  kDropped,
  kCustom,  // a declared counter, gauge or figure (Threshold::custom)
};

enum class ThresholdOp { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

constexpr std::string_view to_string(ThresholdOp op) noexcept {
  switch (op) {
    case ThresholdOp::kLess:
      return "<";
    case ThresholdOp::kLessEqual:
      return "<=";
    case ThresholdOp::kGreater:
      return ">";
    case ThresholdOp::kGreaterEqual:
      return ">=";
    case ThresholdOp::kEqual:
      return "==";
    case ThresholdOp::kNotEqual:
      return "!=";
  }
  return "?";
}

// A parsed, validated threshold. The limit is in the metric's canonical unit (see unit()):
// microseconds for latency, a ratio 0..1 for rates, per second for rps, a count otherwise.
struct Threshold {
  std::string expression;  // the source text, verbatim
  std::string step;        // "" for the whole iteration
  ThresholdMetric metric = ThresholdMetric::kPercentile;
  double percentile = 0;  // 0 < p <= 100, only for kPercentile (med is stored as p(50))
  ThresholdOp op = ThresholdOp::kLess;
  double limit = 0;
  std::string custom;                             // kCustom: the metric's name
  MetricKind custom_kind = MetricKind::kCounter;  // kCustom: what the plan declared it as

  // "p(95)", "p(99.9)", "max", "error_rate", ..., a custom metric's name
  std::string metric_name() const;
  // "us", "ratio", "per_s" or "count".
  std::string_view unit() const noexcept;
};

// Parses and validates one expression. Throws ConfigError whose message quotes the expression,
// names the problem and its 1-based column, and shows a caret under it, e.g.
//   threshold "p(95)<500xs": unknown unit "xs" at column 10 (expected us, ms, s or m)
//     p(95)<500xs
//              ^
// A metric name that is not built in must be among `declared` (a counter, gauge or figure; a
// trend is named as a step prefix instead), else the error lists the declared names.
Threshold parse_threshold(std::string_view expression,
                          std::span<const MetricDeclaration> declared = {});

// Parses every expression; collects all problems and throws one ConfigError listing them.
std::vector<Threshold> parse_thresholds(const std::vector<std::string>& expressions,
                                        std::span<const MetricDeclaration> declared = {});

// Checks a threshold against what a run measured. duration_s is the run's length in seconds
// (for rps). Never throws. FAIL, with a detail saying why, when the step did not run, when
// nothing was measured (a gauge never set, a figure never attached: a check that did not run
// must not pass) or (for rps) when duration_s <= 0. A declared counter never counted is 0.
// WARN when the limit holds but the measured value is within 10% of the limit: for < and <=,
// measured >= 0.9 * limit; for > and >=, measured <= 1.1 * limit. success_rate is bounded by
// 100%, so its band is taken on the failure share: WARN when 1 - measured >= 0.9 * (1 - limit).
// == and !=, and a limit of 0, have no band: PASS or FAIL only.
ThresholdOutcome evaluate(const Threshold& threshold, const RunMetrics& metrics, double duration_s);

}  // namespace gauntlet

#pragma once
// Merging the results of one test run by several processes side by side (one test on several
// machines, or a matrix of CI jobs): the building block of `gauntlet report merge`.
#include <span>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

// One result from results of the same test (same name and scale), exactly:
//   - histograms merged (iteration, steps, trends, each second of the series), counts summed,
//     error classes summed with their first distinct messages kept (up to 10);
//   - series aligned by wall time: input i's second s is second s + round(started_i - earliest
//     start) of the merged series; users, completions, failures and drops add up, and a
//     second's percentiles come from its merged histogram (inputs without per-second
//     histograms give the largest of their figures, an upper bound);
//   - the span: earliest start, latest end, the longest duration_s (the processes ran side by
//     side); rates (requested, achieved) add up; dropped adds up;
//   - counters and figures add up (figures' examples concatenated, at most 10), but for the
//     monitor's leak figures (rss_slope.<process>, p99_drift, error_rate_drift: slopes and ratios
//     of one run's shape), which keep the largest, an upper bound; gauges keep the extreme min
//     and max and the last input's last value;
//   - incomplete when any input is, with every reason;
//   - thresholds re-evaluated on the merged metrics from the first input's expressions;
//   - plan and extra from the first input, with extra.merged_from = the number of inputs.
// Throws std::invalid_argument naming the input (by index and name) when the inputs are empty,
// or differ in name, scale or histogram layout.
RunResult merge_results(std::span<const RunResult> inputs);

}  // namespace gauntlet

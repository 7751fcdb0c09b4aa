#pragma once
// Comparing a run of the suite with a baseline (`gauntlet report compare BASE NEW`): per test and
// per step, the change in p50/p95/p99, rate and error rate, and a regression verdict only beyond
// the noise. Computing is separate from printing: compare_results() is pure, and the table,
// compare.json and compare.html are made from its Comparison.
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

// How much worse a figure may get before it is a regression. Latencies and the rate are relative
// (0.2 = 20% slower); a latency change smaller than min_latency_change_us is noise whatever its
// share (a loopback p50 going from 0.20 ms to 0.26 ms is not a regression); the error rate is an
// absolute change in its share (0.01 = one percentage point).
struct CompareTolerances {
  double p50 = 0.15;
  double p95 = 0.20;
  double p99 = 0.30;
  double rate = 0.10;  // a lower achieved rate
  double error_rate = 0.01;
  double min_latency_change_us = 1000;
};

// Applies "p95=0.25" (keys p50, p95, p99, rate, error_rate, min_latency_ms). Throws
// std::invalid_argument naming the key and value and the accepted ones.
void set_tolerance(CompareTolerances& tolerances, std::string_view key_equals_value);

struct MetricChange {
  std::string metric;  // "p50", "p95", "p99", "rate", "error_rate"
  double base = 0;     // us for latencies, per second for the rate, 0..1 for the error rate
  double now = 0;
  double change = 0;  // relative (now / base - 1) for latencies and rate; absolute for errors
  bool regression = false;
};

struct StepComparison {
  std::string test;
  std::string step;  // "iteration" for the whole iteration
  std::vector<MetricChange> changes;
  bool regression() const;
};

struct Comparison {
  std::vector<StepComparison> steps;
  std::vector<std::string> only_in_base;  // tests the new run lacks (listed, not a regression)
  std::vector<std::string> only_in_new;
  CompareTolerances tolerances;
  bool regression() const;
};

Comparison compare_results(std::span<const RunResult> base, std::span<const RunResult> now,
                           const CompareTolerances& tolerances = {});

// The table `gauntlet report compare` prints: one row per test and step, then a verdict line.
void write_comparison_table(std::ostream& out, const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);
// A self-contained page with the same table, regressions marked.
void write_comparison_html(std::ostream& out, const Comparison& c);

}  // namespace gauntlet

#pragma once
// The invariant every report format keeps: no percentile above the recorded max, none below the
// min. A histogram reports a percentile as its bucket's highest equivalent value (HDR
// convention), which for the top bucket can exceed the exact max; these helpers make that case
// and check a format's figures against it.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet::testing {

// Latencies whose max, 4510 us, sits in the bucket [4508, 4511]: a percentile taken as that
// bucket's top would read 4.511 ms, above the 4.51 ms max (the bug the invariant guards).
inline std::vector<std::int64_t> overshooting_latencies_us() {
  std::vector<std::int64_t> v;
  for (int i = 0; i < 99; ++i) v.push_back(1001 + i * 3);  // min 1001 us, bucket [1001, 1001]
  v.push_back(4510);
  return v;
}

// A finished run (iteration and one step "call") with those latencies and one series point.
inline RunResult overshooting_result(std::string name = "Invariant.Overshoot") {
  RunResult r;
  r.name = std::move(name);
  r.scale = "smoke";
  r.duration_s = 1;
  r.achieved_rate_per_s = 100;
  StepStats step;
  step.name = "call";
  for (const std::int64_t v : overshooting_latencies_us()) {
    r.metrics.iteration.latency.record(v);
    step.latency.record(v);
  }
  r.metrics.iteration.ok = step.ok = 100;
  r.metrics.steps.push_back(step);
  return r;
}

// Checks that every figure in `percentiles` lies in [min, max]; `where` names the format.
inline void expect_within_min_max(const std::vector<double>& percentiles, double min, double max,
                                  const std::string& where) {
  EXPECT_FALSE(percentiles.empty()) << where << ": no percentile was checked";
  for (const double p : percentiles) {
    EXPECT_LE(p, max) << where << ": a percentile above the max";
    EXPECT_GE(p, min) << where << ": a percentile below the min";
  }
}

}  // namespace gauntlet::testing

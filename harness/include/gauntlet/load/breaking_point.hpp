#pragma once
// The breaking-point search: runs a load at increasing levels (an arrival rate or a number of
// users), first in even steps from..to, then by bisection between the last level that passed and
// the first that failed, until the gap is within `precision`, the generator itself is the
// bottleneck, or the time budget is spent. Reports the highest sustainable level, the knee (the
// first level whose p99 is more than knee_factor times the lowest level's) and the curve.
//
// The driver knows nothing of how a level runs: the caller's LevelRunner runs one (a normal run
// with its own result) and says whether its thresholds held.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "gauntlet/load/clock.hpp"
#include "gauntlet/metrics/capacity_curve.hpp"

namespace gauntlet {

struct BreakingPointOptions {
  double from = 0;          // the first level, > 0
  double to = 0;            // the last stepped level, > from
  int steps = 5;            // levels from..to, evenly spaced, both ends included (>= 2)
  double precision = 0.05;  // bisection stops when (first bad - last good) <= precision * good
  std::chrono::nanoseconds time_budget = std::chrono::minutes(5);  // the whole search
  double knee_factor = 2.0;  // p99 above this times the lowest level's p99 marks the knee
  std::string unit = "requests/s";
  bool whole_levels = false;  // users: levels are rounded to whole numbers
  // Confirm both ways. A failing level is run once more and fails only if that run fails too (one
  // stall of the target or of the machine does not make a breaking point); the highest passing
  // level is run once more before it is reported, and if that run fails, the next lower passing
  // level is confirmed instead. Both runs of a level are in the curve.
  bool confirm = true;
  // What "sustainable" means; the runner evaluates them. At least one is required.
  std::vector<std::string> thresholds;

  // Every problem, naming field, value and limit ("breaking-point search needs at least one
  // threshold ..."); empty when valid.
  std::vector<std::string> validate() const;
};

// Runs one level; LevelOutcome::passed says whether it was sustainable.
using LevelRunner = std::function<LevelOutcome(double level)>;

// Throws ConfigError (every problem of options.validate()) before running any level. A level is
// not started when the time already spent plus the longest level so far would pass the budget.
CapacityCurve find_breaking_point(const BreakingPointOptions& options, const LevelRunner& run_level,
                                  Clock& clock);

}  // namespace gauntlet

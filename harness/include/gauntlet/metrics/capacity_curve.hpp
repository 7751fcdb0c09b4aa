#pragma once
// The outcome of a breaking-point search (load/breaking_point.hpp): every level run, in order of
// level, with the highest level that passed every threshold and the knee of the latency curve.
// Plain data; the canonical result's "breaking_point" object.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gauntlet {

struct LevelOutcome {
  double level = 0;  // in CapacityCurve::unit: an arrival rate or a number of users
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double error_rate = 0;     // 0..1
  double achieved_rate = 0;  // completed per second
  bool passed = false;       // every threshold held and the generator kept up
  std::string note;          // why it failed ("p(99)<200ms measured 340ms"); "" when it passed
  bool generator_limited = false;  // the load generator, not the target, was the bottleneck
};

struct CapacityCurve {
  std::optional<double> highest_sustainable;  // none when even the lowest level failed
  std::optional<double> knee;  // the first level whose p99 left the low-load p99 by the factor
  std::string unit;            // "requests/s" or "users"
  std::vector<LevelOutcome> levels;  // sorted by level
  std::string note;  // how the search ended ("bisection converged within 5%", "time budget ...")
};

// {"highest_sustainable" (null or number), "knee" (null or number), "unit", "levels": [{"level",
// "p50_ms", "p95_ms", "p99_ms", "error_rate", "achieved_rate", "passed", "note",
// "generator_limited"}], "note"}.
void to_json(nlohmann::json& j, const CapacityCurve& c);
void from_json(const nlohmann::json& j, CapacityCurve& c);

}  // namespace gauntlet

#pragma once
// Recovery time from a run's per-second series: the time from a fault's end (or the end of an
// overload phase) until the success rate and p95 are back within a tolerance of the pre-fault
// baseline for N consecutive seconds. A pure function of the series, tested on synthetic ones.
// As a figure ("recovery_s<30" in the threshold grammar) it has no value when the run never
// recovered, which fails any threshold on it with "did not recover ...".
//
// For a fault whose moment is known only when it strikes (a process killed once a job is held,
// backends terminated mid-cycle) and a recovery shorter than the series' second, the same
// Recovery comes from the requests' own outcomes (recovery_after an OutcomeLog): the time from
// the fault to the first success after the last failure.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {

struct RecoveryOptions {
  std::int64_t baseline_from_s = 0;  // the baseline: series seconds [from, to)
  std::int64_t baseline_to_s = 0;
  double fault_end_s = 0;           // recovery is counted from here (seconds since the start)
  double success_tolerance = 0.01;  // a second's success rate >= baseline - this
  double p95_factor = 1.5;          // and its p95 <= baseline p95 * this + p95_slack_ms
  double p95_slack_ms = 5;          // (a 1 ms baseline must not make 3 ms a failure)
  int consecutive_s = 3;            // this many good seconds in a row

  // Every problem, naming field, value and limit; empty when valid.
  std::vector<std::string> validate() const;
};

struct Recovery {
  std::optional<double> seconds;  // from fault_end_s to the first of the good seconds; none: never
  double baseline_success_rate = 0;
  double baseline_p95_ms = 0;
  bool from_outcomes = false;  // measured by recovery_after: no baseline, described as such
  // "recovered in 4s (success 100% and p95 <= 12.3ms for 3s)" or "did not recover within 20s of
  // the fault's end (baseline success 99.5%, p95 8.2ms)".
  std::string describe() const;
  double observed_s = 0;  // how long after the fault's end the series goes on
};

// Throws ConfigError for invalid options or a baseline window with no completed iteration.
Recovery recovery_time(std::span<const SeriesPoint> series, const RecoveryOptions& options);

// One request's end on the steady clock and whether the system answered it as it should.
struct Outcome {
  std::chrono::steady_clock::time_point at{};
  bool ok = false;
};

// Thread-safe: virtual users add() as their requests end; sorted() once the load has ended.
class OutcomeLog {
 public:
  void add(bool ok);  // now
  void add(std::chrono::steady_clock::time_point at, bool ok);
  std::vector<Outcome> sorted() const;  // by time

 private:
  mutable std::mutex mutex_;
  std::vector<Outcome> outcomes_;
};

// Pure: seconds from `fault` until requests succeeded again, i.e. until the first success after
// the last failure that ended in [fault, until): 0 when none failed there; no value when no
// request succeeded after that failure (it never recovered while the run watched; observed_s is
// then the time from the fault to the last outcome). `outcomes` in any order.
Recovery recovery_after(std::span<const Outcome> outcomes,
                        std::chrono::steady_clock::time_point fault,
                        std::chrono::steady_clock::time_point until);

// The slower of several recoveries (each fault of a run); no value when any never recovered.
Recovery slowest(std::span<const Recovery> recoveries);

// A recovery time a run reports as the figure `name` (seconds), from its own series.
struct RecoveryMetric {
  std::string name;  // "recovery_s"
  RecoveryOptions options;
};

// The figure `name` (seconds): the recovery time, or no value (NaN) with describe() as its
// example when the run did not recover.
Figure recovery_figure(std::string name, const Recovery& recovery);
// The metric's figure from a run's series; a baseline that completed nothing gives a figure with
// no value, saying so.
Figure recovery_figure(const RecoveryMetric& metric, std::span<const SeriesPoint> series);

}  // namespace gauntlet

#pragma once
// The live progress line of a running test, as k6 and Locust users expect, redrawn once a second:
//   [ 12s/30s] users 20  iterations 2,400  rate 200/s  p95 8.1ms  errors 3  dropped 0
// Computed from the recorder's complete seconds (Recorder::live_series) by the executor's
// supervising thread, which wakes once a second anyway to sample the users: the virtual users'
// hot path does nothing for it. Whether to show it is progress_wanted()'s decision.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "gauntlet/metrics/run_metrics.hpp"

namespace gauntlet {

struct ProgressSnapshot {
  std::chrono::nanoseconds elapsed{};
  std::chrono::nanoseconds planned{};  // the plan's nominal length; 0 when unknown
  std::int64_t active_users = 0;
  std::int64_t iterations = 0;  // completed in the complete seconds so far
  std::int64_t errors = 0;
  std::int64_t dropped = 0;
  double rate_per_s = 0;                    // completions in the last complete second
  std::optional<std::int64_t> p95_us_last;  // of the last complete second; none when it had none
};

using ProgressFn = std::function<void(const ProgressSnapshot&)>;

// Sums the complete seconds; the last one gives the rate and the p95.
ProgressSnapshot progress_snapshot(std::span<const SeriesPoint> live,
                                   std::chrono::nanoseconds elapsed,
                                   std::chrono::nanoseconds planned, std::int64_t active_users);

// The line, without a newline or terminal control characters.
std::string progress_line(const ProgressSnapshot& s);

// GAUNTLET_PROGRESS: "0" never, "1" always, anything else (or unset) only when stderr is a
// terminal, so that CI logs stay clean.
bool progress_wanted(const char* gauntlet_progress_env, bool stderr_is_terminal) noexcept;

}  // namespace gauntlet

#pragma once
// What an executor reports about the run itself (the measurements are in the Recorder's
// RunMetrics): when it ran, whether it ran to the end and why not, and the iteration accounting.
// Every intended arrival of an open-model run is accounted for:
//   arrivals = iterations_started + dropped + cancelled
// and every started iteration ended (the executor always waits for it):
//   iterations_started = iterations_completed, of which iterations_failed failed and abandoned
//   were still running when the graceful-stop deadline passed.
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "gauntlet/load/clock.hpp"

namespace gauntlet {

struct ExecutionResult {
  std::string plan_name;
  std::string model;  // "closed" or "open"

  Clock::time_point started{};     // on the run's clock
  Clock::time_point load_ended{};  // no new iteration started after this
  Clock::time_point ended{};       // every thread joined
  std::chrono::system_clock::time_point started_wall{};
  std::chrono::system_clock::time_point ended_wall{};

  // False when the plan ran to its end (dropped arrivals and failed iterations do not make a
  // run incomplete: they are results).
  bool incomplete = false;
  // Why the run is incomplete, "; "-separated: "stopped: SIGINT", "max_duration 10s reached
  // before the plan finished", "graceful stop deadline passed with 3 iterations in flight".
  std::string stop_reason;

  double requested_rate_per_s = 0;  // open: the profile's mean rate over the load phase; closed: 0
  double achieved_rate_per_s = 0;   // iterations started per second of the load phase

  std::int64_t arrivals = 0;  // open: intended arrivals whose time came; closed: 0
  std::int64_t iterations_started = 0;
  std::int64_t iterations_completed = 0;
  std::int64_t iterations_failed = 0;  // completed with an error class
  std::int64_t dropped = 0;            // open: no free virtual user within max_wait
  std::int64_t cancelled = 0;       // open: taken by a virtual user, not started because of a stop
  std::int64_t abandoned = 0;       // still running at the graceful-stop deadline
  std::int64_t max_active_vus = 0;  // most virtual users running an iteration at once
  std::int64_t vus_allocated = 0;   // virtual-user threads started

  std::chrono::nanoseconds load_duration() const noexcept { return load_ended - started; }
  std::chrono::nanoseconds duration() const noexcept { return ended - started; }
  // For the result file: every field, times as seconds since the start and ISO-8601 wall times.
  nlohmann::json to_json() const;
  // "open run checkout: 1000 arrivals, 990 started, 10 dropped (no free VU within the wait
  // bound: raise max_vus), 0 cancelled; requested 100/s, achieved 99/s; complete".
  std::string describe() const;
};

}  // namespace gauntlet

#pragma once
// What the engine measured beyond the recorder's RunMetrics: the uncorrected latency view, the
// status codes, its own scheduling lag and load, and whether it was the bottleneck itself.
#include <array>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/metrics/histogram.hpp"

namespace gauntlet {

inline constexpr int kMaxStatusCode = 599;

struct EngineStats {
  std::string engine;  // the transport that carried the requests: "native" or "curl"
  bool open_model = false;
  std::int64_t sent = 0;            // requests handed to the transport
  std::int64_t sent_in_window = 0;  // open model: of those, sent before the schedule's window ended
  std::int64_t completed = 0;       // finished, ok or failed (recorded)
  std::int64_t dropped = 0;         // open model: found no free connection within max_wait
  std::int64_t abandoned = 0;       // still in flight when the drain ended or the run was stopped
  std::int64_t connections_opened = 0;  // new connections made (keep-alive reuse shows)
  std::int64_t bytes_received = 0;      // response bodies
  std::array<std::int64_t, kMaxStatusCode + 1> status_counts{};  // index = status; 0 = none

  // Latency from the actual send (what wrk reports), next to the recorder's corrected view from
  // the intended start. Equal in the closed model.
  Histogram uncorrected;
  // Open model: from a request's intended start until the loop released it (the generator's own
  // lateness; waiting for a free connection is not included).
  Histogram scheduling_lag;

  std::chrono::nanoseconds send_window{0};  // from the start until the last request was released
  std::chrono::nanoseconds elapsed{0};      // from the start until the last thread finished
  double requested_rate_per_s = 0;          // open model: the profile's mean rate; 0 when closed
  // Open model: sent_in_window / send_window, so a generator that falls behind (sends late) or
  // drops shows below the requested rate. Closed model: sent / send_window.
  double achieved_rate_per_s = 0;
  std::vector<double> thread_busy;  // per loop thread: CPU time / wall time, 0..1
  std::int64_t peak_waiting = 0;    // open model: most requests waiting for a connection at once

  bool stopped = false;  // the stop token fired before the plan ended
  bool generator_bottleneck = false;
  std::string bottleneck_reason;  // a sentence, "" when the generator kept up

  // Merges another thread's figures (sums, maxima, histogram merge).
  void merge(const EngineStats& other);
  // {"sent":..,"status_counts":{"200":..},"uncorrected":{"p50_us":..,...,"histogram":{...}},
  //  "scheduling_lag":{...},"thread_busy":[..],"generator_bottleneck":..,...}
  nlohmann::json to_json() const;
};

// The percentiles every report lists: p50, p75, p90, p95, p99, p99.9, p99.99.
inline constexpr std::array<double, 7> kReportPercentiles = {50, 75, 90, 95, 99, 99.9, 99.99};

// {"p50_us":..,"p75_us":..,...,"p99.99_us":..,"max_us":..,"mean_us":..,"count":..}
nlohmann::json percentile_summary(const Histogram& histogram);

}  // namespace gauntlet

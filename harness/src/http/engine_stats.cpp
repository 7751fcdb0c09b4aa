#include "gauntlet/http/engine_stats.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace gauntlet {

void EngineStats::merge(const EngineStats& other) {
  if (engine.empty()) engine = other.engine;
  open_model = open_model || other.open_model;
  sent += other.sent;
  sent_in_window += other.sent_in_window;
  completed += other.completed;
  dropped += other.dropped;
  abandoned += other.abandoned;
  connections_opened += other.connections_opened;
  bytes_received += other.bytes_received;
  for (std::size_t i = 0; i < status_counts.size(); ++i) status_counts[i] += other.status_counts[i];
  uncorrected.merge(other.uncorrected);
  scheduling_lag.merge(other.scheduling_lag);
  send_window = std::max(send_window, other.send_window);
  elapsed = std::max(elapsed, other.elapsed);
  thread_busy.insert(thread_busy.end(), other.thread_busy.begin(), other.thread_busy.end());
  peak_waiting = std::max(peak_waiting, other.peak_waiting);
  stopped = stopped || other.stopped;
}

namespace {
std::string percentile_key(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p%g_us", p);
  return buf;
}
}  // namespace

nlohmann::json percentile_summary(const Histogram& histogram) {
  nlohmann::json out = nlohmann::json::object();
  out["count"] = histogram.total_count();
  for (double p : kReportPercentiles) out[percentile_key(p)] = histogram.value_at_percentile(p);
  out["max_us"] = histogram.max();
  out["mean_us"] = histogram.mean();
  return out;
}

nlohmann::json EngineStats::to_json() const {
  nlohmann::json codes = nlohmann::json::object();
  for (std::size_t i = 0; i < status_counts.size(); ++i) {
    if (status_counts[i] != 0)
      codes[i == 0 ? std::string("none") : std::to_string(i)] = status_counts[i];
  }
  nlohmann::json uncorrected_json = percentile_summary(uncorrected);
  uncorrected_json["histogram"] = uncorrected.to_json();
  nlohmann::json out = {
      {"engine", engine},
      {"model", open_model ? "open" : "closed"},
      {"sent", sent},
      {"sent_in_window", sent_in_window},
      {"completed", completed},
      {"dropped", dropped},
      {"abandoned", abandoned},
      {"connections_opened", connections_opened},
      {"bytes_received", bytes_received},
      {"status_counts", codes},
      {"uncorrected_latency", uncorrected_json},
      {"send_window_s", std::chrono::duration<double>(send_window).count()},
      {"elapsed_s", std::chrono::duration<double>(elapsed).count()},
      {"requested_rate_per_s", requested_rate_per_s},
      {"achieved_rate_per_s", achieved_rate_per_s},
      {"thread_busy", thread_busy},
      {"peak_waiting", peak_waiting},
      {"stopped", stopped},
      {"generator_bottleneck", generator_bottleneck},
      {"bottleneck_reason", bottleneck_reason},
  };
  if (open_model) out["scheduling_lag"] = percentile_summary(scheduling_lag);
  return out;
}

}  // namespace gauntlet

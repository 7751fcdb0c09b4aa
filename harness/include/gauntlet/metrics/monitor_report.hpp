#pragma once
// What the resource monitor saw during a run (monitor/resource_monitor.hpp makes it): per-process
// samples once an interval, the machine's free memory and load, each process's peaks and RSS
// slope, and the safety stop if a limit was crossed. Plain data; its JSON form is fixed (the
// canonical result's "monitor" object) and read back exactly.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gauntlet {

// One process at one instant. t_s counts from the monitor's start (the run's start).
struct ResourceSample {
  double t_s = 0;
  std::string process;
  double cpu_percent = 0;  // of one core, over the interval before the sample (200 = two cores)
  double rss_mb = 0;
  std::int64_t fds = 0;
  std::int64_t threads = 0;
};

// The machine at one instant.
struct MachineSample {
  double t_s = 0;
  double mem_available_mb = 0;  // /proc/meminfo MemAvailable
  double load1 = 0;             // the one-minute load average
};

struct ProcessPeaks {
  std::string name;
  std::int64_t pid = 0;
  double peak_rss_mb = 0;
  double peak_cpu_percent = 0;
  std::int64_t peak_fds = 0;
  std::int64_t peak_threads = 0;
  // The least-squares slope of RSS over time (MB per minute); 0 with fewer than 2 samples.
  double rss_slope_mb_per_min = 0;
};

// A safety limit crossed: the run was stopped through its StopSource.
struct SafetyStop {
  std::string limit;    // "max_memory_mb"
  std::string process;  // "mock-gateway", or "machine" / "run" for machine-wide limits
  double value = 0;     // the measured value, in the limit's unit
  double at_s = 0;      // seconds since the run's start
  std::string message;  // "stopped: mock-gateway RSS 1,130 MB > max_memory_mb 1,024 at 00:41"
};

struct MonitorReport {
  double interval_s = 1;
  std::vector<ProcessPeaks> processes;
  std::vector<ResourceSample> series;
  std::vector<MachineSample> machine;
  std::optional<SafetyStop> stopped;

  // nullptr when no process of that name was monitored.
  const ProcessPeaks* find(std::string_view name) const noexcept;
};

// The canonical JSON shape: {"interval_s", "processes": [...], "series": [...], "machine": [...],
// "stopped": null or {...}}. from_json throws nlohmann::json::exception on a malformed document.
void to_json(nlohmann::json& j, const MonitorReport& m);
void from_json(const nlohmann::json& j, MonitorReport& m);

}  // namespace gauntlet

#pragma once
// The resource monitor: samples, once an interval, the CPU %, RSS, open descriptors and threads of
// the load generator (this process) and of the pids it is given, plus the machine's free memory
// and load, from /proc. A process may also have its descendants (a postmaster's backends, a
// pool of workers) sampled as one group of their own: the sum of their RSS, descriptors,
// threads and CPU, re-read each sample as children come and go. When a safety limit is crossed it
// stops the run through the run's StopSource, once, saying which limit, which process, the value
// and when:
//   "stopped: mock-gateway RSS 1,130 MB > max_memory_mb 1,024 at 00:41"
// RAII: sampling starts in the constructor on its own thread and ends in finish() (or the
// destructor). Knows nothing of what the processes are.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/metrics/monitor_report.hpp"
#include "gauntlet/monitor/proc_stats.hpp"
#include "gauntlet/monitor/safety_limits.hpp"

namespace gauntlet {

struct MonitoredProcess {
  std::string name;  // "mock-gateway", "postgres"
  pid_t pid = 0;
  // This process's own memory, CPU, fd and growth limits, instead of MonitorOptions::limits'
  // (the run-wide ones, time and concurrency, are only read from there).
  std::optional<SafetyLimits> limits{};
  // When not empty, every descendant of `pid` (children, their children, ...) is also sampled,
  // summed as one more process of this name ("postgres-backends"): RSS, fds and threads are the
  // members' sums (RSS counts a page shared by two members twice), CPU the members' ticks over the
  // interval (a member's first sample adds none). The group has no limits unless given these.
  std::string children_name{};
  std::optional<SafetyLimits> children_limits{};
};

struct MonitorOptions {
  std::chrono::milliseconds interval{1000};
  std::string self_name = "generator";  // this process, always sampled
  std::vector<MonitoredProcess> processes;
  SafetyLimits limits;
  // The run's operations in flight, read at each sample; required by max_concurrent_operations.
  std::function<std::int64_t()> operations_in_flight;
  // memory_growth_rate_mb_per_sec is the RSS slope over this many of a process's last samples
  // (a long enough window that one allocation burst does not stop a run).
  int growth_window = 10;

  // Every problem (interval 10ms..1min, the limits, a missing probe, a nameless process, a pid
  // <= 0), each naming the field, the value and the limit; empty when valid.
  std::vector<std::string> validate() const;
};

// Where the figures come from: /proc by default, replaced in tests.
struct MonitorSources {
  std::function<std::optional<ProcSnapshot>(pid_t)> process = read_proc;
  std::function<MachineSnapshot()> machine = read_machine;
  // A process's direct children; nullopt when it does not exist.
  std::function<std::optional<std::vector<pid_t>>(pid_t)> children = read_children;
  double ticks_per_s = clock_ticks_per_s();
};

class ResourceMonitor {
 public:
  // Throws ConfigError (every problem of options.validate()) before sampling anything; otherwise
  // takes a first sample at once and one every interval after it.
  ResourceMonitor(MonitorOptions options, StopSource& stop, MonitorSources sources = {});
  ~ResourceMonitor();
  ResourceMonitor(const ResourceMonitor&) = delete;
  ResourceMonitor& operator=(const ResourceMonitor&) = delete;

  // Ends sampling (one last sample first) and returns the series, peaks, slopes and the safety
  // stop if one happened. Call once; later calls return the same report.
  MonitorReport finish();
  // The safety stop so far, if any (thread-safe).
  std::optional<SafetyStop> stopped() const;

 private:
  struct Tracked {
    std::string name;
    pid_t pid = 0;
    SafetyLimits limits;                     // its own, or the options' limits
    std::optional<std::int64_t> last_ticks;  // none before the first sample that read it
    std::vector<double> t_s;                 // its samples' times and RSS, for the growth rate
    std::vector<double> rss_mb;
    // A group of the descendants of `pid` (MonitoredProcess::children_name): its members' last
    // CPU ticks, by pid.
    bool group = false;
    std::map<pid_t, std::int64_t> member_ticks;
    // CPU ticks and seconds not yet turned into a percentage, and the last percentage: CPU is
    // measured over at least kMinCpuWindowTicks clock ticks of time (resource_monitor.cpp).
    std::int64_t cpu_ticks_pending = 0;
    double cpu_s_pending = 0;
    double cpu_percent = 0;
  };
  // The group's figures now, summed over the descendants of its pid; its CPU ticks are those
  // spent since the last sample by members seen then (the rest of `p.member_ticks` is renewed).
  // nullopt when its root process is gone.
  std::optional<ProcSnapshot> sample_group(Tracked& p);
  void loop();
  void sample();
  void sample_process(Tracked& p, double t_s, double elapsed_s);
  void check_process(const Tracked& p, const ResourceSample& s, double t_s);
  void check_run(double t_s);
  void trip(std::string limit, std::string process, double value, double limit_value,
            std::string what, std::string unit, double t_s);

  MonitorOptions options_;
  StopSource& stop_;
  MonitorSources sources_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_sample_;
  std::vector<Tracked> tracked_;
  MonitorReport report_;
  mutable std::mutex mutex_;  // report_ (stopped), done_
  std::condition_variable wake_;
  bool done_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace gauntlet

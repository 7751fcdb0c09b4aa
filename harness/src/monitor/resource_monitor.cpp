#include "gauntlet/monitor/resource_monitor.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <span>
#include <utility>

#include "gauntlet/config_error.hpp"
#include "gauntlet/monitor/leak_metrics.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

using Steady = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMinInterval{10};
constexpr std::chrono::milliseconds kMaxInterval{60'000};
// /proc counts CPU time in clock ticks (10 ms at the usual 100/s). Over a window of a few ms, one
// tick reads as hundreds of percent: the run's last sample, taken at finish() just after a
// regular one, once read 819% for a test binary and stopped a finished run on max_cpu_percent.
// A percentage is therefore computed over at least this many ticks' worth of time (100 ms), and
// a sample in a shorter window carries the last percentage while its ticks wait for the next.
constexpr double kMinCpuWindowTicks = 10;

// 1130.4 -> "1,130": a measured value for a stop message, rounded, thousands grouped.
std::string grouped(double value) {
  if (std::fabs(value) < 100 && std::fabs(value - std::round(value)) > 1e-9) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
  }
  std::string digits = std::to_string(static_cast<long long>(std::llround(std::fabs(value))));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return (value < 0 ? "-" : "") + digits;
}

// 41.3 -> "00:41"
std::string minutes_seconds(double t_s) {
  const auto total = static_cast<long long>(t_s);
  char text[32];
  std::snprintf(text, sizeof text, "%02lld:%02lld", total / 60, total % 60);
  return text;
}

double seconds_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::vector<std::string> MonitorOptions::validate() const {
  std::vector<std::string> problems = limits.validate();
  if (interval < kMinInterval || interval > kMaxInterval) {
    problems.push_back("monitor interval must be within " + format_duration(kMinInterval) + ".." +
                       format_duration(kMaxInterval) + ", but is " + format_duration(interval));
  }
  if (limits.max_concurrent_operations && !operations_in_flight) {
    problems.push_back(
        "safety limit max_concurrent_operations is set, but the monitor was given no "
        "operations_in_flight probe to read");
  }
  if (growth_window < 3) {
    problems.push_back("monitor growth_window must be >= 3 samples, but is " +
                       std::to_string(growth_window));
  }
  for (std::size_t i = 0; i < processes.size(); ++i) {
    const std::string field = "monitor processes[" + std::to_string(i) + "]";
    if (processes[i].name.empty()) problems.push_back(field + ".name must not be empty");
    if (processes[i].pid <= 0) {
      problems.push_back(field + ".pid must be > 0, but is " + std::to_string(processes[i].pid));
    }
    for (const auto* own : {&processes[i].limits, &processes[i].children_limits}) {
      if (!*own) continue;
      for (const std::string& p : (*own)->validate()) {
        problems.push_back(field + " (" + processes[i].name + "): " + p);
      }
    }
    if (processes[i].children_limits && processes[i].children_name.empty()) {
      problems.push_back(field +
                         ".children_limits are set, but children_name is empty (no group "
                         "of children is sampled)");
    }
  }
  return problems;
}

ResourceMonitor::ResourceMonitor(MonitorOptions options, StopSource& stop, MonitorSources sources)
    : options_(std::move(options)), stop_(stop), sources_(std::move(sources)) {
  Problems problems;
  for (const std::string& p : options_.validate()) problems.add(p);
  problems.throw_if_any();
  report_.interval_s = std::chrono::duration<double>(options_.interval).count();
  tracked_.push_back({options_.self_name, ::getpid(), options_.limits, {}, {}, {}, false, {}});
  for (const MonitoredProcess& p : options_.processes) {
    tracked_.push_back({p.name, p.pid, p.limits.value_or(options_.limits), {}, {}, {}, false, {}});
  }
  for (const MonitoredProcess& p : options_.processes) {
    if (p.children_name.empty()) continue;
    tracked_.push_back(
        {p.children_name, p.pid, p.children_limits.value_or(SafetyLimits{}), {}, {}, {}, true, {}});
  }
  start_ = Steady::now();
  last_sample_ = start_;
  thread_ = std::thread([this] { loop(); });
}

ResourceMonitor::~ResourceMonitor() { finish(); }

void ResourceMonitor::loop() {
  auto next = start_;
  std::unique_lock lock(mutex_);
  while (!done_) {
    lock.unlock();
    sample();
    lock.lock();
    next += options_.interval;
    wake_.wait_until(lock, next, [this] { return done_; });
  }
}

void ResourceMonitor::sample() {
  const auto now = Steady::now();
  const double t_s = seconds_between(start_, now);
  const double elapsed_s = seconds_between(last_sample_, now);
  last_sample_ = now;
  for (Tracked& p : tracked_) sample_process(p, t_s, elapsed_s);
  const MachineSnapshot m = sources_.machine();
  {
    const std::lock_guard lock(mutex_);
    report_.machine.push_back({t_s, m.mem_available_mb, m.load1});
  }
  check_run(t_s);
}

std::optional<ProcSnapshot> ResourceMonitor::sample_group(Tracked& p) {
  if (!sources_.children(p.pid)) return std::nullopt;
  // The descendants, breadth first; `seen` guards against a pid reused while we read.
  std::vector<pid_t> members;
  std::set<pid_t> seen{p.pid};
  std::vector<pid_t> frontier{p.pid};
  while (!frontier.empty()) {
    std::vector<pid_t> next;
    for (const pid_t parent : frontier) {
      for (const pid_t child : sources_.children(parent).value_or(std::vector<pid_t>{})) {
        if (!seen.insert(child).second) continue;
        members.push_back(child);
        next.push_back(child);
      }
    }
    frontier = std::move(next);
  }
  ProcSnapshot sum;
  std::map<pid_t, std::int64_t> ticks;
  for (const pid_t member : members) {
    const std::optional<ProcSnapshot> snap = sources_.process(member);
    if (!snap) continue;  // exited between the two reads
    sum.rss_kb += snap->rss_kb;
    sum.fds += snap->fds;
    sum.threads += snap->threads;
    if (const auto before = p.member_ticks.find(member); before != p.member_ticks.end()) {
      sum.cpu_ticks += std::max<std::int64_t>(0, snap->cpu_ticks - before->second);
    }
    ticks[member] = snap->cpu_ticks;
  }
  p.member_ticks = std::move(ticks);
  return sum;
}

void ResourceMonitor::sample_process(Tracked& p, double t_s, double elapsed_s) {
  // Gone (killed by a fault, say): no sample, and no CPU interval either.
  const std::optional<ProcSnapshot> snap = p.group ? sample_group(p) : sources_.process(p.pid);
  if (!snap) return;
  ResourceSample s{t_s,       p.name,       0, static_cast<double>(snap->rss_kb) / 1024.0,
                   snap->fds, snap->threads};
  // A group's ticks are already those of the interval (0 at its first sample).
  std::optional<std::int64_t> interval_ticks;
  if (p.group) {
    interval_ticks = snap->cpu_ticks;
  } else if (p.last_ticks) {
    interval_ticks = snap->cpu_ticks - *p.last_ticks;
  }
  if (interval_ticks) {
    p.cpu_ticks_pending += *interval_ticks;
    p.cpu_s_pending += elapsed_s;
  }
  if (p.cpu_s_pending >= kMinCpuWindowTicks / sources_.ticks_per_s) {
    const auto ticks = static_cast<double>(p.cpu_ticks_pending);
    p.cpu_percent = std::max(0.0, ticks / sources_.ticks_per_s / p.cpu_s_pending * 100.0);
    p.cpu_ticks_pending = 0;
    p.cpu_s_pending = 0;
  }
  s.cpu_percent = p.cpu_percent;
  p.last_ticks = snap->cpu_ticks;
  p.t_s.push_back(t_s);
  p.rss_mb.push_back(s.rss_mb);
  {
    const std::lock_guard lock(mutex_);
    report_.series.push_back(s);
  }
  check_process(p, s, t_s);
}

void ResourceMonitor::check_process(const Tracked& p, const ResourceSample& s, double t_s) {
  const SafetyLimits& l = p.limits;
  if (l.max_memory_mb && s.rss_mb > *l.max_memory_mb) {
    trip("max_memory_mb", p.name, s.rss_mb, *l.max_memory_mb, "RSS", " MB", t_s);
  }
  if (l.max_cpu_percent && s.cpu_percent > *l.max_cpu_percent) {
    trip("max_cpu_percent", p.name, s.cpu_percent, *l.max_cpu_percent, "CPU", "%", t_s);
  }
  if (l.max_fds && s.fds > *l.max_fds) {
    trip("max_fds", p.name, static_cast<double>(s.fds), static_cast<double>(*l.max_fds), "open fds",
         "", t_s);
  }
  const auto window = static_cast<std::size_t>(options_.growth_window);
  if (l.memory_growth_rate_mb_per_sec && p.t_s.size() >= window) {
    const std::span<const double> t(p.t_s.end() - static_cast<std::ptrdiff_t>(window), window);
    const std::span<const double> rss(p.rss_mb.end() - static_cast<std::ptrdiff_t>(window), window);
    const double rate = least_squares_slope(t, rss);
    if (rate > *l.memory_growth_rate_mb_per_sec) {
      trip("memory_growth_rate_mb_per_sec", p.name, rate, *l.memory_growth_rate_mb_per_sec,
           "RSS growth", " MB/s", t_s);
    }
  }
}

void ResourceMonitor::check_run(double t_s) {
  const SafetyLimits& l = options_.limits;
  if (l.max_execution_time) {
    const double limit_s = std::chrono::duration<double>(*l.max_execution_time).count();
    if (t_s > limit_s) trip("max_execution_time_seconds", "run", t_s, limit_s, "time", " s", t_s);
  }
  if (l.max_concurrent_operations && options_.operations_in_flight) {
    const auto in_flight = options_.operations_in_flight();
    if (in_flight > *l.max_concurrent_operations) {
      trip("max_concurrent_operations", "run", static_cast<double>(in_flight),
           static_cast<double>(*l.max_concurrent_operations), "operations in flight", "", t_s);
    }
  }
}

void ResourceMonitor::trip(std::string limit, std::string process, double value, double limit_value,
                           std::string what, std::string unit, double t_s) {
  // The run's stop reason is the body; the executor says "stopped: " before it.
  std::string body = process + " " + what + " " + grouped(value) + unit + " > " + limit + " " +
                     grouped(limit_value) + " at " + minutes_seconds(t_s);
  {
    const std::lock_guard lock(mutex_);
    if (report_.stopped) return;  // the first limit crossed is the one reported
    report_.stopped =
        SafetyStop{std::move(limit), std::move(process), value, t_s, "stopped: " + body};
  }
  stop_.request_stop(std::move(body));
}

std::optional<SafetyStop> ResourceMonitor::stopped() const {
  const std::lock_guard lock(mutex_);
  return report_.stopped;
}

MonitorReport ResourceMonitor::finish() {
  {
    const std::lock_guard lock(mutex_);
    if (finished_) return report_;
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  sample();  // the run's last moment
  const std::lock_guard lock(mutex_);
  finished_ = true;
  for (const Tracked& p : tracked_) {
    ProcessPeaks peaks{p.name, p.pid, 0, 0, 0, 0, rss_slope_mb_per_min(report_.series, p.name)};
    for (const ResourceSample& s : report_.series) {
      if (s.process != p.name) continue;
      peaks.peak_rss_mb = std::max(peaks.peak_rss_mb, s.rss_mb);
      peaks.peak_cpu_percent = std::max(peaks.peak_cpu_percent, s.cpu_percent);
      peaks.peak_fds = std::max(peaks.peak_fds, s.fds);
      peaks.peak_threads = std::max(peaks.peak_threads, s.threads);
    }
    report_.processes.push_back(peaks);
  }
  return report_;
}

}  // namespace gauntlet

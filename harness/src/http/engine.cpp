#include "gauntlet/http/engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "curl_options.hpp"
#include "engine_loop.hpp"
#include "gauntlet/http/target_check.hpp"
#include "gauntlet/text/exact_format.hpp"
#include "gauntlet/text/measured_format.hpp"
#include "native_http.hpp"

namespace gauntlet {
namespace {

using Steady = std::chrono::steady_clock;

// Share i of `total` split over `parts`: the first (total % parts) shares get one more.
std::int64_t share_of(std::int64_t total, int parts, int i) {
  return total / parts + (i < total % parts ? 1 : 0);
}

// Joins the loop threads and collects their results; the first exception wins.
struct LoopRuns {
  std::mutex mutex;
  std::condition_variable done_cv;
  int done = 0;
  std::exception_ptr error;
  std::vector<EngineStats> stats;
};

EngineProgress progress_of(const std::vector<std::unique_ptr<EngineLoop>>& loops,
                           Steady::duration elapsed) {
  EngineProgress p;
  p.elapsed = elapsed;
  for (const auto& loop : loops) {
    const LoopCounters& c = loop->counters();
    p.sent += c.sent.load(std::memory_order_relaxed);
    p.completed += c.completed.load(std::memory_order_relaxed);
    p.failed += c.failed.load(std::memory_order_relaxed);
    p.dropped += c.dropped.load(std::memory_order_relaxed);
    p.active_connections += c.in_flight.load(std::memory_order_relaxed);
  }
  return p;
}

// Self-validation: says when the numbers describe the generator rather than the target.
void judge_generator(const EngineOptions& options, EngineStats& stats) {
  std::vector<std::string> reasons;
  if (stats.open_model && stats.scheduling_lag.total_count() > 0) {
    const auto p99 = std::chrono::microseconds(stats.scheduling_lag.value_at_percentile(99));
    if (p99 > options.max_scheduling_lag) {
      reasons.push_back("its p99 scheduling lag (intended to actual send) was " +
                        format_duration_us(static_cast<double>(p99.count())) + ", above the " +
                        format_duration(options.max_scheduling_lag) + " bound");
    }
  }
  for (std::size_t i = 0; i < stats.thread_busy.size(); ++i) {
    if (stats.thread_busy[i] > options.max_thread_busy) {
      reasons.push_back("loop thread " + std::to_string(i) + " was busy on the CPU " +
                        format_percent(stats.thread_busy[i]) + " of the time (bound " +
                        format_percent(options.max_thread_busy) + ")");
    }
  }
  if (reasons.empty()) return;
  stats.generator_bottleneck = true;
  std::string text = "The load generator was the bottleneck, not (only) the target: ";
  for (std::size_t i = 0; i < reasons.size(); ++i) text += (i == 0 ? "" : "; ") + reasons[i];
  stats.bottleneck_reason = text + ". Add threads or cores, or lower the load.";
}

// The open model's window: the profile, cut by the duration and by the request count. Exact for
// a constant rate: n arrivals at r/s span n / r seconds.
std::chrono::nanoseconds open_window(const EngineOptions& options, const RateCurve& curve) {
  std::chrono::nanoseconds window = curve.duration();
  if (options.duration.count() > 0) window = std::min(window, options.duration);
  if (options.requests > 0) {
    if (const auto at = curve.arrival_time(options.requests)) window = std::min(window, *at);
  }
  return window;
}

}  // namespace

Engine::Engine(EngineOptions options, RequestSource source)
    : options_(std::move(options)), source_(std::move(source)) {
  Problems problems;
  options_.validate(problems);
  const std::string& url = source_.sample().url;
  if (url.empty()) problems.add("engine request URL is empty; give the target's URL.");
  if (!url.empty()) check_native(problems);
  problems.throw_if_any();
  require_http_version_support(options_.http_version);
}

void Engine::check_native(Problems& problems) const {
  const Request& sample = source_.sample();
  if (options_.kind == EngineKind::kNative &&
      !native_engine_supports(sample.url, options_.http_version)) {
    problems.add("engine.kind native carries plain-text http:// at http/1.1 only, got \"" +
                 sample.url + "\" at " + std::string(to_string(options_.http_version)) +
                 "; use the curl engine (or auto, which picks it).");
    return;
  }
  if (resolve_engine_kind(options_.kind, sample.url, options_.http_version) != EngineKind::kNative)
    return;
  try {
    const HttpTarget target = parse_http_target(sample.url);
    std::string head;
    write_request_head(sample, target.authority, target.path_query, head);
  } catch (const std::invalid_argument& e) {
    problems.add(std::string("engine request: ") + e.what() + ".");
  }
}

EngineRun Engine::run(std::stop_token stop, const ProgressFn& on_progress) {
  const int n = options_.threads;
  const Steady::time_point start = Steady::now();
  Recorder recorder({.start = start});
  std::optional<RateCurve> curve;
  if (options_.profile) curve.emplace(*options_.profile);
  std::vector<std::unique_ptr<EngineLoop>> loops;
  for (int i = 0; i < n; ++i) {
    LoopPlan plan;
    plan.index = i;
    plan.loops = n;
    plan.connections = static_cast<int>(share_of(options_.connections, n, i));
    plan.request_limit = curve ? options_.requests : share_of(options_.requests, n, i);
    plan.start = start;
    plan.send_deadline =
        options_.duration.count() > 0
            ? start + std::chrono::duration_cast<Steady::duration>(options_.duration)
            : Steady::time_point::max();
    plan.curve = curve ? &*curve : nullptr;
    if (curve)
      plan.window_end =
          start + std::chrono::duration_cast<Steady::duration>(open_window(options_, *curve));
    loops.push_back(std::make_unique<EngineLoop>(options_, source_, plan));
  }
  std::atomic<bool> stop_flag{false};
  const std::stop_callback on_stop(stop, [&] {
    stop_flag.store(true);
    for (const auto& loop : loops) loop->wake();
  });
  // Users as Locust counts them: the closed model's connections, each one a user that loops from
  // the start; the open model's requests in flight. Sampled at the start too, so that second 0
  // (and a run shorter than a second) has its count.
  const auto sample_users = [&](Steady::time_point at) {
    recorder.sample_active_vus(
        at, curve ? progress_of(loops, {}).active_connections : options_.connections);
  };
  sample_users(start);
  LoopRuns runs;
  runs.stats.resize(static_cast<std::size_t>(n));
  std::vector<std::jthread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        RecorderShard& shard = recorder.make_shard();
        runs.stats[static_cast<std::size_t>(i)] =
            loops[static_cast<std::size_t>(i)]->run(shard, stop_flag);
      } catch (...) {
        const std::lock_guard lock(runs.mutex);
        if (!runs.error) runs.error = std::current_exception();
        stop_flag.store(true);
        for (const auto& loop : loops) loop->wake();
      }
      const std::lock_guard lock(runs.mutex);
      ++runs.done;
      runs.done_cv.notify_all();
    });
  }
  {
    std::unique_lock lock(runs.mutex);
    // Just after each second boundary, so that the second that ended is complete in the recorder.
    for (auto tick = start + std::chrono::milliseconds(1100);; tick += std::chrono::seconds(1)) {
      if (runs.done_cv.wait_until(lock, tick, [&] { return runs.done == n; })) break;
      lock.unlock();
      const Steady::time_point now = Steady::now();
      sample_users(now);
      if (on_progress) {
        EngineProgress progress = progress_of(loops, now - start);
        const std::vector<SeriesPoint> series = recorder.live_series(now);
        if (!series.empty()) progress.last_second = series.back();
        on_progress(progress);
      }
      lock.lock();
    }
  }
  threads.clear();  // joins
  if (runs.error) std::rethrow_exception(runs.error);
  EngineStats stats = summarise(runs.stats, curve ? &*curve : nullptr, start);
  return {std::move(stats), recorder.finish()};
}

EngineStats Engine::summarise(std::vector<EngineStats>& per_loop, const RateCurve* curve,
                              std::chrono::steady_clock::time_point start) const {
  EngineStats total = std::move(per_loop.front());
  for (std::size_t i = 1; i < per_loop.size(); ++i) total.merge(per_loop[i]);
  total.elapsed = Steady::now() - start;
  if (curve != nullptr) {
    std::chrono::nanoseconds window = open_window(options_, *curve);
    if (total.stopped) window = std::min(window, total.send_window);
    total.send_window = window;
    total.requested_rate_per_s =
        window.count() > 0
            ? curve->arrivals_by(window) / std::chrono::duration<double>(window).count()
            : 0;
  }
  const double window_s = std::chrono::duration<double>(total.send_window).count();
  const std::int64_t counted = curve != nullptr ? total.sent_in_window : total.sent;
  total.achieved_rate_per_s = window_s > 0 ? static_cast<double>(counted) / window_s : 0;
  judge_generator(options_, total);
  return total;
}

}  // namespace gauntlet

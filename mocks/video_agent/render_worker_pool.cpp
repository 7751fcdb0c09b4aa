#include "render_worker_pool.hpp"

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/backoff.hpp"

namespace gauntlet::mocks {
namespace {

using Steady = std::chrono::steady_clock;

void require_positive(std::chrono::milliseconds v, const char* field, Problems& problems) {
  if (v.count() <= 0)
    problems.add(std::string(field) + " must be > 0ms, got " + std::to_string(v.count()) + "ms");
}

}  // namespace

void RenderWorkerOptions::validate() const {
  Problems problems;
  if (workers < 0 || workers > 256)
    problems.add("workers must be in 0..256, got " + std::to_string(workers));
  if (!(cost_scale >= 0.0))
    problems.add("cost_scale must be >= 0, got " + std::to_string(cost_scale));
  require_positive(poll_interval, "poll_interval", problems);
  require_positive(heartbeat_interval, "heartbeat_interval", problems);
  require_positive(reap_interval, "reap_interval", problems);
  require_positive(retry_base, "retry_base", problems);
  if (stale_after <= heartbeat_interval) {
    problems.add("stale_after must be longer than heartbeat_interval (" +
                 std::to_string(heartbeat_interval.count()) + "ms), got " +
                 std::to_string(stale_after.count()) + "ms");
  }
  problems.throw_if_any();
}

RenderWorkerPool::RenderWorkerPool(RenderJobStore& store, RenderWorkerOptions options,
                                   MetricsRegistry& metrics, Logger& logger)
    : store_(store),
      options_((options.validate(), std::move(options))),
      logger_(logger),
      succeeded_(metrics.counter("video_agent_jobs_total", "Render attempts by outcome.",
                                 {{"outcome", "succeeded"}})),
      failed_attempts_(metrics.counter("video_agent_jobs_total", "Render attempts by outcome.",
                                       {{"outcome", "failed"}})),
      lost_leases_(metrics.counter("video_agent_jobs_total", "Render attempts by outcome.",
                                   {{"outcome", "lost_lease"}})),
      reaped_(metrics.counter("video_agent_reaped_total",
                              "Running jobs requeued after their worker stopped heartbeating.")),
      render_seconds_(
          metrics.histogram("video_agent_render_seconds", "Wall time of successful renders.")) {}

RenderWorkerPool::~RenderWorkerPool() { stop(); }

void RenderWorkerPool::start() {
  threads_.start(options_.workers, [this](int index) { run_worker(index); });
}

void RenderWorkerPool::stop() { threads_.stop(); }

void RenderWorkerPool::wake() { threads_.wake(); }

void RenderWorkerPool::maybe_reap(Steady::time_point now) {
  {
    std::lock_guard lock(reap_mutex_);
    if (now - last_reap_ < options_.reap_interval) return;
    last_reap_ = now;
  }
  const int n = store_.reap(options_.stale_after);
  if (n > 0) {
    reaped_.inc(static_cast<std::uint64_t>(n));
    logger_.warn("requeued render jobs with a stale heartbeat", {{"jobs", n}});
  }
}

void RenderWorkerPool::run_worker(int index) {
  const std::string worker = options_.worker_prefix + "-" + std::to_string(index);
  Backoff backoff({.base = options_.retry_base, .cap = options_.retry_base * 50, .multiplier = 2.0},
                  options_.seed + static_cast<std::uint64_t>(index));
  for (;;) {
    try {
      maybe_reap(Steady::now());
      const std::optional<ClaimedJob> job = store_.claim(worker);
      if (!job) {
        if (!threads_.idle_wait(options_.poll_interval)) return;
        continue;
      }
      const auto started = Steady::now();
      const Outcome outcome = render(*job, worker);
      if (outcome == Outcome::kSucceeded) {
        succeeded_.inc();
        render_seconds_.observe(std::chrono::duration<double>(Steady::now() - started).count());
      } else if (outcome == Outcome::kFailed) {
        failed_attempts_.inc();
        const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
            backoff.next_delay(static_cast<std::uint32_t>(job->attempts - 1)));
        if (!store_.fail(*job, worker,
                         "encode failed (simulated, attempt " + std::to_string(job->attempts) + ")",
                         delay)) {
          lost_leases_.inc();
        }
      } else if (outcome == Outcome::kLostLease) {
        lost_leases_.inc();
      } else {
        store_.release(*job, worker);
        return;
      }
    } catch (const std::exception& e) {
      // The database is down or the pool is exhausted: log, back off, keep the worker alive.
      logger_.error("render worker error", {{"worker", worker}, {"error", e.what()}});
      if (!threads_.idle_wait(options_.poll_interval)) return;
    }
  }
}

RenderWorkerPool::Outcome RenderWorkerPool::render(const ClaimedJob& job,
                                                   const std::string& worker) {
  auto last_beat = Steady::now();
  int done = 0;
  bool lost = false;
  for (const RenderStage& stage : render_stages()) {
    if (!store_.heartbeat(job.id, worker, stage.name, done)) return Outcome::kLostLease;
    last_beat = Steady::now();
    const auto d = stage_duration(stage, job.spec, options_.cost_scale);
    if (!wait_in_stage(job, worker, d, stage.name, done, last_beat, lost)) {
      return lost ? Outcome::kLostLease : Outcome::kStopped;
    }
    if (stage.name == "encode" && job.attempts <= job.spec.fail_attempts) return Outcome::kFailed;
    ++done;
  }
  return store_.complete(job, worker) ? Outcome::kSucceeded : Outcome::kLostLease;
}

bool RenderWorkerPool::wait_in_stage(const ClaimedJob& job, const std::string& worker,
                                     std::chrono::microseconds d, std::string_view stage,
                                     int stages_done, Steady::time_point& last_beat, bool& lost) {
  const auto end = Steady::now() + d;
  for (;;) {
    const auto now = Steady::now();
    if (now >= end) return true;
    if (now - last_beat >= options_.heartbeat_interval) {
      if (!store_.heartbeat(job.id, worker, stage, stages_done)) {
        lost = true;
        return false;
      }
      last_beat = now;
    }
    const auto until = std::min(end, last_beat + options_.heartbeat_interval);
    if (!threads_.sleep_until(until)) return false;
  }
}

}  // namespace gauntlet::mocks

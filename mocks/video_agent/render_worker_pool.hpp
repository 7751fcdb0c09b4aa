#pragma once
// video-agent's workers: N threads, each claiming one render job at a time from the store, running
// the pipeline stages (simulated by waiting, see render_pipeline.hpp) with a heartbeat between
// and during stages, and writing the video. Each worker also reaps, at most every reap_interval,
// running jobs whose heartbeat went stale (their worker died), so a crashed process's jobs are
// picked up by the survivors.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/worker_threads.hpp"
#include "render_job_store.hpp"

namespace gauntlet::mocks {

struct RenderWorkerOptions {
  int workers = 2;                              // 0 disables rendering (enqueue/status only)
  std::string worker_prefix = "video-agent";    // worker ids are <prefix>-<index>
  double cost_scale = 1.0;                      // multiplies every stage's duration
  std::chrono::milliseconds poll_interval{50};  // idle wait between empty claims
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds stale_after{5000};  // heartbeat age after which a job is reaped
  std::chrono::milliseconds reap_interval{1000};
  std::chrono::milliseconds retry_base{200};  // backoff base between failed attempts
  std::uint64_t seed = 1;

  // Throws ConfigError listing every bad field (workers 0..256, intervals > 0, stale_after >
  // heartbeat_interval, cost_scale >= 0).
  void validate() const;
};

class RenderWorkerPool {
 public:
  // Validates the options. `store`, `metrics` and `logger` must outlive the pool.
  RenderWorkerPool(RenderJobStore& store, RenderWorkerOptions options, MetricsRegistry& metrics,
                   Logger& logger);
  ~RenderWorkerPool();  // stop()
  RenderWorkerPool(const RenderWorkerPool&) = delete;
  RenderWorkerPool& operator=(const RenderWorkerPool&) = delete;

  void start();
  // Asks the workers to stop and joins them. A job in the middle of a stage is given back to the
  // queue (its attempt not counted). Idempotent.
  void stop();
  // Wakes idle workers at once (a job was just enqueued).
  void wake();

  const RenderWorkerOptions& options() const noexcept { return options_; }

 private:
  enum class Outcome { kSucceeded, kFailed, kLostLease, kStopped };

  void run_worker(int index);
  Outcome render(const ClaimedJob& job, const std::string& worker);
  // Waits `d` unless stopping; heartbeats when due. False if stopping or the lease was lost.
  bool wait_in_stage(const ClaimedJob& job, const std::string& worker, std::chrono::microseconds d,
                     std::string_view stage, int stages_done,
                     std::chrono::steady_clock::time_point& last_beat, bool& lost);
  void maybe_reap(std::chrono::steady_clock::time_point now);

  RenderJobStore& store_;
  const RenderWorkerOptions options_;
  Logger& logger_;
  Counter& succeeded_;
  Counter& failed_attempts_;
  Counter& lost_leases_;
  Counter& reaped_;
  Histogram& render_seconds_;

  std::mutex reap_mutex_;
  std::chrono::steady_clock::time_point last_reap_{};
  WorkerThreads threads_;
};

}  // namespace gauntlet::mocks

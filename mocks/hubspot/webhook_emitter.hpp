#pragma once
// Sends HubSpot-style webhook batches for EmitPlans, each job on its own worker threads, and
// counts what happened. A batch is POSTed as a JSON array of events with the v3 signature
// (X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp) and the v1 signature
// (X-HubSpot-Signature, X-HubSpot-Signature-Version: v1). The v3 URI is
// "http://" + Host header + request target (exactly what the receiver sees), after
// HubSpotSignature::decode_v3_uri.
// Any non-2xx answer, timeout or connection failure is retried per the plan's backoff until
// max_retries; then the batch counts as failed. Each attempt uses a fresh connection, so every
// attempt is counted exactly once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "emit_plan.hpp"
#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"

namespace gauntlet::mocks {

class WebhookEmitter {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  static constexpr std::size_t kMaxRunningJobs = 16;

  // `seed` drives the backoff jitter; event ids start from `first_event_id` (the service uses
  // the start time in ms * 1000, so ids stay unique across a restart of the mock).
  WebhookEmitter(Logger& logger, MetricsRegistry& metrics, std::uint64_t seed,
                 std::int64_t first_event_id, WallClock wall_clock = {});
  ~WebhookEmitter();  // stops every job and joins its threads
  WebhookEmitter(const WebhookEmitter&) = delete;
  WebhookEmitter& operator=(const WebhookEmitter&) = delete;

  // Starts a job; returns {"job_id","first_event_id","events"}. Throws ConfigError when
  // kMaxRunningJobs are already running.
  nlohmann::json start(const EmitPlan& plan);
  // Stops every job: no new batches, no more retries; batches not yet acknowledged or failed
  // count as abandoned. Blocks until the job threads are done (at most one timeout).
  void stop_all();
  // True when no job has anything left to send.
  bool idle() const;
  // Totals over all jobs plus a summary per job; with `with_ids`, the event ids sent (attempted
  // at least once) and acknowledged.
  nlohmann::json deliveries(bool with_ids) const;
  // Forgets finished jobs and their counts. Throws ConfigError while a job is running.
  void reset();

  class Job;

 private:
  Logger& logger_;
  MetricsRegistry& metrics_;
  WallClock wall_clock_;
  mutable std::mutex mutex_;
  std::uint64_t seed_;
  std::int64_t next_event_id_;
  std::vector<std::unique_ptr<Job>> jobs_;
};

}  // namespace gauntlet::mocks

#pragma once
// video-agent's queue in PostgreSQL (render_jobs, see mocks/schema/0003 and 0201). Every method is
// one short transaction on a pooled connection; callers on many threads share one store.
//
// Claiming is FOR UPDATE SKIP LOCKED, so concurrent workers (threads or processes) never take the
// same job and never wait on each other. A claimed job is leased to its worker: the worker renews
// heartbeat_at, and every write it makes is conditional on still holding the lease
// (status = 'running' AND locked_by = worker), so a worker that was presumed dead and reaped can
// no longer finish the job a second time.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gauntlet/pg/connection_pool.hpp"
#include "render_pipeline.hpp"

namespace gauntlet::mocks {

struct RenderJobRequest {
  std::optional<std::int64_t> blueprint_id;  // render this blueprint, or
  std::optional<std::int64_t> campaign_id;   // create a blueprint for this campaign from prompt
  std::string prompt;
  std::string idempotency_key;  // empty: a fresh one is generated (no dedup)
  int priority = 0;             // -100..100, higher first
  int max_attempts = 3;         // 1..20
  RenderSpec spec;

  // From a POST body; `header_key` is the Idempotency-Key header ("" if absent), used when the
  // body has no idempotency_key. Throws ConfigError listing every bad field.
  static RenderJobRequest from_json(const nlohmann::json& body, std::string_view header_key);
};

struct EnqueueResult {
  std::int64_t id = 0;
  bool created = false;  // false: the idempotency key named an existing job
};

struct ClaimedJob {
  std::int64_t id = 0;
  std::int64_t blueprint_id = 0;
  int attempts = 0;  // including this one
  int max_attempts = 0;
  RenderSpec spec;
};

class RenderJobStore {
 public:
  explicit RenderJobStore(ConnectionPool& pool) : pool_(pool) {}

  // Inserts a queued job (and its blueprint when given campaign_id + prompt). Throws
  // HttpError(404) when the blueprint or campaign does not exist.
  EnqueueResult enqueue(const RenderJobRequest& request);
  // Takes the most urgent due job for `worker` (status running, attempts + 1), or nullopt.
  std::optional<ClaimedJob> claim(const std::string& worker);
  // Renews the lease and records progress. False when the lease was lost (the job was reaped).
  bool heartbeat(std::int64_t id, const std::string& worker, std::string_view stage,
                 int stages_done);
  // Writes the video and marks the job succeeded, in one transaction. Returns the video id, or
  // nullopt when the lease was lost (nothing is written then).
  std::optional<std::int64_t> complete(const ClaimedJob& job, const std::string& worker);
  // Records a failed attempt: queued again after `retry_delay`, or failed for good once attempts
  // reached max_attempts. False when the lease was lost.
  bool fail(const ClaimedJob& job, const std::string& worker, const std::string& error,
            std::chrono::milliseconds retry_delay);
  // Gives a job back to the queue at once without counting the attempt (a graceful shutdown).
  // False when the lease was lost.
  bool release(const ClaimedJob& job, const std::string& worker);
  // Requeues (or fails, when out of attempts) running jobs whose heartbeat is older than
  // `stale_after`: their worker died. Returns how many.
  int reap(std::chrono::milliseconds stale_after);
  // The job as the status endpoint shows it, or nullopt if there is none.
  std::optional<nlohmann::json> status(std::int64_t id);
  // Jobs per status: {"queued":n,"running":n,"succeeded":n,"failed":n}.
  nlohmann::json counts();

 private:
  ConnectionPool& pool_;
};

}  // namespace gauntlet::mocks

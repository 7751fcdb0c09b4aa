#pragma once
// The SafeExecutor: meta-publisher's workers. Each claims one pending change at a time, turns it
// into a Graph API call (budget step capping and fuzz, see budget_step.hpp), waits for the shared
// rate limit plus a random jitter, calls Meta with the change id as Idempotency-Key, and records
// the outcome (ad_change_store.hpp): applied -> history; throttled -> rescheduled by Meta's own
// estimate (no attempt counted); transient failure -> retried with exponential backoff and full
// jitter; out of attempts or a permanent error -> dead letter.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "ad_change_store.hpp"
#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/token_bucket.hpp"
#include "gauntlet/mocks/url.hpp"
#include "gauntlet/mocks/worker_threads.hpp"
#include "meta_outcome.hpp"

namespace gauntlet::mocks {

struct SafeExecutorOptions {
  std::string meta_graph_url = "http://127.0.0.1:8010";
  std::string graph_version = "v19.0";
  std::string access_token = "mock-token";
  int workers = 2;  // 0: accept changes, apply none
  std::string worker_prefix = "meta-publisher";
  int max_attempts = 5;                  // failed attempts before the dead letter
  double rate_per_s = 20.0;              // calls to Meta per second, all workers together
  double burst = 5.0;                    // token bucket capacity
  std::chrono::milliseconds jitter{50};  // uniform [0, jitter] extra wait before each call
  double budget_step_cap = 0.2;          // max relative budget change per applied step
  double budget_fuzz = 0.1;              // intermediate steps fall up to this fraction short
  std::chrono::milliseconds budget_step_interval{1000};  // wait before the follow-up step
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds poll_interval{50};
  std::chrono::milliseconds retry_base{500};
  std::chrono::milliseconds retry_cap{60'000};
  std::chrono::milliseconds request_timeout{10'000};
  ThrottlePolicy throttle;
  std::uint64_t seed = 1;

  // Throws ConfigError listing every bad field.
  void validate() const;
  // The knobs a checker bounds its figures with (/__admin/stats' meta_publisher.executor):
  // max_attempts, retry_base_ms, retry_cap_ms, jitter_ms, poll_ms, rate_per_s, burst,
  // budget_step_cap, budget_fuzz, budget_step_interval_ms, throttle_min_wait_ms, regain_scale.
  nlohmann::json to_json() const;
};

class SafeExecutor {
 public:
  // Validates the options (ConfigError, also for a meta_graph_url that is not loopback http).
  // `store`, `metrics` and `logger` must outlive the executor.
  SafeExecutor(AdChangeStore& store, SafeExecutorOptions options, MetricsRegistry& metrics,
               Logger& logger);
  ~SafeExecutor();  // stop()
  SafeExecutor(const SafeExecutor&) = delete;
  SafeExecutor& operator=(const SafeExecutor&) = delete;

  void start();
  // Stops the workers after their current call; a claimed change keeps its lease and is picked
  // up again when the lease expires. Idempotent.
  void stop();
  void wake();

  const SafeExecutorOptions& options() const noexcept { return options_; }

 private:
  struct Worker;
  struct MetaCall {
    std::string object_id;
    nlohmann::json params;
    AppliedChange applied;  // what recording the success will write
  };

  void run_worker(int index);
  void process(Worker& w, const ClaimedChange& change);
  // What to send to Meta for `change`; throws std::invalid_argument for a change that can never
  // be applied (an unpublished campaign).
  MetaCall plan_call(const ClaimedChange& change) const;
  MetaOutcome call_meta(Worker& w, const ClaimedChange& change, const MetaCall& call);
  // Waits for a rate-limit token and the jitter; false if stopping.
  bool pace(Worker& w);
  void record_outcome(Worker& w, const ClaimedChange& change, const MetaCall& call,
                      const MetaOutcome& outcome);

  AdChangeStore& store_;
  const SafeExecutorOptions options_;
  const Url meta_base_;
  Logger& logger_;
  MetricsRegistry& metrics_;

  std::mutex bucket_mutex_;
  TokenBucket bucket_;

  WorkerThreads threads_;
};

}  // namespace gauntlet::mocks

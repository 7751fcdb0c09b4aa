#pragma once
// What the heavy-load tests (tests/stress/heavy_*.cpp, one binary `stress_heavy`, label heavy)
// share: one platform for the binary, the fixture with the resource monitor on every platform
// process, and the gateway's prediction path, the cheapest call that crosses gateway, ml-service
// and PostgreSQL.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "fixtures/checkers/breaking_point_check.hpp"
#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/overload_evidence.hpp"
#include "fixtures/checkers/refusal_check.hpp"
#include "fixtures/creative_flow.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_actions.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {

class FeedbackUnderOverload;
class PidWatch;

class HeavyStress : public StressFixture {
 protected:
  // The monitor on this process and every platform process, sampling every
  // `monitor_interval` (250ms / 500ms / 1s), with the scale's safety limits, given to each
  // platform process as its own (MonitorOptions::limits then bind the generator only).
  MonitorOptions platform_monitor();
  // Declares each rss_slope.<process> and p99_drift as figures, so thresholds may name them.
  static void declare_leak_figures(Plan& plan, const MonitorOptions& monitor);
  // What every feedback-overload run shares: the platform monitor with the run's operations in
  // flight bounded by `max_in_flight` (the generator's growth limit loosened: it makes hundreds
  // of clients in its first seconds; the services keep the scale's as their own), and after the
  // load the integrity of `ledger` against `campaign`, the pids and the refusal share.
  RunOptions overload_options(const FeedbackUnderOverload& feedback, const Ledger& ledger,
                              const TestCampaign& campaign, const PidWatch& pids,
                              std::int64_t max_in_flight);
};

// POST /api/v1/predictions through the gateway for the campaign; the response as it came.
Response post_prediction(Client& client, const std::string& gateway, std::int64_t campaign_id,
                         std::int64_t n);
// One prediction as a step: a 201 passes, anything else fails with the answer's class.
void prediction_step(IterationContext& ctx, Client& client, const std::string& gateway,
                     std::int64_t campaign_id);

// Feedback events written through the gateway by a load that may exceed what the platform admits:
// a 201 goes into the ledger (counter "accepted"); a 429/503 is a refusal ("refusals") that must
// be fast and well-formed (fixtures/checkers/refusal_check.hpp), else it counts as
// "refusals_malformed" and fails the iteration; any other answer fails it. Counts the requests in
// flight (for the monitor's max_concurrent_operations) and the share of answers that were clean
// refusals (the figure "refusal_share").
class FeedbackUnderOverload {
 public:
  FeedbackUnderOverload(std::string gateway, std::int64_t campaign_id, Ledger& ledger,
                        std::chrono::nanoseconds fast);
  // One event, `event` its id, as the step "feedback".
  void step(IterationContext& ctx, Client& client, const std::string& event);
  std::int64_t in_flight() const { return in_flight_.load(); }
  Figure refusal_share() const;
  // Declares the counters, "refusal_share", "pids_changed" and the integrity figures on `plan`,
  // and adds the thresholds every such run holds: errors, malformed refusals, integrity, pids.
  static void declare(Plan& plan);

 private:
  std::string gateway_;
  std::int64_t campaign_id_;
  Ledger& ledger_;
  std::chrono::nanoseconds fast_;
  std::atomic<std::int64_t> in_flight_{0};
  RefusalTally tally_;
};

// The gateway's per-key rate limit lowered for one test through POST /__admin/rate_limit
// (docs/platform-api/gateway.md), and restored to its flags' values (DELETE) when this goes out
// of scope. Throws std::runtime_error when the gateway refuses the change.
class GatewayRateLimit {
 public:
  GatewayRateLimit(const Platform& platform, double rate_per_s, double burst);
  ~GatewayRateLimit();
  GatewayRateLimit(const GatewayRateLimit&) = delete;
  GatewayRateLimit& operator=(const GatewayRateLimit&) = delete;

 private:
  std::string url_;
};

// The same pids still run every managed service (nothing crashed and was restarted): the figure
// "pids_changed" (0 when none), with the services whose pid changed as examples.
class PidWatch {
 public:
  explicit PidWatch(const Platform& platform);
  Figure changed() const;

 private:
  const Platform& platform_;
  std::vector<std::pair<Service, pid_t>> before_;
};

}  // namespace gauntlet

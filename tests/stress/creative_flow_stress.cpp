// Creative generation under load, through the gateway as a client would drive it: upload an asset,
// ingest the video (scene extraction), predict its CTR, ask the AI Council for a blueprint,
// render it (polling the generation until it is done) and queue an ad change that meta-publisher
// applies on the Meta mock. Every render job and ad change the platform acknowledged goes into
// the ledger; after the load, the checkers compare it with the database and Meta's log (lost,
// duplicated, unexpected, stuck, audit gaps), and the server gates add the database's and the
// services' side. Labels: orchestration, critical, creative.
#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/creative_flow.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

struct FlowSize {
  std::int64_t vus = 1;
  std::int64_t flows = 1;
};

class CreativeFlowStress : public StressFixture {
 protected:
  FlowSize size() {
    return {param("vus", {2, 4, 20}, 1, 200), param("flows", {4, 24, 2000}, 1, 100'000)};
  }
  // How long one render may take before the iteration counts it as a timeout.
  std::chrono::nanoseconds render_timeout() {
    return param("render_timeout", {30s, 60s, 120s}, 1s, 1h);
  }

  // The thresholds every run of the flow holds: latency of the whole flow and of its slowest
  // step, the error rate, integrity, and the server gates.
  Plan plan(const std::string& name, FlowSize s, std::vector<std::string> thresholds) const {
    Plan p{.name = name,
           .model = ClosedModel{.vus = s.vus, .iterations = s.flows},
           .thresholds = std::move(thresholds)};
    add_platform_checks(p, PlatformEnvironment::platform());
    p.metrics.push_back({"render_wait", MetricKind::kTrend});
    p.metrics.push_back({"ad_changes_queued", MetricKind::kCounter});
    return p;
  }

  // The run's tag, campaign, ledger and clients (fixtures/flow_run.hpp).
  FlowRunOptions flow_options(FlowSize s) const {
    return {.vus = s.vus,
            .authorization = PlatformEnvironment::platform().seed().authorization(),
            .ledger_entries = static_cast<std::size_t>(s.flows) * 2};
  }

  // Runs the flow; the fault, the extra checks and any wrong state are the FlowRun's.
  RunResult run_flow(FlowRun& run_of, const Plan& p, RunOptions options = {}) {
    const std::string gateway = run_of.platform().url(Service::kGateway);
    const auto timeout = render_timeout();
    return run(
        p,
        [&](IterationContext& ctx) {
          creative_flow(ctx, run_of.client(ctx), gateway, run_of.campaign(), run_of.ledger(),
                        run_of.tag() + "-" + std::to_string(ctx.iteration()), timeout);
        },
        run_of.arm(std::move(options)));
  }
};

TEST_F(CreativeFlowStress, HoldsLatencyAndLosesNothing) {
  const FlowSize s = size();
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s));
  run_flow(flow,
           plan("creative", s,
                {"p(95)<30s", "error_rate<1%", "council: p(95)<5s", "render_wait: p(95)<20s"}));
}

// video-agent SIGKILLed while renders are in flight: the supervisor restarts it, the jobs it had
// claimed are reclaimed once their heartbeat is stale, and each finishes exactly once.
TEST_F(CreativeFlowStress, FailureVideoAgentKilledMidRunLosesNoRender) {
  GAUNTLET_REQUIRE_MANAGED(Service::kVideoAgent);
  const FlowSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  std::optional<double> restart_s;
  const auto kill_and_wait = [&] {
    std::this_thread::sleep_for(1s);  // renders are under way
    const auto killed_at = std::chrono::steady_clock::now();
    const pid_t old = platform.kill9(Service::kVideoAgent);
    if (platform.wait_restarted(Service::kVideoAgent, old, 30s)) {
      restart_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
    }
  };
  RunOptions options;
  options.label = "video_agent_killed";
  // Errors are expected while video-agent is down; integrity is not negotiable, and the restart
  // time is a figure of its own (missing, and so failing, when it never came back).
  Plan p = plan("creative-video-agent-killed", s, {"error_rate<50%", "video_agent_restart_s<30"});
  p.metrics.push_back({"video_agent_restart_s", MetricKind::kFigure});
  FlowRun flow(platform, flow_options(s));
  flow.during(kill_and_wait);
  flow.check([&] {
    std::vector<Figure> out;
    if (restart_s) out.push_back({"video_agent_restart_s", *restart_s, {}});
    return out;
  });
  run_flow(flow, p, options);
}

// What the platform must hold while titan-core fails 30% of its calls: the gateway's retries
// (3 attempts, 50 ms backoff base) and its breaker end every council call within 2 s, failed or
// not (a call that waits out the fault instead fails "council: max<2s"); the fault stays at
// titan-core (the steps behind the other services keep error_rate<1%); flows still get through
// between the breaker's openings (success_rate>0); and integrity, as every run.
const std::vector<std::string> kTitanCoreFaultThresholds = {
    "council: max<2s", "upload: error_rate<1%", "scenes: error_rate<1%", "predict: error_rate<1%",
    "success_rate>0"};

// titan-core answers 30% of calls with 503 for the whole run. The gateway retries each call (3
// attempts) and counts consecutive failures toward its breaker, which opens for --breaker-open-ms
// at a time: measured here, about three council calls in four then fail fast with "circuit open".
// What must hold: kTitanCoreFaultThresholds, and nothing the platform acknowledged is lost or
// applied twice.
TEST_F(CreativeFlowStress, FailureTitanCoreFailing30PercentIsRetriedAndLosesNothing) {
  const FlowSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  Client admin;
  const Response set = admin.post_json(platform.url(Service::kTitanCore) + "/__admin/faults",
                                       {{"error_rate", 0.3}, {"error_status", 503}});
  ASSERT_EQ(set.status, 200) << set.body;
  RunOptions options;
  options.label = "titan_core_30pct";
  FlowRun flow(platform, flow_options(s));
  run_flow(flow, plan("creative-titan-core-failing", s, kTitanCoreFaultThresholds), options);
}

// Self-test of kTitanCoreFaultThresholds: the same 30% failures, but every titan-core call also
// held 2.5 s (a council that waits instead of failing fast) must FAIL "council: max<2s".
TEST_F(CreativeFlowStress, SelftestTitanCoreFaultThresholdFailsWhenCouncilsHang) {
  const FlowSize s{.vus = 1, .flows = 1};
  Platform& platform = PlatformEnvironment::platform();
  Client admin;
  const Response set =
      admin.post_json(platform.url(Service::kTitanCore) + "/__admin/faults",
                      {{"error_rate", 0.3}, {"error_status", 503}, {"latency_ms", 2500}});
  ASSERT_EQ(set.status, 200) << set.body;
  FlowRun flow(platform, flow_options(s));
  const RunResult r =
      run_flow(flow, plan("creative-selftest-titan-core-slow", s, kTitanCoreFaultThresholds),
               red_run_options("titan_core_slow"));
  const auto t =
      std::find_if(r.thresholds.begin(), r.thresholds.end(),
                   [](const ThresholdOutcome& o) { return o.expression == "council: max<2s"; });
  ASSERT_NE(t, r.thresholds.end());
  EXPECT_EQ(t->verdict, Verdict::kFail) << t->detail;
}

// Self-test: one of the run's render jobs set back to 'running' after the load (its heartbeat an
// hour ahead, so no reaper takes it) must turn the run red on stuck == 1: a job the platform
// leaves unfinished is found, whatever the rest of the flow did.
TEST_F(CreativeFlowStress, SelftestStuckRenderJobTurnsTheRunRed) {
  const FlowSize s{.vus = 1, .flows = 2};
  Platform& platform = PlatformEnvironment::platform();
  FlowRunOptions o = flow_options(s);
  o.drain_bound = 3s;  // the stuck job waits the whole drain out
  FlowRun flow(platform, o);
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "a render job set back to running",
                    "UPDATE render_jobs SET status = 'running', locked_by = 'gauntlet-selftest', "
                    "heartbeat_at = now() + interval '1 hour', finished_at = NULL WHERE id = "
                    "(SELECT j.id FROM render_jobs j JOIN blueprints b ON b.id = j.blueprint_id "
                    "WHERE b.campaign_id = $1::bigint AND j.status = 'succeeded' ORDER BY j.id "
                    "LIMIT 1) RETURNING id::text",
                    std::to_string(flow.campaign().id));
  });
  const RunResult r =
      run_flow(flow, plan("creative-selftest-stuck", s, {}), red_run_options("stuck_render_job"));
  expect_red_on(r, "stuck", 1);
}

}  // namespace
}  // namespace gauntlet

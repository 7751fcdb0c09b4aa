// The video processing pipeline under load, driven at drive-intel and video-agent directly (not
// through the gateway), many videos in flight: ingestion with scene detection and feature
// extraction (drive-intel), the scenes read back and checked to tile the video, the pro modules
// (titan-core's creative DNA, ml-service's prediction from the video's features), and rendering
// (a video-agent job per video, polled until it ends; every fourth submitted twice with the same
// idempotency key). Each stage is a step. Every ingested video must end rendered exactly once:
// the render jobs go into the ledger and the checkers look for lost, duplicated (two jobs for one
// key, two rendered videos for one job), unexpected and stuck jobs. Labels: feature, video.
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

struct PipelineSize {
  std::int64_t vus = 1;
  std::int64_t videos = 1;
  std::int64_t render_seconds = 4;  // the rendered video's length: how long a job holds a worker
};

struct Urls {
  std::string drive_intel, video_agent, titan_core, ml_service;
};

// The scenes must tile the video: each starts where the one before ended, the first at 0, the
// last ends at the video's length, and each carries the features the pro modules read. The
// first problem, or "" when there is none.
std::string tiling_problem(const json& scenes, std::int64_t duration_ms) {
  std::int64_t at = 0;
  for (const json& scene : scenes) {
    if (scene.at("start_ms").get<std::int64_t>() != at) {
      return "scene " + scene.at("scene_index").dump() + " starts at " +
             scene.at("start_ms").dump() + ", expected " + std::to_string(at);
    }
    at = scene.at("end_ms").get<std::int64_t>();
    const json& features = scene.at("features");
    for (const char* key : {"objects", "ocr_text", "speech", "motion", "brightness", "faces"}) {
      if (!features.contains(key)) return "scene features lack " + std::string(key);
    }
  }
  if (scenes.empty()) return "no scenes";
  if (at != duration_ms) {
    return "the last scene ends at " + std::to_string(at) + ", the video at " +
           std::to_string(duration_ms);
  }
  return "";
}

class VideoPipelineStress : public StressFixture {
 protected:
  PipelineSize size() {
    return {param("vus", {4, 8, 32}, 1, 500), param("videos", {8, 48, 3000}, 1, 1'000'000)};
  }
  std::chrono::nanoseconds render_timeout() {
    return param("render_timeout", {30s, 60s, 120s}, 1s, 1h);
  }

  Plan plan(const std::string& name, ClosedModel model, std::vector<std::string> thresholds) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = std::move(thresholds)};
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    p.metrics.push_back({"render_wait", MetricKind::kTrend});
    p.metrics.push_back({"render_resubmits", MetricKind::kCounter});
    return p;
  }

  // The run's campaign (made by the test, whose fault reads it), ledger and clients. A
  // duration-bound load has no iteration count: the ledger is sized for a generous rate.
  static FlowRunOptions flow_options(const PipelineSize& s, const TestCampaign& campaign) {
    return {.vus = s.vus,
            .client = {.timeout = 10s},
            .ledger_entries = static_cast<std::size_t>(s.videos) + 4096,
            .campaign = campaign};
  }

  RunResult run_flow(FlowRun& flow, const Plan& p, const PipelineSize& s, RunOptions options = {}) {
    const Platform& platform = flow.platform();
    const Urls urls{platform.url(Service::kDriveIntel), platform.url(Service::kVideoAgent),
                    platform.url(Service::kTitanCore), platform.url(Service::kMlService)};
    const auto timeout = render_timeout();
    return run(
        p,
        [&](IterationContext& ctx) {
          pipeline(ctx, flow.client(ctx), urls, flow.campaign(), flow.tag(), flow.ledger(), timeout,
                   s.render_seconds);
        },
        flow.arm(std::move(options)));
  }

  static void pipeline(IterationContext& ctx, Client& client, const Urls& urls,
                       const TestCampaign& campaign, const std::string& tag, Ledger& ledger,
                       std::chrono::nanoseconds timeout, std::int64_t render_seconds) {
    const std::string name = tag + "-" + std::to_string(ctx.iteration());
    const std::int64_t duration_ms = 10'000 + 1'000 * (ctx.iteration() % 20);
    const json video = ctx.step("ingest", [&] {
      return expect_json(
          client.post_json(
              urls.drive_intel + "/v1/videos",
              {{"source_ref", name}, {"duration_ms", duration_ms}, {"campaign_id", campaign.id}}),
          201, "POST /v1/videos");
    });
    const std::string video_id = video.at("id").dump();
    ctx.step("scenes", [&] {
      const json scenes =
          expect_json(client.get(urls.drive_intel + "/v1/videos/" + video_id + "/scenes"), 200,
                      "GET /v1/videos/{id}/scenes");
      const std::string problem = tiling_problem(scenes.at("scenes"), duration_ms);
      if (!problem.empty()) throw StepFailure(ErrorClass::kBodyMismatch, problem);
    });
    ctx.step("dna", [&] {
      expect_json(
          client.post_json(urls.titan_core + "/v1/dna/extract", {{"video_id", video.at("id")}}),
          201, "POST /v1/dna/extract");
    });
    ctx.step("predict", [&] {
      expect_json(client.post_json(urls.ml_service + "/v1/predictions",
                                   {{"video_id", video.at("id")}, {"campaign_id", campaign.id}}),
                  201, "POST /v1/predictions");
    });
    render(ctx, client, urls.video_agent, campaign, name, ledger, timeout, render_seconds);
  }

  // Submits the render job (idempotency key = the video's name; every fourth submitted twice,
  // the second must name the same job), then polls it until it ends.
  static void render(IterationContext& ctx, Client& client, const std::string& video_agent,
                     const TestCampaign& campaign, const std::string& name, Ledger& ledger,
                     std::chrono::nanoseconds timeout, std::int64_t render_seconds) {
    const json request = {{"campaign_id", campaign.id},
                          {"prompt", "Render " + name},
                          {"duration_s", render_seconds},
                          {"idempotency_key", name}};
    // Resent with its key until answered: a job created by an attempt whose answer was lost
    // (video-agent killed) is named by the next attempt (200, created false).
    const json job = ctx.step("render_submit", [&] {
      const Response r = until_answered(
          ctx, [&] { return client.post_json(video_agent + "/v1/render-jobs", request); },
          {200, 202}, 30s, "render_submit_retries");
      return expect_json(r, r.status == 200 ? 200 : 202, "POST /v1/render-jobs");
    });
    const std::string id = job.at("id").dump();
    ledger.append(ledger_kind::kRenderJob, id, name);
    if (ctx.iteration() % 4 == 0) {
      ctx.step("render_resubmit", [&] {
        const json again = expect_json(client.post_json(video_agent + "/v1/render-jobs", request),
                                       200, "POST /v1/render-jobs (same key)");
        if (again.at("id").dump() != id) {
          throw StepFailure(ErrorClass::kBodyMismatch, "one idempotency key made jobs " + id +
                                                           " and " + again.at("id").dump());
        }
      });
      ctx.count("render_resubmits");
    }
    const auto submitted = ctx.clock().now();
    ctx.step("render", [&] {
      for (;;) {
        const json state =
            expect_json(until_answered(
                            ctx, [&] { return client.get(video_agent + "/v1/render-jobs/" + id); },
                            {200}, timeout, "render_poll_retries"),
                        200, "GET /v1/render-jobs/{id}");
        const std::string status = state.value("status", "");
        if (status == "succeeded") {
          if (!state.value("video", json()).is_object()) {
            throw StepFailure(ErrorClass::kBodyMismatch,
                              "job " + id + " succeeded without a video");
          }
          return;
        }
        if (status == "failed") {
          throw StepFailure(ErrorClass::kBodyMismatch,
                            "job " + id + " failed: " + state.value("last_error", json()).dump());
        }
        if (ctx.clock().now() - submitted > timeout || ctx.stop_requested()) {
          throw StepFailure(ErrorClass::kTimeout, "job " + id + " still " + status);
        }
        ctx.clock().sleep_until(ctx.clock().now() + 50ms);
      }
    });
    ctx.trend("render_wait", ctx.clock().now() - submitted);
  }
};

TEST_F(VideoPipelineStress, RendersEveryIngestedVideoOnce) {
  const PipelineSize s = size();
  const TestCampaign campaign =
      create_test_campaign(PlatformEnvironment::platform(), make_run_tag());
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s, campaign));
  run_flow(flow,
           plan("video-pipeline", ClosedModel{.vus = s.vus, .iterations = s.videos},
                {"error_rate<1%", "ingest: p(95)<1s", "scenes: p(95)<300ms", "dna: p(95)<1s",
                 "predict: p(95)<500ms", "render_wait: p(95)<20s"}),
           s);
}

// video-agent SIGKILLed while its workers hold jobs: the supervisor restarts it, the jobs it had
// claimed are reclaimed once their heartbeat is stale (--stale-after-ms), and each ends with
// exactly one rendered video (no double completion). The restart time is a figure.
TEST_F(VideoPipelineStress, FailureRenderWorkerKilledReclaimsWithoutDoubleCompletion) {
  GAUNTLET_REQUIRE_MANAGED(Service::kVideoAgent);
  PipelineSize s = size();
  // Ten-minute videos: at the platform's cost scale a job then holds a worker for about 240 ms,
  // so some are always running when the kill comes.
  s.render_seconds = 600;
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  std::optional<double> restart_s;
  std::int64_t held_at_kill = 0;
  const auto kill = [&] {
    std::this_thread::sleep_for(1s);  // renders are under way
    // Kill while a worker holds one of the test's jobs (running), looking for up to 5 s.
    pqxx::connection conn(platform.database_url());
    for (int i = 0; i < 250 && held_at_kill == 0; ++i) {
      pqxx::read_transaction tx(conn);
      held_at_kill = tx.exec_params1(
                           "SELECT count(*) FROM render_jobs j JOIN blueprints b ON "
                           "b.id = j.blueprint_id WHERE j.status = 'running' AND "
                           "b.campaign_id = $1",
                           campaign.id)[0]
                         .as<std::int64_t>();
      if (held_at_kill == 0) std::this_thread::sleep_for(20ms);
    }
    const auto killed_at = std::chrono::steady_clock::now();
    const pid_t old = platform.kill9(Service::kVideoAgent);
    if (platform.wait_restarted(Service::kVideoAgent, old, 30s)) {
      restart_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
    }
  };
  Plan p =
      plan("video-pipeline-worker-killed",
           ClosedModel{.vus = s.vus, .duration = param("fault_load_for", {4s, 10s, 60s}, 1s, 1h)},
           {"error_rate<50%", "video_agent_restart_s<30", "jobs_held_at_kill>=1"});
  p.metrics.push_back({"video_agent_restart_s", MetricKind::kFigure});
  p.metrics.push_back({"jobs_held_at_kill", MetricKind::kFigure});
  RunOptions options;
  options.label = "video_agent_killed";
  FlowRun flow(platform, flow_options(s, campaign));
  flow.during(kill);
  flow.check([&] {
    std::vector<Figure> out;
    if (restart_s) out.push_back({"video_agent_restart_s", *restart_s, {}});
    out.push_back({"jobs_held_at_kill", static_cast<double>(held_at_kill), {}});
    return out;
  });
  run_flow(flow, p, s, options);
}

// Self-test: one of the run's acknowledged render jobs deleted after the load must turn the run
// red on lost == 1: a write the platform acknowledged and then lost is found.
TEST_F(VideoPipelineStress, SelftestLostRenderJobTurnsTheRunRed) {
  const PipelineSize s{.vus = 2, .videos = 2};
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  FlowRun flow(platform, flow_options(s, campaign));
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "an acknowledged render job deleted",
                    "DELETE FROM render_jobs WHERE id = (SELECT j.id FROM render_jobs j JOIN "
                    "blueprints b ON b.id = j.blueprint_id WHERE b.campaign_id = $1::bigint "
                    "ORDER BY j.id LIMIT 1) RETURNING id::text",
                    std::to_string(campaign.id));
  });
  const RunResult r = run_flow(
      flow, plan("video-pipeline-selftest-lost", ClosedModel{.vus = 2, .iterations = 2}, {}), s,
      red_run_options("lost_render_job"));
  expect_red_on(r, "lost", 1);
}

}  // namespace
}  // namespace gauntlet

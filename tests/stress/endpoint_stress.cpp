// The platform team's Locust guide, as gtest tests: one fixture, EndpointStress, one test per
// scenario (named so that --gtest_filter picks one the way Locust's --tags does:
// 'EndpointStress.Health', 'EndpointStress.*Upload*') and one per load shape (ShapeBaseline,
// ShapeStress, ShapeSpike, ShapeEndurance, each with a CTest label of its own). Every run also
// writes Locust's CSV files (<results>/locust/<Suite>.<Test>_stats.csv, _stats_history.csv,
// _failures.csv, _exceptions.csv) so a Locust user's scripts read them, and the seed's
// PASS/WARN/FAIL verdict (fixtures/seed_verdict.hpp) beside our thresholds. Label: endpoint.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_actions.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/seed_verdict.hpp"
#include "fixtures/server_gates.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/build_paths.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"
#include "gauntlet/load/open_model.hpp"
#include "gauntlet/report/csv_reporter.hpp"
#include "gauntlet/report/result_file.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

// A step's response-time target from the guide.
struct Target {
  std::string step;
  milliseconds target;
};

// Our thresholds for the seed's FAIL edge: the step's p95 at most twice its target, errors at
// most 1% (the seed's WARN edge is computed by seed_verdict, see the header).
std::vector<std::string> seed_thresholds(const std::vector<Target>& targets) {
  std::vector<std::string> out = {"error_rate<=1%"};
  for (const Target& t : targets) {
    out.push_back(t.step + ": p(95)<=" + std::to_string(2 * t.target.count()) + "ms");
    out.push_back(t.step + ": error_rate<=1%");
  }
  return out;
}

// Locust's exceptions table: what ended iterations by an exception in the scenario's own code
// (our `exception` class), with its count; HTTP failures are in _failures.csv as in Locust.
std::string exceptions_csv(const RunResult& result) {
  std::ostringstream out;
  out << "Count,Message,Traceback,Nodes\n";
  const auto write = [&](const StepStats& s) {
    const ErrorStats& e = s.errors[static_cast<std::size_t>(ErrorClass::kException)];
    if (e.count == 0) return;
    std::string message = s.name + ": " + (e.samples.empty() ? "" : e.samples.front());
    std::replace(message.begin(), message.end(), '"', '\'');
    out << e.count << ",\"" << message << "\",\"\",\"local\"\n";
  };
  for (const StepStats& s : result.metrics.steps) write(s);
  if (result.metrics.steps.empty()) write(result.metrics.iteration);
  return out.str();
}

// The slowest of a percentile and a step's own error rate, from a finished result.
std::chrono::microseconds step_percentile(const RunResult& result, const std::string& step,
                                          double percentile) {
  const StepStats* s = result.metrics.find(step);
  return std::chrono::microseconds(s ? s->latency.value_at_percentile(percentile) : 0);
}

class EndpointStress : public StressFixture {
 protected:
  void SetUp() override {
    Platform& platform = PlatformEnvironment::platform();
    gateway_ = platform.url(Service::kGateway);
    campaign_ = create_test_campaign(platform, make_run_tag());
    ledger_ = std::make_unique<Ledger>(campaign_.tag, 100'000);
    std::ifstream in(build_paths::source_dir() / "test-data" / "prompts.json");
    ASSERT_TRUE(in) << "test-data/prompts.json is missing";
    prompts_ = json::parse(in).at("prompts");
    ASSERT_FALSE(prompts_.empty());
  }

  // A generation body from test-data/prompts.json, filed under the test's own campaign (the
  // file's campaign ids are the guide's, not rows of this platform).
  json generation_body(std::int64_t i) const {
    const json& p = prompts_.at(static_cast<std::size_t>(i) % prompts_.size());
    json body = {{"campaign_id", campaign_.id}, {"prompt", p.at("prompt")}};
    for (const char* key : {"duration_s", "width", "height"}) {
      if (p.contains(key)) body[key] = p.at(key);
    }
    return body;
  }

  // POST /api/v1/generations: 202, the render job in the ledger; returns the generation's id.
  std::string submit(IterationContext& ctx, Client& client) {
    const json g = ctx.step("submit", [&] {
      return expect_json(
          client.post_json(gateway_ + "/api/v1/generations", generation_body(ctx.iteration())), 202,
          "POST /api/v1/generations");
    });
    const std::string id = g.at("id").get<std::string>();
    if (g.value("render_job_id", json()).is_number()) {
      ledger_->append(ledger_kind::kRenderJob, g.at("render_job_id").dump(), "generation:" + id);
    }
    return id;
  }

  json poll(IterationContext& ctx, Client& client, const std::string& id) {
    return ctx.step("poll", [&] {
      return expect_json(client.get(gateway_ + "/api/v1/generations/" + id), 200,
                         "GET /api/v1/generations/{id}");
    });
  }

  void health(IterationContext& ctx, Client& client) {
    ctx.step("health", [&] { expect_json(client.get(gateway_ + "/health"), 200, "GET /health"); });
  }

  Plan plan(const std::string& name, std::variant<ClosedModel, OpenModel> model,
            const std::vector<Target>& targets, bool writes,
            std::vector<std::string> more = {}) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = seed_thresholds(targets)};
    for (std::string& t : more) p.thresholds.push_back(std::move(t));
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    if (writes) add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    return p;
  }

  // Runs the plan, then writes Locust's CSV files and prints and records the seed's verdict.
  // With `monitor`, the resource monitor watches the run (its leak and drift figures join).
  RunResult run_endpoint(const Plan& p, const std::vector<Target>& targets, bool writes,
                         const Scenario& scenario, std::optional<MonitorOptions> monitor = {},
                         const std::string& slowest_of = {}) {
    Platform& platform = PlatformEnvironment::platform();
    ServerGates gates(platform);
    RunOptions options;
    options.monitor = std::move(monitor);
    options.after_load = [&] {
      std::vector<Figure> figures;
      if (writes) {
        figures = check_platform_integrity(*ledger_, IntegrityScope::of(platform, campaign_),
                                           {.bound = 60s});
      }
      for (Figure& f : gates.finish()) figures.push_back(std::move(f));
      return figures;
    };
    const RunResult result = run(p, scenario, options);
    write_locust_files(result);
    SeedVerdict verdict = SeedVerdict::kPass;
    std::ostringstream said;
    for (const Target& t : targets) {
      const StepStats* s = result.metrics.find(t.step);
      const auto measured = step_percentile(result, t.step, t.step == slowest_of ? 100 : 95);
      const SeedVerdict v = seed_verdict(measured, t.target, s ? s->error_rate() : 1.0);
      verdict = worst(verdict, v);
      said << " " << t.step << "=" << to_string(v) << " (" << measured.count() / 1000.0 << " ms vs "
           << t.target.count() << " ms)";
    }
    std::cout << "seed verdict " << to_string(verdict) << ":" << said.str() << "\n";
    RecordProperty("seed_verdict", std::string(to_string(verdict)));
    return result;
  }

  void write_locust_files(const RunResult& result) const {
    const auto dir = results_dir() / "locust";
    std::filesystem::create_directories(dir);
    const std::string prefix = (dir / result.name).string();
    write_csv_files(prefix, result);
    write_file_atomically(prefix + "_exceptions.csv", exceptions_csv(result));
  }

  // A Locust user of the guide: health three times as often as a submission, and polling its
  // last generation twice as often (the guide's task weights 3 : 1 : 2).
  void mixed_user(IterationContext& ctx, Client& client, std::vector<std::string>& last_ids) {
    const auto pick = ctx.vu_iteration() % 6;
    std::string& last = last_ids.at(static_cast<std::size_t>(ctx.vu_id()));
    if (pick < 3 || (pick >= 4 && last.empty())) {
      health(ctx, client);
    } else if (pick == 3) {
      last = submit(ctx, client);
    } else {
      poll(ctx, client, last);
    }
  }

  // A Locust user waits between tasks (the guide's `wait_time`); without it a closed model
  // submits hundreds of renders a second, far beyond the guide's users.
  std::chrono::nanoseconds think_time() { return param("think", {100ms, 200ms, 1s}, 0ns, 1min); }

  RunResult run_shape(const std::string& name, ClosedModel model, std::int64_t most_vus,
                      std::vector<std::string> more = {},
                      std::optional<MonitorOptions> monitor = {}) {
    const std::vector<Target> targets = {{"health", 50ms}, {"submit", 500ms}, {"poll", 200ms}};
    VuClients clients(most_vus, PlatformEnvironment::platform().seed().authorization());
    std::vector<std::string> last_ids(static_cast<std::size_t>(most_vus));
    model.think_time = think_time();
    Plan p = plan(name, std::move(model), targets, true, std::move(more));
    if (monitor) {
      for (const char* f : {"p99_drift", "error_rate_drift"}) {
        p.metrics.push_back({f, MetricKind::kFigure});
      }
    }
    return run_endpoint(
        p, targets, true,
        [&](IterationContext& ctx) { mixed_user(ctx, clients.of(ctx), last_ids); },
        std::move(monitor));
  }

  std::string gateway_;
  TestCampaign campaign_;
  std::unique_ptr<Ledger> ledger_;
  json prompts_;
};

// --- the scenarios --------------------------------------------------------------------------

// GET /health at a constant 100/s (open model): p95 < 50 ms, no errors.
TEST_F(EndpointStress, Health) {
  const double rate = number_param("health_rate", {50, 100, 100}, 1, 100'000);
  const auto duration = param("health_for", {3s, 6s, 10min}, 1s, 24h);
  VuClients clients(20, "");
  const std::vector<Target> targets = {{"health", 50ms}};
  run_endpoint(
      plan(
          "health",
          OpenModel{.profile = ConstantRate{rate, duration}, .pre_allocated_vus = 4, .max_vus = 20},
          targets, false, {"dropped==0"}),
      targets, false, [&](IterationContext& ctx) { health(ctx, clients.of(ctx)); });
}

// POST /api/v1/generations with the guide's prompts, 5 users ramping to `submit_users` (closed
// model): p95 < 500 ms.
TEST_F(EndpointStress, GenerationSubmit) {
  const auto most = param("submit_users", {8, 20, 20}, 5, 1000);
  const auto duration = param("submit_for", {3s, 6s, 10min}, 2s, 24h);
  VuClients clients(most, PlatformEnvironment::platform().seed().authorization());
  const std::vector<Target> targets = {{"submit", 500ms}};
  run_endpoint(
      plan("generation-submit",
           ClosedModel{.vus = 5,
                       .stages = std::vector<Stage>{{duration / 2, most}, {duration / 2, most}},
                       .think_time = think_time()},
           targets, true),
      targets, true, [&](IterationContext& ctx) { submit(ctx, clients.of(ctx)); });
}

// GET /api/v1/generations/{id}: 10 users, each polling its own generation every `poll_every`
// (the guide's 5 s; shorter at smoke so that the run has polls to measure): p95 < 200 ms.
TEST_F(EndpointStress, StatusPolling) {
  const auto users = param("poll_users", {10, 10, 10}, 1, 1000);
  const auto every = param("poll_every", {500ms, 1s, 5s}, 10ms, 1min);
  const auto duration = param("poll_for", {3s, 6s, 10min}, 1s, 24h);
  Client setup;
  setup.set_default_header(
      {"Authorization", PlatformEnvironment::platform().seed().authorization()});
  std::vector<std::string> ids;
  for (std::int64_t i = 0; i < users; ++i) {
    const json g =
        expect_json(setup.post_json(gateway_ + "/api/v1/generations", generation_body(i)), 202,
                    "POST /api/v1/generations (setup)");
    ids.push_back(g.at("id").get<std::string>());
    ledger_->append(ledger_kind::kRenderJob, g.at("render_job_id").dump(),
                    "generation:" + ids.back());
  }
  VuClients clients(users, PlatformEnvironment::platform().seed().authorization());
  const std::vector<Target> targets = {{"poll", 200ms}};
  run_endpoint(
      plan("status-polling", ClosedModel{.vus = users, .duration = duration, .think_time = every},
           targets, true),
      targets, true, [&](IterationContext& ctx) {
        poll(ctx, clients.of(ctx), ids.at(static_cast<std::size_t>(ctx.vu_id())));
      });
}

// POST /api/v1/assets/upload of a 5 MB file made at run time (random bytes, never committed),
// 3 at once: each under 10 s.
TEST_F(EndpointStress, AssetUpload) {
  const auto uploads = param("uploads", {3, 6, 60}, 1, 100'000);
  const auto bytes = param("upload_bytes", {5'000'000, 5'000'000, 5'000'000}, 1, 10'000'000);
  std::string file(static_cast<std::size_t>(bytes), '\0');
  std::mt19937_64 rng(42);
  for (char& c : file) c = static_cast<char>(rng());
  VuClients clients(3, PlatformEnvironment::platform().seed().authorization(), {.timeout = 60s});
  const std::vector<Target> targets = {{"upload", 10'000ms}};
  // The guide's target is per upload: every one under 10 s (max), not a percentile.
  run_endpoint(
      plan("asset-upload", ClosedModel{.vus = 3, .iterations = uploads}, targets, false,
           {"upload: max<10s"}),
      targets, false,
      [&](IterationContext& ctx) {
        ctx.step("upload", [&] {
          const json a =
              expect_json(clients.of(ctx).send_binary(
                              "POST",
                              gateway_ + "/api/v1/assets/upload?filename=" + campaign_.tag + "-" +
                                  std::to_string(ctx.iteration()) + ".bin",
                              file, "application/octet-stream"),
                          201, "POST /api/v1/assets/upload");
          if (a.value("size_bytes", std::int64_t{0}) != bytes) {
            throw StepFailure(ErrorClass::kBodyMismatch, "stored " + a.dump());
          }
        });
      },
      {}, "upload");
}

// Submit -> poll until rendered -> download the rendered video's record (GET
// /api/v1/videos/{id}), 3 at once: at least 90% succeed.
TEST_F(EndpointStress, EndToEnd) {
  const auto flows = param("e2e_flows", {3, 9, 90}, 1, 100'000);
  VuClients clients(3, PlatformEnvironment::platform().seed().authorization());
  const std::vector<Target> targets = {{"submit", 500ms}, {"poll", 200ms}, {"download", 200ms}};
  Plan p = plan("end-to-end", ClosedModel{.vus = 3, .iterations = flows}, targets, true,
                {"success_rate>=90%"});
  // The guide's bar for the whole flow is 90% success; our error thresholds are the seed's 1%.
  run_endpoint(p, targets, true, [&](IterationContext& ctx) {
    Client& client = clients.of(ctx);
    const std::string id = submit(ctx, client);
    json g;
    for (const auto began = ctx.clock().now();;
         ctx.clock().sleep_until(ctx.clock().now() + 100ms)) {
      g = poll(ctx, client, id);
      if (g.value("status", "") == "succeeded") break;
      if (g.value("status", "") == "failed" || ctx.clock().now() - began > 30s) {
        throw StepFailure(ErrorClass::kBodyMismatch, "generation " + g.dump());
      }
    }
    ctx.step("download", [&] {
      expect_json(client.get(gateway_ + "/api/v1/videos/" + g.at("video").at("id").dump()), 200,
                  "GET /api/v1/videos/{id}");
    });
  });
}

// --- the load shapes (CTest labels baseline, stress2x, spike, endurance) ----------------------

TEST_F(EndpointStress, ShapeBaseline) {
  const auto users = param("baseline_users", {5, 5, 5}, 1, 10'000);
  run_shape("shape-baseline",
            ClosedModel{.vus = users, .duration = param("baseline_for", {3s, 6s, 10min}, 1s, 24h)},
            users);
}

TEST_F(EndpointStress, ShapeStress) {
  const auto users = 2 * param("baseline_users", {5, 5, 5}, 1, 10'000);
  run_shape("shape-stress",
            ClosedModel{.vus = users, .duration = param("stress_for", {3s, 6s, 10min}, 1s, 24h)},
            users);
}

// 0 -> peak in `spike_ramp` (the guide's minute), hold, back to 0.
TEST_F(EndpointStress, ShapeSpike) {
  const auto peak = param("spike_users", {10, 20, 50}, 1, 10'000);
  const auto ramp = param("spike_ramp", {1s, 2s, 1min}, 1s, 1h);
  const auto hold = param("spike_hold", {1s, 2s, 5min}, 1s, 24h);
  run_shape(
      "shape-spike",
      ClosedModel{.vus = 0, .stages = std::vector<Stage>{{ramp, peak}, {hold, peak}, {ramp, 0}}},
      peak);
}

// Constant users for the scale's duration under the resource monitor: the p99 and error-rate
// drift between the first and the last third of the run's seconds (monitor/leak_metrics.hpp, the
// same figures as the heavy sustained test's) are thresholds, and each platform process's RSS
// slope is in the result.
TEST_F(EndpointStress, ShapeEndurance) {
  const auto users = param("baseline_users", {5, 5, 5}, 1, 10'000);
  const auto duration = param("endurance_for", {6s, 10s, 30min}, 3s, 24h);
  run_shape("shape-endurance", ClosedModel{.vus = users, .duration = duration}, users,
            {"p99_drift<3", "error_rate_drift<=0.01"},
            monitor_options(platform_processes(PlatformEnvironment::platform())));
}

}  // namespace
}  // namespace gauntlet

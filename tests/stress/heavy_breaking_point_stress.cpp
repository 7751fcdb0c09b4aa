// Breaking points. The gateway's prediction path: open-model runs at increasing arrival rates
// (steps, then bisection), each a normal result of its own (label level-<rate>), until p99, the
// error rate or dropped arrivals fail. The creative flow: closed-model runs at increasing numbers
// of users, each user driving whole flows (upload .. render .. publish) back to back, until the
// flow's p99, its error rate or its integrity (lost, duplicated, stuck work) fail. Each reports
// the highest sustainable level, the knee and the curve (the result's "breaking_point"), and
// checks the search's own consistency: the level it reports passes again when re-run, and the
// first failing level above it fails again; when no level failed, the result says so (the
// breaking point is beyond the range searched) instead of skipping the check. Label: heavy.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "fixtures/checkers/platform_integrity.hpp"
#include "gauntlet/load/breaking_point.hpp"
#include "gauntlet/text/measured_format.hpp"
#include "heavy_load.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

class HeavyBreakingPoint : public HeavyStress {
 protected:
  // One level: `rate` predictions per second for `length`; its outcome from its own result.
  LevelOutcome run_level(double rate, std::chrono::nanoseconds length, const std::string& label,
                         const std::vector<std::string>& thresholds, bool headroom = true) {
    Platform& platform = PlatformEnvironment::platform();
    const std::string gateway = platform.url(Service::kGateway);
    Plan plan{.name = "heavy-breaking-point",
              .model = OpenModel{.profile = RateProfile(ConstantRate{rate, length}),
                                 .pre_allocated_vus = 32,
                                 .max_vus = max_vus_,
                                 .max_wait = 500ms},
              .thresholds = thresholds};
    // Each level starts from a rested platform: the backlog of a failed level must not count
    // against the next one.
    std::this_thread::sleep_for(cooldown_);
    RunOptions options;
    options.label = label;
    options.expect_thresholds = false;  // a failing level is the point of the search
    const RunResult r = run(
        plan,
        [&](IterationContext& ctx) {
          prediction_step(ctx, clients_->of(ctx), gateway, campaign_->id);
        },
        options);
    return judge_.judge(r, rate, headroom);
  }

  // Prints the curve, level by level.
  static void print_curve(const std::string& what, const CapacityCurve& curve) {
    const auto level = [&](std::optional<double> l) {
      return l ? format_3_digits(*l) + " " + curve.unit : std::string("none");
    };
    std::cout << "[ figures  ] " << what << ": highest sustainable "
              << level(curve.highest_sustainable) << ", knee " << level(curve.knee) << ", "
              << curve.levels.size() << " levels (" << curve.note << ")\n";
    for (const LevelOutcome& l : curve.levels) {
      std::cout << "[ figures  ]   " << format_3_digits(l.level) << " " << curve.unit << "  p50 "
                << l.p50_ms << " ms  p95 " << l.p95_ms << " ms  p99 " << l.p99_ms << " ms  errors "
                << l.error_rate << "  achieved " << l.achieved_rate << "/s  "
                << (l.passed ? "PASS" : "FAIL " + l.note) << '\n';
    }
  }

  // The search's own consistency (consistency_problems), each a test failure; the curve's note
  // says when nothing above the reported level could be re-checked.
  void expect_consistent(CapacityCurve& curve, const BreakingPointOptions& search,
                         const LevelRerun& rerun, std::int64_t attempts, double margin) {
    for (const std::string& problem :
         consistency_problems(curve, search, judge_.marginal(), rerun, attempts, margin)) {
      ADD_FAILURE() << problem;
    }
    std::cout << "[ figures  ] " << curve.note << '\n';
  }

  // The curve in a result of its own (the report plots it), with "bp_no_failing_level" 1 when
  // the search found no failing level. No load is run for it: its levels are runs of their own,
  // and a made-up run would give it a rate and percentiles that measure nothing.
  void record_curve(const std::string& name, const CapacityCurve& curve) {
    bool any_failed = false;
    for (const LevelOutcome& l : curve.levels) any_failed = any_failed || !l.passed;
    FinishedRun facts = finished_run("curve");
    facts.plan = {{"name", name}};
    facts.started_at = std::chrono::system_clock::now();
    facts.ended_at = facts.started_at;
    facts.extra["breaking_point_note"] = curve.note;
    facts.breaking_point = curve;
    facts.metrics.figures.push_back({"bp_no_failing_level", any_failed ? 0.0 : 1.0, {}});
    publish(assemble_result(std::move(facts), {}), "curve");
  }

  LevelJudge judge_;  // every level run, the search's and the re-checks'
  std::int64_t max_vus_ = 64;
  std::chrono::nanoseconds cooldown_{};
  std::optional<VuClients> clients_;
  std::optional<TestCampaign> campaign_;
};

TEST_F(HeavyBreakingPoint, PredictionPathHighestSustainableRateIsConsistent) {
  Platform& platform = PlatformEnvironment::platform();
  BreakingPointOptions search;
  search.from = number_param("bp_from", {50, 50, 50}, 0.1, 1e6);
  search.to = number_param("bp_to", {1200, 3000, 3000}, 0.2, 1e6);
  search.steps = static_cast<int>(param("bp_steps", {4, 4, 8}, 2, 100));
  search.precision = number_param("bp_precision", {0.1, 0.1, 0.05}, 0.001, 0.9);
  search.time_budget = param("bp_budget", {25s, 24s, 10min}, 1s, 24h);
  const auto level_length = param("bp_level", {1s, 2s, 10s}, 100ms, 1h);
  const std::string p99 =
      "p(99)<" + std::to_string(param("bp_p99_ms", {300, 300, 300}, 1, 60'000)) + "ms";
  search.thresholds = {p99, "error_rate<1%", "dropped==0"};
  cooldown_ = param("bp_cooldown", {500ms, 500ms, 5s}, 0s, 1min);
  max_vus_ = param("bp_max_vus", {256, 256, 512}, 1, 10'000);
  clients_.emplace(max_vus_, platform.seed().authorization());
  campaign_ = create_test_campaign(platform, make_run_tag());

  // A cold platform (new connections, empty caches) is slow for its first second or two: warm it
  // at the lowest level first, outside the search.
  run_level(search.from, param("bp_warmup", {2s, 2s, 10s}, 0s, 1h), "warmup", search.thresholds);
  SteadyClock clock;
  CapacityCurve curve = find_breaking_point(
      search,
      [&](double rate) {
        return run_level(rate, level_length, "level-" + format_3_digits(rate), search.thresholds);
      },
      clock);
  print_curve("prediction path", curve);
  expect_consistent(
      curve, search,
      [&](double rate, const std::string& label, bool headroom) {
        return run_level(rate, level_length, label, search.thresholds, headroom);
      },
      param("bp_recheck_attempts", {2, 2, 1}, 1, 10),
      number_param("bp_margin", {0.5, 0.5, 0.25}, 0, 10));
  record_curve("heavy-breaking-point-curve", curve);
}

// The creative flow's breaking point in users. Each level is a closed-model run of its own
// (label flow-level-<users>) on a campaign and ledger of its own, so its integrity figures are
// its own; a flow still running when the level's time is up may finish (graceful stop).
class HeavyCreativeBreakingPoint : public HeavyBreakingPoint {
 protected:
  LevelOutcome run_flow_level(double users, std::chrono::nanoseconds length,
                              const std::string& label, const std::vector<std::string>& thresholds,
                              bool headroom = true) {
    Platform& platform = PlatformEnvironment::platform();
    const std::string gateway = platform.url(Service::kGateway);
    const auto vus = static_cast<std::int64_t>(users);
    const std::string tag = make_run_tag();
    const TestCampaign campaign = create_test_campaign(platform, tag);
    Ledger ledger(tag, 100'000);
    VuClients clients(vus, platform.seed().authorization());
    Plan plan{.name = "heavy-creative-breaking-point",
              .model = ClosedModel{.vus = vus, .duration = length},
              .thresholds = thresholds};
    plan.graceful_stop = render_timeout_;
    for (std::string_view n : kIntegrityFigureNames) {
      plan.metrics.push_back({std::string(n), MetricKind::kFigure});
    }
    std::this_thread::sleep_for(cooldown_);
    RunOptions options;
    options.label = label;
    options.expect_thresholds = false;  // a failing level is the point of the search
    options.after_load = [&] {
      return check_platform_integrity(
          ledger, IntegrityScope::of(platform, campaign),
          {.bound = std::chrono::duration_cast<std::chrono::milliseconds>(integrity_bound_)});
    };
    const RunResult r = run(
        plan,
        [&](IterationContext& ctx) {
          creative_flow(ctx, clients.of(ctx), gateway, campaign, ledger,
                        tag + "-" + std::to_string(ctx.iteration()), render_timeout_);
        },
        options);
    return judge_.judge(r, users, headroom);
  }

  std::chrono::nanoseconds render_timeout_{};
  std::chrono::nanoseconds integrity_bound_{};
};

TEST_F(HeavyCreativeBreakingPoint, CreativeFlowHighestSustainableUsersIsConsistent) {
  BreakingPointOptions search;
  search.unit = "users";
  search.whole_levels = true;
  search.from = number_param("flow_bp_from", {1, 4, 1}, 1, 10'000);
  search.to = number_param("flow_bp_to", {48, 48, 96}, 2, 10'000);
  search.steps = static_cast<int>(param("flow_bp_steps", {2, 3, 6}, 2, 100));
  search.precision = number_param("flow_bp_precision", {0.5, 0.25, 0.1}, 0.001, 0.9);
  search.time_budget = param("flow_bp_budget", {12s, 30s, 10min}, 1s, 24h);
  const auto level_length = param("flow_bp_level", {1s, 1500ms, 10s}, 100ms, 1h);
  const std::string p99 =
      "p(99)<" + std::to_string(param("flow_bp_p99_ms", {500, 500, 500}, 1, 600'000)) + "ms";
  search.thresholds = {p99, "error_rate<1%", "lost==0", "duplicated==0", "stuck==0"};
  cooldown_ = param("flow_bp_cooldown", {200ms, 500ms, 5s}, 0s, 1min);
  render_timeout_ = param("render_timeout", {30s, 30s, 120s}, 1s, 1h);
  integrity_bound_ = param("flow_bp_integrity_bound", {10s, 20s, 60s}, 1s, 1h);

  // Warm the flow (connections, the council's cache, render workers) outside the search.
  run_flow_level(search.from, param("flow_bp_warmup", {1s, 1s, 5s}, 0s, 1h), "flow-warmup",
                 search.thresholds);
  SteadyClock clock;
  CapacityCurve curve = find_breaking_point(
      search,
      [&](double users) {
        return run_flow_level(users, level_length, "flow-level-" + format_3_digits(users),
                              search.thresholds);
      },
      clock);
  print_curve("creative flow", curve);
  expect_consistent(
      curve, search,
      [&](double users, const std::string& label, bool headroom) {
        return run_flow_level(users, level_length, "flow-" + label, search.thresholds, headroom);
      },
      param("flow_bp_recheck_attempts", {2, 2, 1}, 1, 10),
      number_param("flow_bp_margin", {0.5, 0.5, 0.25}, 0, 10));
  record_curve("heavy-creative-breaking-point-curve", curve);
}

}  // namespace
}  // namespace gauntlet

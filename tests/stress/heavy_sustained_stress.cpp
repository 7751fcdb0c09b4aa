// Sustained load with leak detection: the prediction and feedback paths under steady load for the
// scale's duration, after a warm-up (caches, pools and allocator arenas fill first), with the
// resource monitor on every platform process. Each service's RSS slope (least squares, MB/min)
// and the p99 drift (last third over first third) are thresholds. Label: heavy.
#include <algorithm>
#include <iostream>

#include "gauntlet/text/exact_format.hpp"
#include "heavy_load.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

class HeavySustained : public HeavyStress {};

TEST_F(HeavySustained, SteadyLoadShowsNoLeakAndNoLatencyDrift) {
  Platform& platform = PlatformEnvironment::platform();
  const auto vus = param("vus", {4, 8, 16}, 1, 1024);
  const auto warmup = param("warmup", {2s, 2s, 1min}, 0s, 1h);
  const auto duration = param("duration", {6s, 12s, 10min}, 1s, 24h);
  // MB per minute: a short run measures a noisy slope, so the smoke scale's limit is loose.
  const double slope_limit = number_param("rss_slope_limit", {60, 20, 5}, 0.001, 1e6);
  const double drift_limit = number_param("p99_drift_limit", {3, 2, 1.5}, 1, 1000);
  const std::string gateway = platform.url(Service::kGateway);
  const std::string tag = make_run_tag();
  const TestCampaign campaign = create_test_campaign(platform, tag);
  VuClients clients(vus, platform.seed().authorization());
  // Event ids are unique across the warm-up and the measured run ("<tag>-w-evt-3", "-m-").
  std::string phase = "w";
  const auto scenario = [&](IterationContext& ctx) {
    prediction_step(ctx, clients.of(ctx), gateway, campaign.id);
    ctx.step("feedback", [&] {
      expect_json(clients.of(ctx).post_json(
                      gateway + "/api/v1/feedback",
                      {{"event_id", tag + "-" + phase + "-evt-" + std::to_string(ctx.iteration())},
                       {"campaign_id", campaign.id},
                       {"arm_id", "arm-" + std::to_string(ctx.iteration() % 3)},
                       {"reward", ctx.iteration() % 2}}),
                  201, "POST /api/v1/feedback");
    });
  };
  if (warmup.count() > 0) {
    RunOptions warm;
    warm.label = "warmup";
    run(Plan{.name = "heavy-sustained-warmup",
             .model = ClosedModel{.vus = vus, .duration = warmup},
             .thresholds = {"error_rate<1%"}},
        scenario, warm);
  }

  phase = "m";
  Plan plan{.name = "heavy-sustained",
            .model = ClosedModel{.vus = vus, .duration = duration},
            .thresholds = {"error_rate<1%", "p99_drift<" + format_number(drift_limit)}};
  RunOptions options;
  options.monitor = platform_monitor();
  declare_leak_figures(plan, *options.monitor);
  // A leak gate on each service the load crosses. An external one has no process here to watch,
  // and the run says so; a service this platform runs without a watched process would lose its
  // gate silently (a renamed process), so that fails.
  for (const Service s : {Service::kGateway, Service::kMlService, Service::kTitanCore}) {
    const std::string process = monitored_name(s);
    if (std::ranges::any_of(options.monitor->processes,
                            [&](const MonitoredProcess& p) { return p.name == process; })) {
      plan.thresholds.push_back("rss_slope." + process + "<" + format_number(slope_limit));
    } else if (platform.is_managed(s)) {
      ADD_FAILURE() << service_name(s) << " runs here but the monitor watches no process "
                    << process << ": its leak gate would be lost";
    } else {
      std::cout << "[ skipped  ] rss_slope of " << service_name(s)
                << ": external, no process here to watch\n";
    }
  }
  const RunResult result = run(plan, scenario, options);
  ASSERT_TRUE(result.monitor);
  std::cout << "[ figures  ] " << vus << " VUs for " << result.duration_s << " s:";
  for (const ProcessPeaks& p : result.monitor->processes) {
    std::cout << ' ' << p.name << ' ' << p.rss_slope_mb_per_min << " MB/min (peak " << p.peak_rss_mb
              << " MB);";
  }
  const Figure* drift = result.metrics.find_figure("p99_drift");
  std::cout << " p99_drift " << (drift ? drift->value : -1) << '\n';
}

}  // namespace
}  // namespace gauntlet

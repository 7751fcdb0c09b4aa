// Recovery. After an overload phase (an arrival rate far above the base for a while) and after a
// killed service (the fault timeline SIGKILLs ml-service; the supervisor restarts it), the time
// until the success rate and p95 are back within tolerance of the baseline for three seconds
// running is the figure recovery_s, a threshold. Around the kill, the gateway's breaker for
// ml-service must open and close again. Label: heavy.
#include <atomic>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixtures/service_logs.hpp"
#include "gauntlet/text/exact_format.hpp"
#include "heavy_load.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

class HeavyRecovery : public HeavyStress {};

std::int64_t whole_seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

TEST_F(HeavyRecovery, RecoversAfterAnOverloadPhase) {
  Platform& platform = PlatformEnvironment::platform();
  const double base = number_param("base_rate", {100, 100, 200}, 0.1, 1e6);
  const double overload = number_param("overload_rate", {3000, 3000, 6000}, 0.1, 1e6);
  const auto before = param("before", {3s, 3s, 30s}, 2s, 1h);
  const auto overload_for = param("overload_for", {2s, 3s, 30s}, 1s, 1h);
  const auto after = param("after", {8s, 8s, 1min}, 4s, 1h);
  const double limit_s = number_param("recovery_limit_s", {5, 5, 10}, 0.1, 3600);
  const std::string gateway = platform.url(Service::kGateway);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  VuClients clients(32, platform.seed().authorization());

  Plan plan{.name = "heavy-recovery-overload",
            .model = OpenModel{.profile = RateProfile(StepsRate{
                                   {{base, before}, {overload, overload_for}, {base, after}}}),
                               .pre_allocated_vus = 8,
                               .max_vus = 32,
                               .max_wait = 50ms},
            .thresholds = {"recovery_s<" + format_number(limit_s)},
            .metrics = {{"recovery_s", MetricKind::kFigure}}};
  RunOptions options;
  options.monitor = platform_monitor();
  // Sending 3000/s and dropping what finds no free user keeps the generator's own cores busy by
  // design; the services keep their CPU limit.
  options.monitor->limits.max_cpu_percent.reset();
  // Baseline: the seconds before the overload, without the first (connections being made).
  options.recovery = {
      {"recovery_s",
       {.baseline_from_s = 1,
        .baseline_to_s = whole_seconds(before),
        .fault_end_s = std::chrono::duration<double>(before + overload_for).count(),
        // A second's p95 of a hundred calls is noisy: within twice the baseline and 20 ms.
        .p95_factor = 2,
        .p95_slack_ms = 20}}};
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) { prediction_step(ctx, clients.of(ctx), gateway, campaign.id); },
      options);

  // The overload must have disturbed the platform, else recovery_s measures nothing: arrivals
  // dropped, iterations failed, or p95 above twice the baseline's worst second.
  const OverloadEvidence overloaded =
      overload_evidence(result.metrics.series, 1, whole_seconds(before), whole_seconds(before),
                        whole_seconds(before + overload_for), 2);
  const Figure* recovery = result.metrics.find_figure("recovery_s");
  ASSERT_NE(recovery, nullptr);
  std::cout << "[ figures  ] overload " << overload << "/s for " << whole_seconds(overload_for)
            << " s over " << base << "/s: worst p95 " << overloaded.worst_p95_us / 1000.0
            << " ms (baseline " << overloaded.baseline_p95_us / 1000.0 << " ms), "
            << overloaded.dropped << " dropped, " << overloaded.failed << " failed; recovery_s "
            << recovery->value << " ("
            << (recovery->examples.empty() ? "" : recovery->examples.front()) << ")\n";
  EXPECT_TRUE(overloaded.showed) << "the overload phase never disturbed the platform: nothing "
                                    "dropped or failed, p95 within twice the baseline's";
}

TEST_F(HeavyRecovery, RecoversAfterAKilledServiceAndTheBreakerOpensAndCloses) {
  GAUNTLET_REQUIRE_MANAGED(Service::kMlService);
  Platform& platform = PlatformEnvironment::platform();
  const auto kill_at = param("kill_at", {2s, 3s, 20s}, 1s, 1h);
  const auto duration = param("duration", {9s, 11s, 1min}, 3s, 24h);
  const double limit_s = number_param("recovery_limit_s", {8, 8, 10}, 0.1, 3600);
  const std::string gateway = platform.url(Service::kGateway);
  const std::string stats_url = gateway + "/__admin/stats";
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  VuClients clients(4, platform.seed().authorization(), {.timeout = 5s});
  const PidWatch pids(platform);

  // The breaker's state, sampled every 20 ms from the gateway's stats while the load runs.
  const auto origin = std::chrono::steady_clock::now();
  std::vector<BreakerSample> samples;
  std::jthread sampler([&](const std::stop_token& stop) {
    Client c;
    while (!stop.stop_requested()) {
      const Response r = c.get(stats_url);
      if (const auto body = r.json(); r.status == 200 && body) {
        const nlohmann::json b = body->value("gateway", nlohmann::json::object())
                                     .value("downstreams", nlohmann::json::object())
                                     .value("ml-service", nlohmann::json::object());
        if (b.contains("state")) {
          samples.push_back({std::chrono::steady_clock::now() - origin, b.value("state", ""),
                             b.value("opened", std::int64_t{0})});
        }
      }
      std::this_thread::sleep_for(20ms);
    }
  });

  Plan plan{.name = "heavy-recovery-kill",
            .model = ClosedModel{.vus = 4, .duration = duration},
            .thresholds = {"recovery_s<" + format_number(limit_s), "breaker_opened_s>=0",
                           "breaker_closed_s>=0"},
            .metrics = {{"recovery_s", MetricKind::kFigure},
                        {"breaker_opened_s", MetricKind::kFigure},
                        {"breaker_closed_s", MetricKind::kFigure}}};
  RunOptions options;
  options.monitor = platform_monitor();
  options.timeline = {kill_service(platform, Service::kMlService, kill_at)};
  options.recovery = {{"recovery_s",
                       {.baseline_from_s = 0,
                        .baseline_to_s = whole_seconds(kill_at),
                        .fault_end_s = std::chrono::duration<double>(kill_at).count()}}};
  options.after_load = [&] {
    sampler.request_stop();
    sampler.join();
    const auto t = breaker_transitions(samples, kill_at, kill_at);
    std::vector<Figure> figures;
    const auto secs = [](std::chrono::nanoseconds d) {
      return std::chrono::duration<double>(d).count();
    };
    if (t.opened) figures.push_back({"breaker_opened_s", secs(*t.opened - kill_at), {}});
    if (t.closed) figures.push_back({"breaker_closed_s", secs(*t.closed - kill_at), {}});
    return figures;
  };
  const RunResult result = run(
      plan,
      [&](IterationContext& ctx) { prediction_step(ctx, clients.of(ctx), gateway, campaign.id); },
      options);

  const Figure* recovery = result.metrics.find_figure("recovery_s");
  ASSERT_NE(recovery, nullptr);
  ASSERT_EQ(result.timeline.size(), 1U);
  std::cout << "[ figures  ] ml-service killed at " << result.timeline[0].at_s << " s ("
            << result.timeline[0].outcome << "): recovery_s " << recovery->value << " ("
            << (recovery->examples.empty() ? "" : recovery->examples.front()) << ")";
  for (const char* name : {"breaker_opened_s", "breaker_closed_s"}) {
    const Figure* f = result.metrics.find_figure(name);
    std::cout << ", " << name << ' ' << (f ? std::to_string(f->value) : "never");
  }
  std::cout << '\n';
  EXPECT_EQ(result.timeline[0].outcome.rfind("ok: pid ", 0), 0U) << result.timeline[0].outcome;
  // The kill is the wrong state PidWatch must see (the heavy overload tests hold
  // pids_changed==0): ml-service's pid changed, and no other service's.
  const Figure changed = pids.changed();
  EXPECT_EQ(changed.value, 1);
  ASSERT_FALSE(changed.examples.empty());
  EXPECT_EQ(changed.examples.front().rfind("ml-service: ", 0), 0U) << changed.examples.front();
}

}  // namespace
}  // namespace gauntlet

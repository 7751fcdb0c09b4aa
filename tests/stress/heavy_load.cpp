#include "heavy_load.hpp"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/checkers/refusal_check.hpp"

namespace gauntlet {
namespace {

// Once per binary: the platform starts before the first test and stops after the last.
const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

}  // namespace

MonitorOptions HeavyStress::platform_monitor() {
  MonitorOptions o = monitor_options(platform_processes(PlatformEnvironment::platform()));
  o.interval = std::chrono::duration_cast<std::chrono::milliseconds>(param(
      "monitor_interval",
      {std::chrono::milliseconds(250), std::chrono::milliseconds(500), std::chrono::seconds(1)},
      std::chrono::milliseconds(10), std::chrono::minutes(1)));
  // Each platform process holds the scale's limits as its own, so a test may loosen the run-wide
  // ones (which then govern the generator only) without loosening the services'.
  for (MonitoredProcess& p : o.processes) p.limits = o.limits;
  return o;
}

RunOptions HeavyStress::overload_options(const FeedbackUnderOverload& feedback,
                                         const Ledger& ledger, const TestCampaign& campaign,
                                         const PidWatch& pids, std::int64_t max_in_flight) {
  RunOptions options;
  options.monitor = platform_monitor();
  options.monitor->limits.memory_growth_rate_mb_per_sec = 100;
  options.monitor->limits.max_concurrent_operations = max_in_flight;
  options.monitor->operations_in_flight = [&feedback] { return feedback.in_flight(); };
  Platform& platform = PlatformEnvironment::platform();
  options.after_load = [&feedback, &ledger, &campaign, &pids, &platform] {
    std::vector<Figure> figures = check_platform_integrity(
        ledger, IntegrityScope::of(platform, campaign), {.bound = std::chrono::seconds(60)});
    figures.push_back(pids.changed());
    // The share of all answers that were fast, well-formed refusals: how the gateway sheds load.
    figures.push_back(feedback.refusal_share());
    return figures;
  };
  return options;
}

void HeavyStress::declare_leak_figures(Plan& plan, const MonitorOptions& monitor) {
  plan.metrics.push_back({"rss_slope." + monitor.self_name, MetricKind::kFigure});
  for (const MonitoredProcess& p : monitor.processes) {
    plan.metrics.push_back({"rss_slope." + p.name, MetricKind::kFigure});
    if (!p.children_name.empty()) {
      plan.metrics.push_back({"rss_slope." + p.children_name, MetricKind::kFigure});
    }
  }
  plan.metrics.push_back({"p99_drift", MetricKind::kFigure});
}

Response post_prediction(Client& client, const std::string& gateway, std::int64_t campaign_id,
                         std::int64_t n) {
  const nlohmann::json body = {
      {"features", {{"duration_s", 15}, {"hook_strength", 0.1 * static_cast<double>(n % 10)}}},
      {"campaign_id", campaign_id}};
  return client.post_json(gateway + "/api/v1/predictions", body);
}

void prediction_step(IterationContext& ctx, Client& client, const std::string& gateway,
                     std::int64_t campaign_id) {
  ctx.step("predict", [&] {
    expect_json(post_prediction(client, gateway, campaign_id, ctx.iteration()), 201,
                "POST /api/v1/predictions");
  });
}

FeedbackUnderOverload::FeedbackUnderOverload(std::string gateway, std::int64_t campaign_id,
                                             Ledger& ledger, std::chrono::nanoseconds fast)
    : gateway_(std::move(gateway)), campaign_id_(campaign_id), ledger_(ledger), fast_(fast) {}

void FeedbackUnderOverload::step(IterationContext& ctx, Client& client, const std::string& event) {
  ctx.step("feedback", [&] {
    in_flight_.fetch_add(1);
    const Response r = client.post_json(gateway_ + "/api/v1/feedback",
                                        {{"event_id", event},
                                         {"campaign_id", campaign_id_},
                                         {"arm_id", "arm-" + std::to_string(ctx.vu_id() % 4)},
                                         {"reward", ctx.iteration() % 2}});
    in_flight_.fetch_sub(1);
    const ClassifiedAnswer answer = classify_overload_answer(r, 201, fast_);
    tally_.add(answer.kind);
    switch (answer.kind) {
      case OverloadAnswer::kAccepted:
        ledger_.append(ledger_kind::kFeedback, event);
        ctx.count("accepted");
        return;
      case OverloadAnswer::kRefused:  // a graceful refusal: a client backs off and retries
        ctx.count("refusals");
        return;
      case OverloadAnswer::kMalformedRefusal:
        ctx.count("refusals");
        ctx.count("refusals_malformed");
        ctx.fail(ErrorClass::kBodyMismatch, "malformed refusal: " + answer.problem);
        return;
      case OverloadAnswer::kNoAnswer:
      case OverloadAnswer::kOther:
        expect_json(r, 201, "POST /api/v1/feedback");  // throws with the answer's class
        return;
    }
  });
}

Figure FeedbackUnderOverload::refusal_share() const { return tally_.share(); }

void FeedbackUnderOverload::declare(Plan& plan) {
  for (const char* t : {"error_rate<1%", "refusals_malformed==0", "pids_changed==0", "lost==0",
                        "duplicated==0", "unexpected==0", "stuck==0", "accepted>=1"}) {
    plan.thresholds.emplace_back(t);
  }
  plan.metrics.push_back({"refusals", MetricKind::kCounter});
  plan.metrics.push_back({"refusals_malformed", MetricKind::kCounter});
  plan.metrics.push_back({"accepted", MetricKind::kCounter});
  plan.metrics.push_back({"pids_changed", MetricKind::kFigure});
  plan.metrics.push_back({"refusal_share", MetricKind::kFigure});
  for (std::string_view n : kIntegrityFigureNames) {
    plan.metrics.push_back({std::string(n), MetricKind::kFigure});
  }
}

GatewayRateLimit::GatewayRateLimit(const Platform& platform, double rate_per_s, double burst)
    : url_(platform.url(Service::kGateway) + "/__admin/rate_limit") {
  Client client;
  const Response r = client.post_json(url_, {{"rate_per_s", rate_per_s}, {"burst", burst}});
  if (r.status != 200) {
    throw std::runtime_error("POST " + url_ + " answered " + std::to_string(r.status) + ": " +
                             r.body + r.error_message);
  }
}

GatewayRateLimit::~GatewayRateLimit() {
  Client client;
  const Response r = client.del(url_);
  if (r.status != 200) {
    std::cerr << "warning: DELETE " << url_ << " answered " << r.status
              << ": the gateway keeps the test's rate limit\n";
  }
}

PidWatch::PidWatch(const Platform& platform) : platform_(platform) {
  for (const Service s : kAllServices) {
    if (platform.is_managed(s)) before_.emplace_back(s, platform.pid(s));
  }
}

Figure PidWatch::changed() const {
  Figure f{"pids_changed", 0, {}};
  for (const auto& [service, pid] : before_) {
    if (platform_.pid(service) == pid) continue;
    f.value += 1;
    f.examples.push_back(std::string(service_name(service)) + ": " + std::to_string(pid) + " -> " +
                         std::to_string(platform_.pid(service)));
  }
  return f;
}

}  // namespace gauntlet

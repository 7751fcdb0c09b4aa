// Real-time feedback loops under load: the test plays HubSpot, sending signed (v3) webhook
// deliveries of its own campaign's events to the gateway, with redeliveries, duplicates inside a
// delivery and events out of order, beside direct feedback events (POST /api/v1/feedback, each
// sent twice). Every event must be applied exactly once; the Thompson sampler's posteriors must
// equal prior + the applied feedback (check_posteriors, against the database); deliveries with a
// bad signature must be refused (401) and leave nothing behind. Labels: feature, feedback.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/posterior_check.hpp"
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
#include "gauntlet/mocks/hubspot_signature.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

struct FeedbackSize {
  std::int64_t vus = 1;
  std::int64_t deliveries = 1;  // iterations: one signed delivery each, plus its extras
  std::int64_t events = 1;      // events per delivery
  std::int64_t arms = 1;        // the campaign's sampler arms
};

// Signs and sends deliveries as HubSpot does (v3), retrying one until it is acknowledged, as
// HubSpot retries a failed delivery.
class HubSpotSender {
 public:
  HubSpotSender(std::string gateway, std::string secret)
      : url_(std::move(gateway) + "/webhooks/hubspot"), signer_(std::move(secret)) {}

  Response send(Client& client, const std::string& body, bool bad_signature = false) const {
    const std::string timestamp =
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
    std::string signature = signer_.sign_v3("POST", url_, body, timestamp);
    if (bad_signature) signature[0] = signature[0] == 'A' ? 'B' : 'A';
    Request r{.method = "POST",
              .url = url_,
              .headers = {{"Content-Type", "application/json"},
                          {"X-HubSpot-Request-Timestamp", timestamp},
                          {"X-HubSpot-Signature-v3", signature}},
              .body = body};
    return client.send(r);
  }

  // Sends until a 200 (HubSpot's retries, scaled down: each attempt signed afresh), at most
  // 30 s; the answer's body.
  json deliver(IterationContext& ctx, Client& client, const std::string& body) const {
    return expect_json(until_answered(
                           ctx, [&] { return send(client, body); }, {200}, 30s, "webhook_retries"),
                       200, "POST /webhooks/hubspot");
  }

 private:
  std::string url_;
  mocks::HubSpotSignature signer_;
};

class FeedbackLoopStress : public StressFixture {
 protected:
  FeedbackSize size() {
    return {param("vus", {3, 6, 24}, 1, 200), param("deliveries", {12, 120, 5000}, 1, 1'000'000),
            param("events", {4, 6, 20}, 1, 50), param("arms", {3, 5, 10}, 1, 100)};
  }

  Plan plan(const std::string& name, ClosedModel model, std::vector<std::string> thresholds) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = std::move(thresholds)};
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    for (const char* figure :
         {"posterior_mismatch", "bad_signature_side_effects", "webhook_unsettled"}) {
      p.thresholds.push_back(std::string(figure) + "==0");
      p.metrics.push_back({figure, MetricKind::kFigure});
    }
    p.metrics.push_back({"redelivered_duplicates", MetricKind::kCounter});
    p.metrics.push_back({"webhook_retries", MetricKind::kCounter});
    return p;
  }

  // posterior_mismatch (check_posteriors over the campaign's arms and applied events) and
  // bad_signature_side_effects (an event of a refused delivery stored or applied anyway).
  static std::vector<Figure> feedback_figures(const Platform& platform, std::int64_t campaign_id,
                                              const std::vector<std::string>& refused_ids) {
    pqxx::connection conn(platform.database_url());
    std::vector<Figure> out;
    Figure posterior{"posterior_mismatch", 0, {}};
    for (const PosteriorMismatch& m : check_posteriors(read_posterior_state(conn, campaign_id))) {
      posterior.value += 1;
      if (posterior.examples.size() < 5) posterior.examples.push_back(m.describe());
    }
    out.push_back(posterior);
    pqxx::read_transaction tx(conn);
    Figure side_effects{"bad_signature_side_effects", 0, {}};
    for (const std::string& id : refused_ids) {
      const auto n = tx.exec_params1(
                           "SELECT (SELECT count(*) FROM webhook_events WHERE source = 'hubspot' "
                           "AND event_id = $1) + (SELECT count(*) FROM feedback_events WHERE "
                           "event_id = 'hubspot:' || $1)",
                           id)[0]
                         .as<std::int64_t>();
      if (n > 0) {
        side_effects.value += static_cast<double>(n);
        if (side_effects.examples.size() < 5) side_effects.examples.push_back(id);
      }
    }
    out.push_back(side_effects);
    return out;
  }

  // Waits (at most `bound`) until the gateway's forwarder has settled every HubSpot event of the
  // ledger (webhook_events.processed_at set): before that an event is in no feedback table and
  // the checkers would call it lost. Returns the figure webhook_unsettled: events still unsettled
  // (or never stored) at the deadline.
  static Figure wait_forwarded(const Platform& platform, const Ledger& ledger,
                               std::chrono::seconds bound) {
    // A text[] literal of the event ids (ours are letters, digits, '.', '-' and '_': no quote
    // or backslash to escape).
    std::string ids = "{";
    std::int64_t count = 0;
    const std::string prefix = "hubspot:";
    for (const LedgerEntry& e : ledger.entries()) {
      if (e.id.rfind(prefix, 0) != 0) continue;
      ids += std::string(count++ == 0 ? "\"" : ",\"") + e.id.substr(prefix.size()) + "\"";
    }
    ids += "}";
    pqxx::connection conn(platform.database_url());
    const auto until = std::chrono::steady_clock::now() + bound;
    for (;;) {
      pqxx::read_transaction tx(conn);
      const auto settled = tx.exec_params1(
                                 "SELECT count(*) FROM webhook_events WHERE source = "
                                 "'hubspot' AND event_id = ANY($1::text[]) AND "
                                 "processed_at IS NOT NULL",
                                 ids)[0]
                               .as<std::int64_t>();
      tx.commit();
      const auto unsettled = count - settled;
      if (unsettled == 0 || std::chrono::steady_clock::now() > until) {
        return {"webhook_unsettled", static_cast<double>(unsettled), {}};
      }
      std::this_thread::sleep_for(100ms);
    }
  }

  static FlowRunOptions flow_options(const FeedbackSize& s, const TestCampaign& campaign) {
    return {.vus = s.vus,
            .authorization = PlatformEnvironment::platform().seed().authorization(),
            .client = {.timeout = 5s},
            .ledger_entries = static_cast<std::size_t>(s.deliveries * (s.events + 2) + 1024),
            .campaign = campaign};
  }

  // Runs the flow. Before the integrity check: the FlowRun's own check_first ones (what the
  // platform acknowledged outside the scenario, HubSpot's own deliveries, joins the ledger there),
  // then the wait for the gateway's forwarder; after it, the posteriors and the refused
  // deliveries' side effects.
  RunResult run_flow(FlowRun& flow, const Plan& p, const FeedbackSize& s, RunOptions options = {}) {
    const Platform& platform = flow.platform();
    const TestCampaign& campaign = flow.campaign();
    const std::string& tag = campaign.tag;
    const HubSpotSender hubspot(platform.url(Service::kGateway), platform.hubspot_secret());
    const std::string gateway = platform.url(Service::kGateway);
    std::mutex refused_mutex;
    std::vector<std::string> refused_ids;
    flow.check_first(
        [&] { return std::vector<Figure>{wait_forwarded(platform, flow.ledger(), 60s)}; });
    flow.check([&] { return feedback_figures(platform, campaign.id, refused_ids); });
    return run(
        p,
        [&](IterationContext& ctx) {
          Client& client = flow.client(ctx);
          const std::string base = tag + "-" + std::to_string(ctx.iteration());
          webhooks(ctx, client, hubspot, base, campaign.id, s, flow.ledger());
          direct(ctx, client, gateway, base, campaign.id, s, flow.ledger());
          if (ctx.iteration() % 4 == 1) {
            const std::string id = base + "-forged";
            ctx.step("bad_signature", [&] {
              const Response r =
                  hubspot.send(client, events_body({{id, campaign.id, "arm-0", true}}), true);
              if (r.status != 401) {
                throw StepFailure(ErrorClass::kBodyMismatch,
                                  "a forged delivery was answered " + std::to_string(r.status));
              }
            });
            std::lock_guard lock(refused_mutex);
            refused_ids.push_back(id);
          }
        },
        flow.arm(std::move(options)));
  }

  struct Event {
    std::string id;
    std::int64_t campaign_id;
    std::string arm;
    bool won;
  };

  static std::string events_body(const std::vector<Event>& events, int attempt = 0) {
    json body = json::array();
    for (const Event& e : events) {
      body.push_back({{"eventId", e.id},
                      {"subscriptionType", "contact.propertyChange"},
                      {"attemptNumber", attempt},
                      {"objectId", 1},
                      {"propertyName", "lifecyclestage"},
                      {"propertyValue", e.won ? "customer" : "lead"},
                      {"campaignId", e.campaign_id},
                      {"armId", e.arm}});
    }
    return body.dump();
  }

  // One delivery of `events` events, out of order (reversed) and, every other time, with one of
  // them twice; every third delivery is sent again (HubSpot's redelivery), which must find only
  // duplicates.
  static void webhooks(IterationContext& ctx, Client& client, const HubSpotSender& hubspot,
                       const std::string& base, std::int64_t campaign_id, const FeedbackSize& s,
                       Ledger& ledger) {
    std::vector<Event> events;
    for (std::int64_t k = 0; k < s.events; ++k) {
      events.push_back({base + "-h" + std::to_string(k), campaign_id,
                        "arm-" + std::to_string((ctx.iteration() + k) % s.arms), k % 3 != 0});
    }
    std::reverse(events.begin(), events.end());
    if (ctx.iteration() % 2 == 0) events.push_back(events.front());
    const std::string body = events_body(events);
    const json answer = ctx.step("webhook", [&] { return hubspot.deliver(ctx, client, body); });
    for (std::int64_t k = 0; k < s.events; ++k) {
      ledger.append(ledger_kind::kFeedback, "hubspot:" + base + "-h" + std::to_string(k));
    }
    ctx.check(answer.value("received", -1) == static_cast<int>(events.size()),
              "the gateway did not count every event of the delivery");
    if (ctx.iteration() % 3 != 0) return;
    const json again =
        ctx.step("redeliver", [&] { return hubspot.deliver(ctx, client, events_body(events, 1)); });
    ctx.count("redelivered_duplicates", again.value("duplicates", 0));
    ctx.check(again.value("new", -1) == 0, "a redelivery was stored as new events");
  }

  // A direct feedback event, sent twice: applied once, then a duplicate.
  static void direct(IterationContext& ctx, Client& client, const std::string& gateway,
                     const std::string& base, std::int64_t campaign_id, const FeedbackSize& s,
                     Ledger& ledger) {
    const json event = {{"event_id", base + "-direct"},
                        {"campaign_id", campaign_id},
                        {"arm_id", "arm-" + std::to_string(ctx.iteration() % s.arms)},
                        {"reward", 0.25 * static_cast<double>(ctx.iteration() % 5)}};
    ctx.step("feedback", [&] {
      // Sent until acknowledged (a refused connection while the gateway restarts): 201 applied
      // now, 200 when an earlier attempt had applied it already.
      const Response r = until_answered(
          ctx, [&] { return client.post_json(gateway + "/api/v1/feedback", event); }, {200, 201},
          30s, "feedback_retries");
      expect_json(r, r.status == 200 ? 200 : 201, "POST /api/v1/feedback");
    });
    ledger.append(ledger_kind::kFeedback, base + "-direct");
    const json again = ctx.step("feedback_repeat", [&] {
      return expect_json(client.post_json(gateway + "/api/v1/feedback", event), 200,
                         "POST /api/v1/feedback (repeat)");
    });
    ctx.check(again.value("duplicate", false), "a repeated feedback event was not a duplicate");
  }
};

TEST_F(FeedbackLoopStress, AppliesEveryEventExactlyOnce) {
  const FeedbackSize s = size();
  const TestCampaign campaign =
      create_test_campaign(PlatformEnvironment::platform(), make_run_tag());
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s, campaign));
  run_flow(flow,
           plan("feedback", ClosedModel{.vus = s.vus, .iterations = s.deliveries},
                {"error_rate<1%", "webhook: p(95)<500ms", "feedback: p(95)<500ms",
                 "redelivered_duplicates>=1"}),
           s);
}

// The gateway SIGKILLed while the HubSpot mock delivers a job of the test's campaign's events
// (and the virtual users deliver their own): HubSpot's retries deliver the rest once the
// supervisor has restarted it, the gateway's forwarder picks up what it had stored but not
// forwarded, and none is applied twice. hubspot_batches_failed counts batches HubSpot gave up
// on; hubspot_retries >= 1 proves the kill bit.
TEST_F(FeedbackLoopStress, FailureGatewayKilledMidDeliveryAppliesEachOnce) {
  GAUNTLET_REQUIRE_MANAGED(Service::kGateway);
  const FeedbackSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  const std::string hubspot = platform.url(Service::kHubSpot);
  Client admin({.timeout = 10s});
  // The totals count every job since the last reset: start from zero.
  ASSERT_EQ(admin.del(hubspot + "/__admin/deliveries").status, 200);
  std::optional<double> restart_s;
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const auto emit_and_kill = [&] {
    std::this_thread::sleep_for(500ms);  // the load is under way
    const Response job =
        admin.post_json(hubspot + "/__admin/emit",
                        {{"target_url", platform.url(Service::kGateway) + "/webhooks/hubspot"},
                         {"secret", platform.hubspot_secret()},
                         {"campaign_id", campaign.id},
                         {"rate_per_s", 40},
                         {"batches", param("hubspot_batches", {60, 200, 2000}, 1, 100'000)},
                         {"events_per_batch", 5}});
    if (job.status != 202) return;
    std::this_thread::sleep_for(500ms);  // deliveries in flight
    const auto killed_at = std::chrono::steady_clock::now();
    const pid_t old = platform.kill9(Service::kGateway);
    if (platform.wait_restarted(Service::kGateway, old, 30s)) {
      restart_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
    }
  };
  // HubSpot's job, once idle: what it had acknowledged joins the ledger.
  FlowRun flow(platform, flow_options(s, campaign));
  const auto hubspot_figures = [&] {
    json d;
    for (auto until = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(200ms)) {
      d = json::parse(admin.get(hubspot + "/__admin/deliveries").body);
      if (d.value("idle", false)) break;
    }
    for (const json& id : d.value("event_ids_acked", json::array())) {
      flow.ledger().append(ledger_kind::kFeedback, "hubspot:" + id.dump());
    }
    std::vector<Figure> out = {
        {"hubspot_batches_failed",
         d.value("failed", 0.0) + d.value("abandoned", 0.0) + d.value("pending", 0.0),
         {}},
        {"hubspot_retries", d.value("retried", 0.0), {}},
        {"hubspot_events_acked", d.value("events_acked", 0.0), {}}};
    if (restart_s) out.push_back({"gateway_restart_s", *restart_s, {}});
    return out;
  };
  // A load for as long as the fault lasts: the users' own deliveries meet the kill too.
  Plan p = plan("feedback-gateway-killed",
                ClosedModel{.vus = s.vus,
                            .duration = param("fault_load_for", {4s, 6s, 60s}, 1s, 1h),
                            .think_time = 50ms},
                {"error_rate<50%", "hubspot_batches_failed==0", "hubspot_retries>=1",
                 "hubspot_events_acked>=1", "gateway_restart_s<30"});
  for (const char* figure :
       {"hubspot_batches_failed", "hubspot_retries", "hubspot_events_acked", "gateway_restart_s"}) {
    p.metrics.push_back({figure, MetricKind::kFigure});
  }
  RunOptions options;
  options.label = "gateway_killed";
  flow.during(emit_and_kill);
  flow.check_first(hubspot_figures);
  run_flow(flow, p, s, options);
}

// Self-test: one arm of the run's campaign given one more unit of posterior mass after the load
// (a feedback event folded in twice) must turn the run red on duplicated == 1, and the
// posterior check must see it too.
TEST_F(FeedbackLoopStress, SelftestFeedbackAppliedTwiceTurnsTheRunRed) {
  const FeedbackSize s{.vus = 2, .deliveries = 3, .events = 2, .arms = 2};
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  FlowRun flow(platform, flow_options(s, campaign));
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "an arm's posterior bumped by one event",
                    "UPDATE sampler_arms SET alpha = alpha + 1 WHERE campaign_id = $1::bigint "
                    "AND arm_id = (SELECT min(arm_id) FROM sampler_arms WHERE campaign_id = "
                    "$1::bigint) RETURNING arm_id",
                    std::to_string(campaign.id));
  });
  const RunResult r = run_flow(
      flow, plan("feedback-selftest-duplicated", ClosedModel{.vus = 2, .iterations = 3}, {}), s,
      red_run_options("feedback_applied_twice"));
  expect_red_on(r, "duplicated", 1);
  expect_red_on(r, "posterior_mismatch", 1);
}

}  // namespace
}  // namespace gauntlet

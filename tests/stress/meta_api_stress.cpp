// The Meta API and the SafeExecutor under load. The test's own campaign (its own ad account on
// the Meta mock) gets ad sets and ads; virtual users queue changes through meta-publisher (bid
// on an ad set, creative on an ad, status and budget on the campaign; every tenth change names
// an object Meta does not know, which must go to the dead-letter table exactly once) and read
// the mock directly as the platform's reporting does: sync insights, async report runs (created,
// polled until complete, read) and batch calls. After the load the checkers compare what
// meta-publisher acknowledged with the database and the mock's idempotency log (lost, applied
// twice, unexpected, stuck, audit gaps), and the mock's log says whether meta-publisher called
// while Meta had told it to wait (requests_during_wait). Labels: feature, meta.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/checkers/throttle_check.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/server_gates.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

constexpr const char* kGraph = "/v19.0/";
struct MetaSize {
  std::int64_t vus = 1;
  std::int64_t iterations = 1;
};

// The objects the test made on the Meta mock for its campaign.
struct MetaObjects {
  std::vector<std::string> adsets;
  std::vector<std::string> ads;
};

class MetaApiStress : public StressFixture {
 protected:
  MetaSize size() {
    return {param("vus", {3, 4, 12}, 1, 500), param("iterations", {12, 40, 2000}, 1, 1'000'000)};
  }

  static MetaObjects make_objects(const Platform& platform, const TestCampaign& c) {
    Client meta;
    const std::string base = platform.url(Service::kMetaGraph) + kGraph + c.ad_account_id;
    MetaObjects out;
    for (int i = 0; i < 2; ++i) {
      const json set = expect_json(
          meta.post_json(base + "/adsets", {{"name", c.tag + "-set-" + std::to_string(i)},
                                            {"campaign_id", c.meta_campaign_id},
                                            {"bid_amount", 100}}),
          200, "POST act/adsets");
      out.adsets.push_back(set.at("id").get<std::string>());
      const json ad =
          expect_json(meta.post_json(base + "/ads", {{"name", c.tag + "-ad-" + std::to_string(i)},
                                                     {"adset_id", out.adsets.back()},
                                                     {"creative", {{"creative_id", "1"}}}}),
                      200, "POST act/ads");
      out.ads.push_back(ad.at("id").get<std::string>());
    }
    return out;
  }

  Plan plan(const std::string& name, ClosedModel model, std::vector<std::string> thresholds) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = std::move(thresholds)};
    add_platform_checks(p, PlatformEnvironment::platform());
    for (const char* figure : {"requests_during_wait", "dead_letter_mismatch"}) {
      p.thresholds.push_back(std::string(figure) + "==0");
      p.metrics.push_back({figure, MetricKind::kFigure});
    }
    return p;
  }

  // requests_during_wait over the mock's records of the test's changes, and
  // dead_letter_mismatch: a change that had to be dead-lettered and is not (or is applied), or
  // one that is dead-lettered without reason, when `exact_dead_letters` (no transient fault).
  static std::vector<Figure> meta_figures(const Platform& platform, const TestCampaign& c,
                                          const Ledger& ledger, const std::set<std::string>& bad,
                                          bool exact_dead_letters) {
    Client admin({.timeout = 10s});
    const json log =
        json::parse(admin.get(platform.url(Service::kMetaGraph) + "/__admin/idempotency").body);
    std::vector<json> records;
    for (const LedgerEntry& e : ledger.entries()) {
      // A change whose every call met an injected fault (answered before Meta's handler) has no
      // record at all.
      const json key = log.at("keys").value(e.id, json());
      if (!key.is_object()) continue;
      for (const json& r : key.value("requests", json::array())) records.push_back(r);
    }
    Figure waits{"requests_during_wait", 0, {}};
    for (const std::string& v : requests_during_wait(records)) {
      waits.value += 1;
      if (waits.examples.size() < 5) waits.examples.push_back(v);
    }
    pqxx::connection conn(platform.database_url());
    pqxx::read_transaction tx(conn);
    std::set<std::string> dead;
    for (const auto& row : tx.exec_params(
             "SELECT change_id::text FROM ad_change_dead_letters WHERE campaign_id = $1", c.id)) {
      dead.insert(row[0].as<std::string>());
    }
    Figure mismatch{"dead_letter_mismatch", 0, {}};
    const auto note = [&](const std::string& what) {
      mismatch.value += 1;
      if (mismatch.examples.size() < 5) mismatch.examples.push_back(what);
    };
    for (const std::string& id : bad) {
      if (!dead.contains(id)) note("not dead-lettered: " + id);
    }
    if (exact_dead_letters) {
      for (const std::string& id : dead) {
        if (!bad.contains(id)) note("dead-lettered without reason: " + id);
      }
    }
    return {waits, mismatch};
  }

  // `with_reads`: the users also read Meta directly (insights, report runs, batches); off where
  // Meta is made to refuse calls, so that the users' errors are the platform's alone.
  RunResult run_flow(const Plan& p, const MetaSize& s, const TestCampaign& campaign,
                     bool exact_dead_letters, bool with_reads,
                     const std::function<void()>& during = {}, RunOptions options = {},
                     const std::function<std::vector<Figure>()>& more_figures = {}) {
    Platform& platform = PlatformEnvironment::platform();
    const MetaObjects objects = make_objects(platform, campaign);
    Ledger ledger(campaign.tag, static_cast<std::size_t>(s.iterations) + 4096);
    std::mutex bad_mutex;
    std::set<std::string> bad;
    VuClients clients(s.vus, "", {.timeout = 10s});
    const std::string publisher = platform.url(Service::kMetaPublisher);
    const std::string meta = platform.url(Service::kMetaGraph) + kGraph;
    ServerGates gates(platform);
    std::jthread fault;
    options.after_load = [&] {
      if (fault.joinable()) fault.join();
      std::vector<Figure> figures =
          check_platform_integrity(ledger, IntegrityScope::of(platform, campaign), {.bound = 90s});
      for (Figure& f : meta_figures(platform, campaign, ledger, bad, exact_dead_letters)) {
        figures.push_back(std::move(f));
      }
      for (Figure& f : gates.finish()) figures.push_back(std::move(f));
      if (more_figures) {
        for (Figure& f : more_figures()) figures.push_back(std::move(f));
      }
      return figures;
    };
    if (during) fault = std::jthread(during);
    return run(
        p,
        [&](IterationContext& ctx) {
          Client& client = clients.of(ctx);
          const auto id = change(ctx, client, publisher, campaign, objects, ledger);
          if (id && ctx.iteration() % 10 == 9) {
            std::lock_guard lock(bad_mutex);
            bad.insert(*id);
          }
          if (with_reads) reads(ctx, client, meta, campaign);
        },
        options);
  }

  // Queues one change through meta-publisher; returns its id once acknowledged.
  static std::optional<std::string> change(IterationContext& ctx, Client& client,
                                           const std::string& publisher,
                                           const TestCampaign& campaign, const MetaObjects& o,
                                           Ledger& ledger) {
    const std::int64_t i = ctx.iteration();
    const std::size_t k = static_cast<std::size_t>(i) % o.adsets.size();
    json body = {{"campaign_id", campaign.id}};
    if (i % 10 == 9) {  // an ad set Meta does not know: #100, dead-lettered at once
      body["change_type"] = "bid";
      body["payload"] = {{"object_id", "999999999999999"}, {"bid_amount", 50}};
    } else if (i % 4 == 0) {
      body["change_type"] = "bid";
      body["payload"] = {{"object_id", o.adsets[k]}, {"bid_amount", 100 + i % 50}};
    } else if (i % 4 == 1) {
      body["change_type"] = "creative";
      body["payload"] = {{"object_id", o.ads[k]},
                         {"creative", {{"creative_id", std::to_string(1 + i % 9)}}}};
    } else if (i % 4 == 2) {
      body["change_type"] = "status";
      body["payload"] = {{"status", i % 8 == 2 ? "paused" : "active"}};
    } else {  // a budget far from the current one: capped steps with fuzz
      body["change_type"] = "budget";
      body["payload"] = {{"daily_budget_cents", i % 8 == 3 ? 9000 : 3000}};
    }
    const json ack = ctx.step("change", [&] {
      return expect_json(client.post_json(publisher + "/v1/ad-changes", body), 202,
                         "POST /v1/ad-changes");
    });
    const std::string id = ack.at("id").get<std::string>();
    ledger.append(ledger_kind::kAdChange, id);
    return id;
  }

  // The reads the platform's reporting makes straight at Meta: sync insights every iteration, an
  // async report run every third, a batch of three every fourth.
  static void reads(IterationContext& ctx, Client& client, const std::string& meta,
                    const TestCampaign& c) {
    ctx.step("insights", [&] {
      const json r = expect_json(
          client.get(meta + c.meta_campaign_id + "/insights?fields=impressions,clicks,spend"), 200,
          "GET {campaign}/insights");
      if (r.at("data").empty()) throw StepFailure(ErrorClass::kBodyMismatch, "no insights rows");
    });
    if (ctx.iteration() % 3 == 0) {
      ctx.step("report_run", [&] {
        const json run = expect_json(client.post_json(meta + c.meta_campaign_id + "/insights",
                                                      {{"fields", "impressions,clicks"}}),
                                     200, "POST {campaign}/insights");
        const std::string id = run.at("report_run_id").get<std::string>();
        for (const auto began = ctx.clock().now();;
             ctx.clock().sleep_until(ctx.clock().now() + 50ms)) {
          const json state = expect_json(client.get(meta + id), 200, "GET {report_run}");
          const std::string status = state.value("async_status", "");
          if (status == "Job Completed") break;
          if (status == "Job Failed" || ctx.clock().now() - began > 10s) {
            throw StepFailure(ErrorClass::kBodyMismatch, "report run " + state.dump());
          }
        }
        expect_json(client.get(meta + id + "/insights"), 200, "GET {report_run}/insights");
      });
    }
    if (ctx.iteration() % 4 == 0) {
      ctx.step("batch", [&] {
        const json batch = {{"batch",
                             {{{"method", "GET"}, {"relative_url", c.meta_campaign_id}},
                              {{"method", "GET"}, {"relative_url", c.ad_account_id + "/adsets"}},
                              {{"method", "GET"}, {"relative_url", c.ad_account_id + "/ads"}}}}};
        const json out = expect_json(client.post_json(meta.substr(0, meta.size() - 1), batch), 200,
                                     "POST batch");
        for (const json& item : out) {
          if (item.value("code", 0) != 200) {
            throw StepFailure(ErrorClass::kBodyMismatch, "batch item " + item.dump());
          }
        }
      });
    }
  }
};

TEST_F(MetaApiStress, AppliesEachChangeOnceAndDeadLettersTheRefused) {
  const MetaSize s = size();
  const TestCampaign campaign =
      create_test_campaign(PlatformEnvironment::platform(), make_run_tag());
  run_flow(plan("meta", ClosedModel{.vus = s.vus, .iterations = s.iterations},
                {"error_rate<1%", "change: p(95)<300ms", "insights: p(95)<300ms",
                 "batch: p(95)<300ms", "report_run: p(95)<5s"}),
           s, campaign, true, true);
}

// Meta's account window (#17) and app window (#4) lowered for the whole run: meta-publisher must
// wait out each throttle, never calling for the account before the wait Meta stated
// (requests_during_wait==0, from the mock's log), and still apply everything once.
TEST_F(MetaApiStress, HonoursThrottlingWaitsFromTheUsageHeaders) {
  MetaSize s = size();
  // Fewer changes: each waits out the lowered windows, so the drain, not the load, is the run.
  s.iterations = param("throttled_iterations", {6, 24, 400}, 1, 1'000'000);
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  Client admin;
  // Windows of 2 s: the account's reset_time_duration is then 1..2 s, the wait meta-publisher
  // must honour; it calls faster than 8 per window, so it is throttled.
  const Response set =
      admin.post_json(platform.url(Service::kMetaGraph) + "/__admin/rate_limits",
                      {{"window_ms", 2000}, {"account_limit", 8}, {"app_limit", 12}});
  ASSERT_EQ(set.status, 200) << set.body;
  Client meta;
  std::int64_t throttled = 0;
  RunOptions options;
  options.label = "throttled";
  Plan p = plan("meta-throttled", ClosedModel{.vus = s.vus, .iterations = s.iterations},
                {"error_rate<1%", "meta_throttled_calls>=1"});
  p.metrics.push_back({"meta_throttled_calls", MetricKind::kFigure});
  run_flow(p, s, campaign, true, false, {}, options, [&] {
    const json stats =
        json::parse(meta.get(platform.url(Service::kMetaGraph) + "/__admin/stats").body);
    for (const auto& [code, n] : stats.at("meta_graph").at("rate_limits").at("throttled").items()) {
      throttled += n.get<std::int64_t>();
    }
    return std::vector<Figure>{{"meta_throttled_calls", static_cast<double>(throttled), {}}};
  });
}

// The Meta mock fails half of all calls (503) for `fault_for`: meta-publisher retries with
// backoff, a change that fails max-attempts times is dead-lettered exactly once, nothing is
// applied twice, and the backlog drains after the fault (meta_backlog_drain_s).
TEST_F(MetaApiStress, FailureMetaFailingHalfTheCallsLosesNothing) {
  const MetaSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const auto fault_for = param("fault_for", {2s, 4s, 30s}, 1s, 1h);
  std::optional<double> drain_s;
  std::int64_t injected = 0;
  const auto fail_half = [&] {
    Client admin;
    const std::string faults = platform.url(Service::kMetaGraph) + "/__admin/faults";
    std::this_thread::sleep_for(500ms);
    admin.post_json(faults, {{"error_rate", 0.5}, {"error_status", 503}});
    std::this_thread::sleep_for(fault_for);
    // The injected count, read before the knobs are reset (which starts it again).
    const json stats =
        json::parse(admin.get(platform.url(Service::kMetaGraph) + "/__admin/stats").body);
    injected = stats.at("faults").at("injected").value("error", std::int64_t{0});
    admin.del(faults);
    const auto lifted = std::chrono::steady_clock::now();
    pqxx::connection conn(platform.database_url());
    while (std::chrono::steady_clock::now() - lifted < 60s) {
      pqxx::read_transaction tx(conn);
      const auto pending = tx.exec_params1(
                                 "SELECT count(*) FROM pending_ad_changes WHERE "
                                 "campaign_id = $1",
                                 campaign.id)[0]
                               .as<std::int64_t>();
      tx.commit();
      if (pending == 0) {
        drain_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - lifted).count();
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
  };
  Plan p = plan("meta-failing-half",
                ClosedModel{.vus = s.vus, .duration = fault_for + 1s, .think_time = 500ms},
                {"error_rate<1%", "meta_errors_injected>=1", "meta_backlog_drain_s<60"});
  p.metrics.push_back({"meta_errors_injected", MetricKind::kFigure});
  p.metrics.push_back({"meta_backlog_drain_s", MetricKind::kFigure});
  RunOptions options;
  options.label = "meta_failing_half";
  // Transient failures may dead-letter a good change after max-attempts: only the refused ones
  // are required there.
  run_flow(p, s, campaign, false, false, fail_half, options, [&] {
    std::vector<Figure> out = {{"meta_errors_injected", static_cast<double>(injected), {}}};
    if (drain_s) out.push_back({"meta_backlog_drain_s", *drain_s, {}});
    return out;
  });
}

}  // namespace
}  // namespace gauntlet

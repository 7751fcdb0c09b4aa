// Budget optimisation under load: a portfolio of the test's own campaigns, each an arm of a
// Thompson sampler. Each iteration reads yesterday's insights of every campaign from the Meta
// mock, turns each CTR into a feedback event (POST /api/v1/feedback), asks ml-service to split the
// portfolio's budget (POST /api/v1/budget/allocate), passes each arm's amount through a decision
// gate (Meta's 100-cent minimum, and no change within 10% of the last target) and queues a budget
// change for every campaign that passes (POST /api/v1/ad-changes, change_type "budget"), which
// meta-publisher's SafeExecutor applies on Meta in capped steps.
//
// Feedback goes through POST /api/v1/feedback, not HubSpot webhooks: the hubspot mock's emitter
// sends no campaignId, so the gateway forwards its events to the seed campaign
// (--hubspot-campaign-id), never to a test's own.
//
// Checks: every allocation sums exactly to its budget (allocation_sum_mismatch), no applied budget
// step moved more than meta-publisher's step cap (budget_steps_over_cap, from ad_change_history),
// Meta holds the budget the platform recorded (meta_budget_mismatch), and the checkers (lost,
// duplicated, unexpected, stuck, audit_gaps) per campaign. Labels: orchestration, critical, budget.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/checkers/wrong_state.hpp"
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

// meta-publisher's --budget-step-cap: the platform runs it at its default (meta-publisher.md).
constexpr double kBudgetStepCap = 0.2;
constexpr std::int64_t kInitialBudgetCents = 5000;  // create_test_campaign's default
constexpr std::int64_t kMetaMinBudgetCents = 100;   // Meta refuses less (#100, 1885272)
constexpr double kGateHoldFraction = 0.10;          // no change within 10% of the last target
constexpr int kArmsPerPortfolio = 3;
constexpr std::size_t kMaxExamples = 5;

struct FlowSize {
  std::int64_t vus = 1;
  std::chrono::nanoseconds duration{};
  std::chrono::nanoseconds think{};
  std::int64_t portfolios = 1;
};

// One campaign of the test: an arm of its portfolio, with a ledger of its own (the checkers read
// one campaign at a time) and the budget the gate last asked for.
struct Arm {
  TestCampaign campaign;
  std::string arm_id;  // "campaign-<id>"
  std::unique_ptr<Ledger> ledger;
  std::atomic<std::int64_t> last_target{kInitialBudgetCents};
};

// A portfolio: its arms; the sampler's arms live under the first arm's campaign.
struct Portfolio {
  std::vector<Arm*> arms;
  std::int64_t sampler_campaign_id() const { return arms.front()->campaign.id; }
};

bool is_meta_throttle(const Response& r) {
  if (r.status == 429) return true;
  if (r.status != 400) return false;
  const auto body = r.json();
  if (!body) return false;
  const std::int64_t code = body->value("/error/code"_json_pointer, std::int64_t{0});
  return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80014);
}

std::int64_t as_int(const json& v) {
  if (v.is_string()) return std::stoll(v.get<std::string>());
  return v.get<std::int64_t>();
}

// Sums the per-campaign integrity figures by name (value added, examples concatenated).
std::vector<Figure> merge_figures(const std::vector<std::vector<Figure>>& parts) {
  std::vector<Figure> out;
  for (const auto& part : parts) {
    for (const Figure& f : part) {
      auto it =
          std::find_if(out.begin(), out.end(), [&](const Figure& o) { return o.name == f.name; });
      if (it == out.end()) {
        out.push_back(f);
        continue;
      }
      it->value += f.value;
      for (const std::string& e : f.examples) {
        if (it->examples.size() < kMaxExamples) it->examples.push_back(e);
      }
    }
  }
  return out;
}

class BudgetFlowStress : public StressFixture {
 protected:
  FlowSize size() {
    return {param("vus", {2, 4, 16}, 1, 200), param("duration", {5s, 15s, 10min}, 1s, 24h),
            param("think_time", {200ms, 200ms, 500ms}, 0ms, 1min),
            param("portfolios", {1, 3, 60}, 1, 1000)};
  }

  Plan plan(const std::string& name, const FlowSize& s, std::vector<std::string> thresholds) const {
    Plan p{.name = name,
           .model = ClosedModel{.vus = s.vus, .duration = s.duration, .think_time = s.think},
           .thresholds = std::move(thresholds)};
    add_platform_checks(p, PlatformEnvironment::platform());
    for (const char* t : {"allocation_sum_mismatch==0", "budget_steps_over_cap==0",
                          "meta_budget_mismatch==0", "budget_changes_queued>=1"}) {
      p.thresholds.emplace_back(t);
    }
    p.metrics.push_back({"budget_steps_over_cap", MetricKind::kFigure});
    p.metrics.push_back({"meta_budget_mismatch", MetricKind::kFigure});
    p.metrics.push_back({"allocation_sum_mismatch", MetricKind::kCounter});
    p.metrics.push_back({"budget_changes_queued", MetricKind::kCounter});
    p.metrics.push_back({"insights_throttled", MetricKind::kCounter});
    return p;
  }

  // The run has no campaign of one: its portfolios' arms are campaigns of its own, each with a
  // ledger of its own (the checkers read one campaign at a time).
  static FlowRunOptions flow_options(const FlowSize& s) {
    return {.vus = s.vus,
            .authorization = PlatformEnvironment::platform().seed().authorization(),
            .own_campaign = false,
            .drain_bound = 90s};
  }

  // Runs the flow over fresh campaigns. `after_load_first` runs once the load has ended, before
  // the integrity checks (a fault's lifting and its recovery figures).
  RunResult run_flow(
      FlowRun& run_of, const Plan& p, const FlowSize& s, RunOptions options = {},
      const std::function<std::vector<Figure>(const std::vector<Arm*>&)>& after_load_first = {}) {
    Platform& platform = run_of.platform();
    const std::string& tag = run_of.tag();
    std::deque<Arm> arms;
    std::vector<Portfolio> portfolios(static_cast<std::size_t>(s.portfolios));
    for (auto& portfolio : portfolios) {
      for (int k = 0; k < kArmsPerPortfolio; ++k) {
        Arm& arm = arms.emplace_back();
        arm.campaign = create_test_campaign(platform, tag + "-c" + std::to_string(arms.size()),
                                            kInitialBudgetCents);
        arm.arm_id = "campaign-" + std::to_string(arm.campaign.id);
        arm.ledger = std::make_unique<Ledger>(arm.campaign.tag, 8192);
        portfolio.arms.push_back(&arm);
      }
    }
    std::vector<Arm*> all;
    for (Arm& a : arms) all.push_back(&a);

    VuClients meta_clients(s.vus, "");
    const std::string gateway = platform.url(Service::kGateway);
    const std::string meta = platform.url(Service::kMetaGraph);
    if (after_load_first) run_of.check_first([&] { return after_load_first(all); });
    run_of.set_integrity([&] {
      std::vector<std::vector<Figure>> integrity;
      for (Arm* a : all) {
        integrity.push_back(check_platform_integrity(*a->ledger,
                                                     IntegrityScope::of(platform, a->campaign),
                                                     {.bound = run_of.drain_bound()}));
      }
      return merge_figures(integrity);
    });
    run_of.check([&] {
      return std::vector<Figure>{budget_steps_over_cap(platform, all),
                                 meta_budget_mismatch(platform, all)};
    });
    return run(
        p,
        [&](IterationContext& ctx) {
          const Portfolio& portfolio =
              portfolios[static_cast<std::size_t>(ctx.iteration() % s.portfolios)];
          flow(ctx, run_of.client(ctx), meta_clients.of(ctx), gateway, meta, portfolio, tag);
        },
        run_of.arm(std::move(options)));
  }

  static void flow(IterationContext& ctx, Client& client, Client& meta_client,
                   const std::string& gateway, const std::string& meta, const Portfolio& portfolio,
                   const std::string& tag) {
    // Insights: yesterday's CTR of each campaign, the reward of its arm. A throttled read leaves
    // that arm without feedback this round (the sampler keeps its posterior), as a client would.
    const std::vector<std::optional<double>> rewards = ctx.step("insights", [&] {
      std::vector<std::optional<double>> out;
      for (const Arm* arm : portfolio.arms) {
        const Response r = meta_client.get(meta + "/v19.0/" + arm->campaign.meta_campaign_id +
                                           "/insights?fields=impressions,clicks&date_preset="
                                           "yesterday&access_token=mock-token");
        if (is_meta_throttle(r)) {
          ctx.count("insights_throttled");
          out.emplace_back();
          continue;
        }
        const json body = expect_json(r, 200, "GET /{campaign}/insights");
        const json& rows = body.at("data");
        if (rows.empty()) throw StepFailure(ErrorClass::kBodyMismatch, "insights without a row");
        const std::int64_t impressions = as_int(rows.at(0).at("impressions"));
        const std::int64_t clicks = as_int(rows.at(0).at("clicks"));
        out.emplace_back(impressions > 0 ? std::clamp(static_cast<double>(clicks) /
                                                          static_cast<double>(impressions),
                                                      0.0, 1.0)
                                         : 0.0);
      }
      return out;
    });
    ctx.step("feedback", [&] {
      for (std::size_t k = 0; k < portfolio.arms.size(); ++k) {
        if (!rewards[k]) continue;
        const std::string event_id =
            tag + "-evt-" + std::to_string(ctx.iteration()) + "-" + std::to_string(k);
        expect_json(client.post_json(gateway + "/api/v1/feedback",
                                     {{"event_id", event_id},
                                      {"campaign_id", portfolio.sampler_campaign_id()},
                                      {"arm_id", portfolio.arms[k]->arm_id},
                                      {"reward", *rewards[k]}}),
                    201, "POST /api/v1/feedback");
        portfolio.arms.front()->ledger->append(ledger_kind::kFeedback, event_id);
      }
    });
    // The portfolio's budget varies a little so that the rounding is exercised.
    const std::int64_t budget = kArmsPerPortfolio * kInitialBudgetCents + 1 + ctx.iteration() % 97;
    const json allocation = ctx.step("allocate", [&] {
      json arm_ids = json::array();
      for (const Arm* arm : portfolio.arms) arm_ids.push_back(arm->arm_id);
      json a = expect_json(client.post_json(gateway + "/api/v1/budget/allocate",
                                            {{"campaign_id", portfolio.sampler_campaign_id()},
                                             {"budget_minor", budget},
                                             {"arms", arm_ids}}),
                           200, "POST /api/v1/budget/allocate");
      std::int64_t sum = 0;
      for (const json& x : a.at("allocations")) sum += x.at("amount_minor").get<std::int64_t>();
      if (sum != budget || a.at("allocations").size() != portfolio.arms.size()) {
        ctx.count("allocation_sum_mismatch");
        ctx.fail(ErrorClass::kBodyMismatch, "allocation of " + std::to_string(budget) +
                                                " sums to " + std::to_string(sum) + ": " +
                                                a.dump());
      }
      return a;
    });
    if (ctx.error()) return;
    // The decision gate: Meta's minimum, and no churn for a move within 10% of the last target.
    std::vector<std::pair<Arm*, std::int64_t>> changes;
    for (const json& x : allocation.at("allocations")) {
      const std::string arm_id = x.at("arm_id").get<std::string>();
      const auto it = std::find_if(portfolio.arms.begin(), portfolio.arms.end(),
                                   [&](const Arm* a) { return a->arm_id == arm_id; });
      if (it == portfolio.arms.end()) {
        ctx.fail(ErrorClass::kBodyMismatch, "allocation names an unknown arm " + arm_id);
        return;
      }
      const std::int64_t target =
          std::max(kMetaMinBudgetCents, x.at("amount_minor").get<std::int64_t>());
      const std::int64_t last = (*it)->last_target.load();
      if (std::llabs(target - last) <= static_cast<std::int64_t>(kGateHoldFraction * last)) {
        ctx.count("gate_held");
        continue;
      }
      (*it)->last_target.store(target);
      changes.emplace_back(*it, target);
    }
    if (changes.empty()) return;
    ctx.step("budget_change", [&] {
      for (const auto& [arm, target] : changes) {
        const json change =
            expect_json(client.post_json(gateway + "/api/v1/ad-changes",
                                         {{"campaign_id", arm->campaign.id},
                                          {"change_type", "budget"},
                                          {"payload", {{"daily_budget_cents", target}}}}),
                        202, "POST /api/v1/ad-changes");
        arm->ledger->append(ledger_kind::kAdChange, change.at("id").get<std::string>(),
                            "daily_budget_cents=" + std::to_string(target));
        ctx.count("budget_changes_queued");
      }
    });
  }

  // Every applied budget step of the campaigns, in the order meta-publisher applied them (one
  // campaign's changes apply one at a time), against the budget before it: a step beyond
  // kBudgetStepCap of the current budget (with the executor's own rounding) counts.
  static Figure budget_steps_over_cap(const Platform& platform, const std::vector<Arm*>& arms) {
    pqxx::connection conn(platform.database_url());
    pqxx::read_transaction tx(conn);
    Figure f{"budget_steps_over_cap", 0, {}};
    std::int64_t steps = 0;
    for (const Arm* arm : arms) {
      std::int64_t current = kInitialBudgetCents;
      for (const auto& row : tx.exec_params(
               "SELECT change_id::text, applied_payload->>'daily_budget' FROM ad_change_history "
               "WHERE campaign_id = $1 AND change_type = 'budget' ORDER BY id",
               arm->campaign.id)) {
        ++steps;
        const std::int64_t applied = std::stoll(row[1].as<std::string>());
        const auto hi = static_cast<std::int64_t>(
            std::floor(static_cast<double>(current) * (1 + kBudgetStepCap)));
        const auto lo = static_cast<std::int64_t>(
            std::ceil(static_cast<double>(current) * (1 - kBudgetStepCap)));
        if (applied > hi || applied < lo) {
          ++f.value;
          if (f.examples.size() < kMaxExamples) {
            f.examples.push_back(row[0].as<std::string>() + ": " + std::to_string(current) +
                                 " -> " + std::to_string(applied));
          }
        }
        current = applied;
      }
    }
    // A check over nothing would pass anything: no applied step at all is a failure of its own.
    if (steps == 0) return {"budget_steps_over_cap", 1, {"no applied budget step to check"}};
    return f;
  }

  // Each campaign's budget on Meta against campaigns.daily_budget_cents after the drain.
  static Figure meta_budget_mismatch(const Platform& platform, const std::vector<Arm*>& arms) {
    pqxx::connection conn(platform.database_url());
    pqxx::read_transaction tx(conn);
    Client meta;
    Figure f{"meta_budget_mismatch", 0, {}};
    for (const Arm* arm : arms) {
      const auto ours = tx.exec_params1("SELECT daily_budget_cents FROM campaigns WHERE id = $1",
                                        arm->campaign.id)[0]
                            .as<std::int64_t>();
      const Response r = meta.get(platform.url(Service::kMetaGraph) + "/v19.0/" +
                                  arm->campaign.meta_campaign_id + "?fields=daily_budget");
      const auto body = r.json();
      const std::optional<std::int64_t> theirs =
          r.status == 200 && body && body->contains("daily_budget")
              ? std::optional<std::int64_t>(as_int(body->at("daily_budget")))
              : std::nullopt;
      if (theirs != ours) {
        ++f.value;
        if (f.examples.size() < kMaxExamples) {
          f.examples.push_back("campaign " + std::to_string(arm->campaign.id) + ": platform " +
                               std::to_string(ours) + ", Meta " + r.body.substr(0, 120));
        }
      }
    }
    return f;
  }
};

TEST_F(BudgetFlowStress, AllocationsAddUpAndBudgetStepsStayCapped) {
  const FlowSize s = size();
  FlowRun run_of(PlatformEnvironment::platform(), flow_options(s));
  run_flow(run_of,
           plan("budget", s,
                {"p(95)<2s", "error_rate<1%", "insights: p(95)<500ms", "feedback: p(95)<1s",
                 "allocate: p(95)<1s", "budget_change: p(95)<1s"}),
           s);
}

// Meta throttles the test's ad accounts (#17, the account window at a few calls per window)
// from a moment into the load until its end: the SafeExecutor waits each throttle out (the change
// and its account's other changes rescheduled, the attempt not counted), and once Meta lets calls
// through again the backlog drains with nothing lost and nothing applied twice. The drain time,
// from the lift to the last pending change applied, is a figure (missing, so failing, when the
// backlog never drains).
TEST_F(BudgetFlowStress, FailureMetaThrottlingIsWaitedOutAndLosesNothing) {
  const FlowSize s = size();
  const auto throttle_after = param("throttle_after", {1s, 5s, 60s}, 0s, 1h);
  const auto account_limit = param("throttled_account_limit", {3, 3, 5}, 1, 1'000'000);
  Platform& platform = PlatformEnvironment::platform();
  const std::string meta = platform.url(Service::kMetaGraph);
  Client admin;
  const Response before = admin.get(meta + "/__admin/rate_limits");
  ASSERT_EQ(before.status, 200) << before.body;
  const json original = *before.json();
  // Calls Meta refused for rate limiting, every code together (GET /__admin/stats).
  const auto throttled_total = [&] {
    const auto stats = admin.get(meta + "/__admin/stats").json();
    if (!stats) throw std::runtime_error("the Meta mock's /__admin/stats is not JSON");
    const json throttled =
        stats->value("/meta_graph/rate_limits/throttled"_json_pointer, json::object());
    double n = 0;
    for (auto it = throttled.begin(); it != throttled.end(); ++it) {
      if (it.value().is_number()) n += it.value().get<double>();
    }
    return n;
  };
  const double throttled_before = throttled_total();

  std::atomic<bool> throttling{false};
  const auto throttle = [&] {
    std::this_thread::sleep_for(throttle_after);
    Client c;
    const Response r =
        c.post_json(meta + "/__admin/rate_limits", {{"account_limit", account_limit}});
    throttling = r.status == 200;
  };
  const auto lift_and_drain = [&](const std::vector<Arm*>& arms) {
    std::vector<Figure> out;
    const Response r = admin.post_json(meta + "/__admin/rate_limits", original);
    if (!throttling || r.status != 200) return out;  // the figures are missing: FAIL
    const auto lifted = std::chrono::steady_clock::now();
    std::string ids = "{";
    for (const Arm* a : arms) ids += (ids.size() > 1 ? "," : "") + std::to_string(a->campaign.id);
    ids += "}";
    pqxx::connection conn(platform.database_url());
    const auto pending = [&] {
      pqxx::nontransaction tx(conn);
      return tx
          .exec_params1(
              "SELECT count(*) FROM pending_ad_changes WHERE campaign_id = ANY($1::bigint[])",
              ids)[0]
          .as<std::int64_t>();
    };
    const std::int64_t backlog = pending();
    out.push_back({"backlog_at_lift", static_cast<double>(backlog), {}});
    out.push_back({"meta_throttled_calls", throttled_total() - throttled_before, {}});
    for (;;) {
      if (pending() == 0) {
        out.push_back(
            {"throttle_backlog_drain_s",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - lifted).count(),
             {}});
        break;
      }
      if (std::chrono::steady_clock::now() - lifted > 120s) break;  // missing: FAIL
      std::this_thread::sleep_for(100ms);
    }
    return out;
  };
  RunOptions options;
  options.label = "meta_throttled";
  // Throttled insights reads are skipped, not failed; every other error still counts.
  Plan p = plan("budget-meta-throttled", s,
                {"error_rate<1%", "p(95)<2s", "allocate: p(95)<1s", "budget_change: p(95)<1s",
                 "meta_throttled_calls>=1", "backlog_at_lift>=1", "throttle_backlog_drain_s<60"});
  for (const char* n : {"meta_throttled_calls", "backlog_at_lift", "throttle_backlog_drain_s"}) {
    p.metrics.push_back({n, MetricKind::kFigure});
  }
  FlowRun run_of(platform, flow_options(s));
  run_of.during(throttle);
  run_flow(run_of, p, s, options, lift_and_drain);
}

// Self-test: the history row of one applied budget change the run requested deleted after the
// load (Meta applied it; the audit trail no longer says so) must turn the run red on
// audit_gaps == 1.
TEST_F(BudgetFlowStress, SelftestMissingHistoryRowTurnsTheRunRed) {
  const FlowSize s{.vus = 2, .duration = 3s, .think = 100ms, .portfolios = 1};
  Platform& platform = PlatformEnvironment::platform();
  FlowRun run_of(platform, flow_options(s));
  run_of.inject([&] {
    corrupt_one_row(platform.database_url(), "an applied change's history row deleted",
                    "DELETE FROM ad_change_history WHERE id = (SELECT h.id FROM "
                    "ad_change_history h JOIN campaigns c ON c.id = h.campaign_id WHERE "
                    "left(c.name, length('gauntlet ' || $1 || '-c')) = 'gauntlet ' || $1 || '-c' "
                    "AND h.payload->>'parent_change_id' IS NULL ORDER BY h.id LIMIT 1) "
                    "RETURNING change_id::text",
                    run_of.tag());
  });
  const RunResult r =
      run_flow(run_of, plan("budget-selftest-audit-gap", s, {}), s, red_run_options("audit_gap"));
  expect_red_on(r, "audit_gaps", 1);
}

}  // namespace
}  // namespace gauntlet

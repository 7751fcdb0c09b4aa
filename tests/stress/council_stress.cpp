// AI Council orchestration under load, straight at titan-core: concurrent councils, each running
// director -> oracle -> council of titans -> Veo director -> pipeline. Each stage's own duration
// (from the council's answer) is a trend `stage.<name>`; every verdict must be complete and
// well-formed (the five stages in order, one distinct hook per variant, a prediction per hook, a
// winner among them, 3..6 shots that sum to the direction's length, the script's render of that
// length) and every blueprint it acknowledged must be stored once for the test's campaign.
// Labels: feature, council.
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/integrity_check.hpp"
#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/run_tag.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/faults/recovery_time.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

constexpr std::string_view kBlueprint = "blueprint";
constexpr std::array<std::string_view, 5> kStages = {"director", "oracle", "council_of_titans",
                                                     "veo_director", "pipeline"};

struct CouncilSize {
  std::int64_t vus = 1;
  std::int64_t councils = 1;
};

// What is wrong with a council's answer for `variants` variants: "" when it is complete and
// well-formed.
std::string verdict_problem(const json& v, std::int64_t variants) {
  const json& stages = v.at("stages");
  if (stages.size() != kStages.size()) return "stages: " + stages.dump();
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    if (stages[i].at("name") != kStages[i])
      return "stage " + std::to_string(i) + " is " + stages[i].at("name").dump();
  }
  const json& hooks = v.at("direction").at("hooks");
  std::set<std::string> distinct;
  for (const json& h : hooks) distinct.insert(h.get<std::string>());
  if (static_cast<std::int64_t>(distinct.size()) != variants) {
    return "hooks " + hooks.dump() + " for " + std::to_string(variants) + " variants";
  }
  if (static_cast<std::int64_t>(v.at("predictions").size()) != variants) {
    return "predictions: " + std::to_string(v.at("predictions").size());
  }
  const std::string winner = v.at("votes").at("winner").get<std::string>();
  if (!distinct.contains(winner) || v.at("hook") != winner) return "winner " + winner;
  const std::int64_t length = v.at("direction").at("duration_ms").get<std::int64_t>();
  const json& shots = v.at("shots");
  std::int64_t sum = 0;
  for (const json& shot : shots) sum += shot.at("duration_ms").get<std::int64_t>();
  if (shots.size() < 3 || shots.size() > 6 || sum != length) {
    return std::to_string(shots.size()) + " shots of " + std::to_string(sum) + " ms for " +
           std::to_string(length) + " ms";
  }
  if (v.at("script").at("render").at("duration_ms") != length) return "render length";
  if (!v.at("blueprint_id").is_number_integer()) return "no blueprint_id";
  return "";
}

class CouncilStress : public StressFixture {
 protected:
  CouncilSize size() {
    return {param("vus", {4, 8, 32}, 1, 500), param("councils", {16, 160, 5000}, 1, 1'000'000)};
  }

  Plan plan(const std::string& name, ClosedModel model, std::vector<std::string> thresholds) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = std::move(thresholds)};
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    for (const std::string_view stage : kStages) {
      p.metrics.push_back({"stage." + std::string(stage), MetricKind::kTrend});
    }
    p.metrics.push_back({"malformed_verdicts", MetricKind::kCounter});
    return p;
  }

  // The campaign's blueprints as the checkers see them: one row each.
  static ObservedState read_blueprints(const std::string& database_url, std::int64_t campaign) {
    pqxx::connection conn(database_url);
    pqxx::read_transaction tx(conn);
    ObservedState observed;
    for (const auto& row :
         tx.exec_params("SELECT id FROM blueprints WHERE campaign_id = $1 ORDER BY id", campaign)) {
      ObservedRow r;
      r.kind = std::string(kBlueprint);
      r.id = row[0].as<std::string>();
      r.state = "stored";
      observed.rows.push_back(std::move(r));
    }
    return observed;
  }

  // The run's campaign, ledger and clients; its integrity is the campaign's blueprints, one
  // row each, against the ledger.
  static FlowRunOptions flow_options(const CouncilSize& s, const TestCampaign& campaign) {
    return {.vus = s.vus,
            .client = {.timeout = 30s},
            .ledger_entries = static_cast<std::size_t>(s.councils) + 16,
            .campaign = campaign};
  }

  // `outcomes`, when given, receives each council's end: stored or not (a fault's recovery).
  RunResult run_flow(FlowRun& flow, const Plan& p, RunOptions options = {},
                     OutcomeLog* outcomes = nullptr) {
    const std::string titan = flow.platform().url(Service::kTitanCore);
    flow.set_integrity([&flow] {
      return integrity_figures(
          check_integrity(flow.ledger().entries(),
                          read_blueprints(flow.platform().database_url(), flow.campaign().id)));
    });
    return run(
        p,
        [&](IterationContext& ctx) {
          try {
            council(ctx, flow.client(ctx), titan, flow.campaign().id, flow.ledger());
          } catch (...) {
            if (outcomes) outcomes->add(false);
            throw;
          }
          if (outcomes) outcomes->add(true);
        },
        flow.arm(std::move(options)));
  }

  static void council(IterationContext& ctx, Client& client, const std::string& titan,
                      std::int64_t campaign_id, Ledger& ledger) {
    const std::int64_t variants = 1 + ctx.iteration() % 6;
    static const std::array<std::string, 4> kBriefs = {
        "A fun ad for dog treats", "A premium launch for a leather watch",
        "Last chance: half price trail shoes today", "A confident pitch for a budgeting app"};
    const std::string prompt = kBriefs[static_cast<std::size_t>(ctx.iteration()) % kBriefs.size()] +
                               ", take " + std::to_string(ctx.iteration());
    const json verdict = ctx.step("council", [&] {
      return expect_json(client.post_json(titan + "/v1/council", {{"prompt", prompt},
                                                                  {"variants", variants},
                                                                  {"campaign_id", campaign_id}}),
                         201, "POST /v1/council");
    });
    ledger.append(kBlueprint, verdict.at("blueprint_id").dump());
    for (const json& stage : verdict.at("stages")) {
      ctx.trend("stage." + stage.at("name").get<std::string>(),
                std::chrono::nanoseconds(
                    static_cast<std::int64_t>(stage.at("duration_ms").get<double>() * 1e6)));
    }
    const std::string problem = verdict_problem(verdict, variants);
    if (!problem.empty()) {
      ctx.count("malformed_verdicts");
      ctx.fail(ErrorClass::kBodyMismatch, "council verdict: " + problem);
    }
  }
};

TEST_F(CouncilStress, ReturnsCompleteVerdictsUnderConcurrency) {
  const CouncilSize s = size();
  const TestCampaign campaign =
      create_test_campaign(PlatformEnvironment::platform(), make_run_tag());
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s, campaign));
  run_flow(flow, plan("council", ClosedModel{.vus = s.vus, .iterations = s.councils},
                      {"error_rate<1%", "council: p(95)<2s", "malformed_verdicts==0",
                       "stage.director: p(95)<500ms", "stage.oracle: p(95)<500ms",
                       "stage.council_of_titans: p(95)<500ms", "stage.veo_director: p(95)<500ms",
                       "stage.pipeline: p(95)<500ms"}));
}

// titan-core's database calls slowed: the test holds its own campaign's row lock (FOR UPDATE)
// for `fault_for`, so every blueprint insert of a council (whose foreign key needs that row)
// waits on it. The councils must end by titan-core's own timeout (its statement timeout, 2 s:
// an error answer) rather than wait as long as the database does. Two users, as many as
// titan-core has handler threads, so that no council also queues behind another's wait: each
// then ends within the timeout plus a margin (`council_deadline`), well inside the lock's hold.
// Some councils must have failed (council: error_rate>0: the fault bit), nothing acknowledged
// may be lost, and the time from the lock's release to the first stored council after the last
// failed one is council_recovery_s (recovery_after, faults/recovery_time.hpp).
TEST_F(CouncilStress, FailureSlowDatabaseEndsCouncilsByTimeoutNotHang) {
  CouncilSize s = size();
  s.vus = 2;  // titan-core's --threads
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const auto fault_for = param("fault_for", {5s, 5s, 20s}, 1s, 10min);
  const auto deadline = param("council_deadline", {3s, 3s, 3s}, 1s, 10min);
  // When the lock was released: written by the fault thread, read after it has joined.
  std::optional<std::chrono::steady_clock::time_point> released_at;
  OutcomeLog outcomes;  // every council's end, stored or not
  const auto slow_database = [&] {
    std::this_thread::sleep_for(500ms);  // councils are under way
    pqxx::connection conn(platform.database_url());
    pqxx::work tx(conn);
    tx.exec_params("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE", campaign.id);
    std::this_thread::sleep_for(fault_for);
    tx.commit();
    released_at = std::chrono::steady_clock::now();
  };
  const std::string max_latency =
      "council: max<" +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count()) +
      "ms";
  Plan p = plan("council-slow-database", ClosedModel{.vus = s.vus, .duration = fault_for + 3s},
                {max_latency, "success_rate>0", "council_recovery_s<5", "council: error_rate>0"});
  p.metrics.push_back({"council_recovery_s", MetricKind::kFigure});
  RunOptions options;
  options.label = "slow_database";
  FlowRun flow(platform, flow_options(s, campaign));
  flow.during(slow_database);
  flow.check([&] {
    std::vector<Figure> out;  // no release: the figure is missing, and fails
    if (released_at) {
      out.push_back(recovery_figure(
          "council_recovery_s",
          recovery_after(outcomes.sorted(), *released_at, std::chrono::steady_clock::now())));
    }
    return out;
  });
  run_flow(flow, p, options, &outcomes);
}

// Self-test: one of the run's acknowledged blueprints deleted after the load must turn the run
// red on lost == 1.
TEST_F(CouncilStress, SelftestLostBlueprintTurnsTheRunRed) {
  const CouncilSize s{.vus = 2, .councils = 2};
  Platform& platform = PlatformEnvironment::platform();
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  FlowRun flow(platform, flow_options(s, campaign));
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "an acknowledged blueprint deleted",
                    "DELETE FROM blueprints WHERE id = (SELECT id FROM blueprints WHERE "
                    "campaign_id = $1::bigint ORDER BY id LIMIT 1) RETURNING id::text",
                    std::to_string(campaign.id));
  });
  const RunResult r =
      run_flow(flow, plan("council-selftest-lost", ClosedModel{.vus = 2, .iterations = 2}, {}),
               red_run_options("lost_blueprint"));
  expect_red_on(r, "lost", 1);
}

}  // namespace
}  // namespace gauntlet

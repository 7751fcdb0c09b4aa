// The self-learning cycle under load, through the gateway: some virtual users start learning
// cycles (POST /api/v1/learning/cycles, each with a cycle_key of its own starting with the test's
// run tag, which runs the seven steps actuals fetcher -> accuracy tracker -> auto-retrain ->
// compound learning -> auto-promote -> cross-learning -> RAG indexing) while the others keep live
// prediction and feedback traffic on the test's campaign. At most one cycle runs at a time, so
// concurrent starts are answered 409 and retried with the same key; a few keys are sent again
// and must not run again. Every cycle and feedback event the platform acknowledged goes into the
// ledger; after the load the checkers compare it with the database (lost, duplicated,
// unexpected, stuck), cycle_steps_out_of_order reads each cycle's step rows (seven, each once,
// started in order, a failed cycle's later steps skipped), and the server gates add the
// database's and the services' side. Labels: orchestration, critical, learning.
#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/cycle_steps.hpp"
#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/wrong_state.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/faults/recovery_time.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

Figure figure_of(std::string name, const std::vector<std::string>& offenders,
                 std::size_t max_examples = 5) {
  Figure f{std::move(name), static_cast<double>(offenders.size()), {}};
  for (std::size_t i = 0; i < offenders.size() && i < max_examples; ++i) {
    f.examples.push_back(offenders[i]);
  }
  return f;
}

// The local TCP ports of the sockets process `pid` holds (its connections to the database among
// them), read from /proc: the fd table names socket inodes, /proc/<pid>/net/tcp{,6} maps them to
// ports. Empty when /proc cannot be read.
std::set<int> tcp_ports_of(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes;
  if (DIR* dir = ::opendir((proc + "/fd").c_str())) {
    while (const dirent* e = ::readdir(dir)) {
      std::array<char, 128> target{};
      const std::string link = proc + "/fd/" + e->d_name;
      const ssize_t n = ::readlink(link.c_str(), target.data(), target.size() - 1);
      const std::string t(target.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
      if (t.starts_with("socket:[") && t.ends_with("]")) inodes.insert(t.substr(8, t.size() - 9));
    }
    ::closedir(dir);
  }
  std::set<int> ports;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(proc + table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, st, queues, timer, retransmits, uid, timeout, inode;
      fields >> sl >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || !inodes.contains(inode)) continue;
      ports.insert(static_cast<int>(std::stoul(local.substr(colon + 1), nullptr, 16)));
    }
  }
  return ports;
}

// Terminates every database backend serving one of the platform's managed services (found by the
// client ports their processes hold), never the test's own connections (the server gates', the
// checkers'). Returns how many backends were terminated.
std::int64_t terminate_service_connections(const Platform& platform, pqxx::connection_base& conn) {
  std::string ports;
  for (const Service s : kAllServices) {
    if (!platform.is_managed(s) || platform.pid(s) <= 0) continue;
    for (const int port : tcp_ports_of(platform.pid(s))) {
      ports += (ports.empty() ? "" : ",") + std::to_string(port);
    }
  }
  if (ports.empty()) return 0;
  pqxx::nontransaction tx(conn);
  return tx
      .exec(
          "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
          "WHERE datname = current_database() AND pid <> pg_backend_pid() "
          "  AND backend_type = 'client backend' AND client_port IN (" +
          ports + ")")[0][0]
      .as<std::int64_t>();
}

struct LearningSize {
  std::int64_t cycle_vus = 1;    // virtual users starting cycles
  std::int64_t traffic_vus = 1;  // virtual users sending predictions and feedback
  std::chrono::nanoseconds duration{};
};

// What a flow does when the platform does not answer as it should: in the steady-state test any
// failure fails the step; under a database fault a client retries with the same key (cycle_key,
// event_id are idempotent), which is what the fault test checks is safe.
struct RetryPolicy {
  bool retry_failures = false;
  std::chrono::nanoseconds give_up_after = 60s;
};

class LearningCycleStress : public StressFixture {
 protected:
  LearningSize size() {
    return {param("cycle_vus", {2, 4, 12}, 1, 200), param("traffic_vus", {2, 6, 24}, 1, 400),
            param("duration", {6s, 15s, 5min}, 1s, 2h)};
  }

  Plan plan(const std::string& name, const LearningSize& s,
            std::vector<std::string> thresholds) const {
    Plan p{.name = name,
           .model = ClosedModel{.vus = s.cycle_vus + s.traffic_vus, .duration = s.duration},
           .thresholds = std::move(thresholds)};
    // No ad changes in this flow: no audit_gaps threshold.
    static constexpr std::array<std::string_view, 4> kZero = {"lost", "duplicated", "unexpected",
                                                              "stuck"};
    add_platform_checks(p, PlatformEnvironment::platform(), kZero);
    for (const char* t : {"cycle_steps_out_of_order==0", "cycles_acknowledged>=1",
                          "feedback_applied>=1", "cycle_repeats>=1", "cycle_repeat_reran==0"}) {
      p.thresholds.emplace_back(t);
    }
    p.metrics.push_back({"cycle_steps_out_of_order", MetricKind::kFigure});
    for (const char* c : {"cycles_acknowledged", "cycles_failed", "cycle_conflicts",
                          "cycle_repeats", "cycle_repeat_reran", "feedback_applied",
                          "feedback_duplicates_sent", "retried_attempts"}) {
      p.metrics.push_back({c, MetricKind::kCounter});
    }
    p.metrics.push_back({"cycle_run", MetricKind::kTrend});
    for (std::string_view step : kCycleSteps) {
      p.metrics.push_back({"learning." + std::string(step), MetricKind::kTrend});
    }
    return p;
  }

  static FlowRunOptions flow_options(const LearningSize& s) {
    return {.vus = s.cycle_vus + s.traffic_vus,
            .authorization = PlatformEnvironment::platform().seed().authorization(),
            .ledger_entries = 20'000};
  }

  // Runs the flow, then drains and checks integrity, the cycles' steps and the servers.
  RunResult run_flow(FlowRun& flow, const Plan& p, const LearningSize& s, RetryPolicy retry,
                     RunOptions options = {}) {
    const Platform& platform = flow.platform();
    const std::string gateway = platform.url(Service::kGateway);
    flow.check([&] {
      pqxx::connection conn(platform.database_url());  // closed before the gates' sample
      return std::vector<Figure>{figure_of(
          "cycle_steps_out_of_order", cycle_step_violations(read_cycle_steps(conn, flow.tag())))};
    });
    const auto scenario = [&](IterationContext& ctx) {
      Client& client = flow.client(ctx);
      if (ctx.vu_id() < s.cycle_vus) {
        cycle_flow(ctx, client, gateway, flow.tag(), flow.ledger(), retry);
      } else {
        traffic_flow(ctx, client, gateway, flow.campaign(), flow.tag(), flow.ledger(), retry);
      }
    };
    return run(p, scenario, flow.arm(std::move(options)));
  }

  OutcomeLog outcomes_;

 private:
  // Sends `send()` until the platform answers one of `accepted` (a 409 is "busy, try again":
  // retried always; other failures only under retry.retry_failures). Returns the answer.
  Response send_until(IterationContext& ctx, const RetryPolicy& retry,
                      const std::function<Response()>& send, std::initializer_list<long> accepted,
                      bool retry_conflicts, std::string_view what) {
    const auto started = ctx.clock().now();
    for (int attempt = 0;; ++attempt) {
      Response r = send();
      const bool ok = std::find(accepted.begin(), accepted.end(), r.status) != accepted.end();
      const bool conflict = retry_conflicts && r.status == 409;
      outcomes_.add(ok || conflict);
      if (ok) return r;
      if (conflict) {
        ctx.count("cycle_conflicts");
      } else if (!retry.retry_failures) {
        expect_json(r, *accepted.begin(), what);  // throws the failure with its class
      } else {
        ctx.count("retried_attempts");
      }
      if (ctx.clock().now() - started > retry.give_up_after || ctx.stop_requested()) {
        throw StepFailure(ErrorClass::kTimeout,
                          std::string(what) + " not accepted after " + std::to_string(attempt + 1) +
                              " attempts; last answer " + std::to_string(r.status) + ": " +
                              r.body.substr(0, 160));
      }
      // Another cycle takes a fraction of a second: poll briskly, with a little spread.
      ctx.clock().sleep_until(ctx.clock().now() + (conflict ? 20ms : 100ms) +
                              std::chrono::milliseconds(ctx.vu_id() * 3 % 17));
    }
  }

  void cycle_flow(IterationContext& ctx, Client& client, const std::string& gateway,
                  const std::string& tag, Ledger& ledger, const RetryPolicy& retry) {
    const std::string key = tag + "-" + std::to_string(ctx.iteration());
    const std::string url = gateway + "/api/v1/learning/cycles";
    const json start = {{"trigger", "manual"}, {"cycle_key", key}};
    const json cycle = ctx.step("cycle", [&] {
      std::chrono::nanoseconds last_attempt{};
      const Response r = send_until(
          ctx, retry,
          [&] {
            const auto t0 = ctx.clock().now();
            Response resp = client.post_json(url, start);
            last_attempt = ctx.clock().now() - t0;
            return resp;
          },
          {201, 200}, true, "POST /api/v1/learning/cycles");
      json body = expect_json(r, r.status, "POST /api/v1/learning/cycles");
      // The platform acknowledged the key: whatever became of the cycle, it must be there.
      ledger.append(ledger_kind::kLearningCycle, key);
      ctx.count("cycles_acknowledged");
      if (r.status == 201) ctx.trend("cycle_run", last_attempt);
      return body;
    });
    ctx.step("cycle_result", [&] { check_cycle(ctx, cycle, retry); });
    if (ctx.vu_iteration() % 3 == 1) {
      // The same key again: the existing cycle comes back and nothing runs a second time.
      ctx.step("cycle_repeat", [&] {
        const Response r = send_until(
            ctx, retry, [&] { return client.post_json(url, start); }, {200, 201}, false,
            "POST /api/v1/learning/cycles (repeat)");
        ctx.count("cycle_repeats");
        const json again = expect_json(r, r.status, "POST /api/v1/learning/cycles (repeat)");
        if (r.status == 201 || again.value("created", true) ||
            again.value("id", json()) != cycle.value("id", json())) {
          ctx.count("cycle_repeat_reran");
          ctx.fail(ErrorClass::kBodyMismatch,
                   "a repeated cycle_key answered " + std::to_string(r.status) + " " +
                       r.body.substr(0, 160) + " (expected 200, created false, the same id)");
        }
      });
    }
  }

  // The cycle as the 201/200 answered it: finished, and its steps' own durations as trends.
  static void check_cycle(IterationContext& ctx, const json& cycle, const RetryPolicy& retry) {
    const std::string status = cycle.value("status", "");
    if (status == "failed") ctx.count("cycles_failed");
    const bool expected = status == "succeeded" || (retry.retry_failures && status == "failed");
    if (!expected) {
      ctx.fail(ErrorClass::kBodyMismatch, "learning cycle " + cycle.value("cycle_key", "") +
                                              " answered with status " + status + ": " +
                                              cycle.value("error", json()).dump());
    }
    for (const json& step : cycle.value("steps", json::array())) {
      const json detail = step.value("detail", json::object());
      const std::string name = step.value("name", "");
      if (!detail.contains("duration_ms") || !detail["duration_ms"].is_number()) continue;
      const auto ms = detail["duration_ms"].get<double>();
      ctx.trend("learning." + name,
                std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1'000'000.0)));
    }
  }

  void traffic_flow(IterationContext& ctx, Client& client, const std::string& gateway,
                    const TestCampaign& campaign, const std::string& tag, Ledger& ledger,
                    const RetryPolicy& retry) {
    const std::int64_t n = ctx.iteration();
    const json prediction = ctx.step("predict", [&] {
      const Response r =
          client.post_json(gateway + "/api/v1/predictions", {{"campaign_id", campaign.id},
                                                             {"features",
                                                              {{"duration_s", 10 + n % 20},
                                                               {"hook_strength", (n % 10) / 10.0},
                                                               {"scene_count", 3}}}});
      outcomes_.add(r.status == 201);
      return expect_json(r, 201, "POST /api/v1/predictions");
    });
    const std::string event_id = tag + "-evt-" + std::to_string(n);
    const json event = {{"event_id", event_id},
                        {"campaign_id", campaign.id},
                        {"arm_id", "hook_" + std::to_string(n % 3)},
                        {"reward", n % 2 == 0 ? 1.0 : 0.0},
                        {"prediction_id", prediction.at("id")},
                        {"observed_ctr", 0.02}};
    ctx.step("feedback", [&] {
      const Response r = send_until(
          ctx, retry, [&] { return client.post_json(gateway + "/api/v1/feedback", event); },
          {201, 200}, false, "POST /api/v1/feedback");
      // 200 means "duplicate": under retries the first attempt may have been applied after all.
      const json body = expect_json(r, r.status, "POST /api/v1/feedback");
      if (r.status == 200 && !retry.retry_failures) {
        ctx.fail(ErrorClass::kBodyMismatch, "a fresh event_id answered as a duplicate: " + r.body);
      }
      ledger.append(ledger_kind::kFeedback, event_id);
      ctx.count("feedback_applied");
    });
    if (n % 5 == 0) {
      ctx.step("feedback_repeat", [&] {
        const Response r = send_until(
            ctx, retry, [&] { return client.post_json(gateway + "/api/v1/feedback", event); },
            {200}, false, "POST /api/v1/feedback (repeat)");
        ctx.count("feedback_duplicates_sent");
        const json body = expect_json(r, 200, "POST /api/v1/feedback (repeat)");
        ctx.check(body.value("duplicate", false) && !body.value("applied", true),
                  "a repeated event_id was not answered as a duplicate: " + r.body);
      });
    }
  }
};

TEST_F(LearningCycleStress, EveryCycleRunsItsSevenStepsOnceInOrderUnderTraffic) {
  const LearningSize s = size();
  FlowRun flow(PlatformEnvironment::platform(), flow_options(s));
  run_flow(flow,
           plan("learning-cycle", s,
                {"error_rate<1%", "cycle: p(95)<20s", "cycle_run: p(95)<5s", "predict: p(95)<500ms",
                 "feedback: p(95)<500ms", "retried_attempts==0"}),
           s, RetryPolicy{});
}

// Every service's database connections terminated (pg_terminate_backend) twice while cycles run
// and feedback arrives: the pools drop the dead connections and open new ones. A cycle caught by
// it fails cleanly (its later steps skipped, nothing left running), clients retrying with the same
// cycle_key or event_id never make anything run or apply twice, nothing acknowledged is lost, and
// requests succeed again within seconds (db_recovery_s, the slower of the two).
TEST_F(LearningCycleStress, FailureDatabaseConnectionsTerminatedMidCycleLoseNothing) {
  Platform& platform = PlatformEnvironment::platform();
  if (platform.database_dir().empty()) {
    GTEST_SKIP() << "skipped: the database is external (GAUNTLET_DATABASE_URL); this test "
                    "terminates its backends";
  }
  GAUNTLET_REQUIRE_MANAGED(Service::kMlService);
  const LearningSize s = size();
  const std::int64_t kills = param("db_kills", {2, 2, 2}, 1, 2);
  using SteadyTime = std::chrono::steady_clock::time_point;
  std::vector<SteadyTime> killed_at;
  std::int64_t terminated = 0;
  std::int64_t mid_cycle = 0;
  SteadyTime load_end{};
  FlowRun flow(platform, flow_options(s));
  const auto terminate = [&] {
    const std::string& tag = flow.tag();
    const SteadyTime start = std::chrono::steady_clock::now();
    pqxx::connection conn(platform.database_url());
    for (std::int64_t k = 1; k <= kills; ++k) {
      std::this_thread::sleep_until(start + s.duration * k / (kills + 1));
      // Wait (briefly) for one of the test's cycles to be running, so the fault lands mid-cycle.
      const SteadyTime wait_until = std::chrono::steady_clock::now() + 2s;
      bool running = false;
      while (!running && std::chrono::steady_clock::now() < wait_until) {
        pqxx::read_transaction tx(conn);
        running = tx.exec_params1(
                        "SELECT count(*) FROM learning_cycles WHERE status = 'running' "
                        "AND left(cycle_key, length($1)) = $1",
                        tag)[0]
                      .as<std::int64_t>() > 0;
        tx.commit();
        if (!running) std::this_thread::sleep_for(5ms);
      }
      terminated += terminate_service_connections(platform, conn);
      killed_at.push_back(std::chrono::steady_clock::now());
      if (running) ++mid_cycle;
    }
    load_end = start + s.duration + 60s;
  };
  RunOptions options;
  options.label = "db_connections_terminated";
  // Errors are expected right after each termination; integrity is not negotiable, and the
  // recovery is a figure of its own (missing, and so failing, when requests never succeeded again).
  Plan p = plan("learning-cycle-db-terminated", s,
                {"error_rate<20%", "cycle: p(95)<30s", "predict: p(95)<2s", "feedback: p(95)<2s",
                 "db_backends_terminated>=1", "db_recovery_s<10"});
  for (const char* f : {"db_backends_terminated", "db_terminations_mid_cycle", "db_recovery_s"}) {
    p.metrics.push_back({f, MetricKind::kFigure});
  }
  flow.during(terminate);
  flow.check([&] {
    std::vector<Figure> out{{"db_backends_terminated", static_cast<double>(terminated), {}},
                            {"db_terminations_mid_cycle", static_cast<double>(mid_cycle), {}}};
    // Each termination's recovery (faults/recovery_time.hpp), until the next one; the slower.
    const std::vector<Outcome> outcomes = outcomes_.sorted();
    std::vector<Recovery> recoveries;
    for (std::size_t k = 0; k < killed_at.size(); ++k) {
      const SteadyTime until = k + 1 < killed_at.size() ? killed_at[k + 1] : load_end;
      recoveries.push_back(recovery_after(outcomes, killed_at[k], until));
    }
    if (!killed_at.empty()) out.push_back(recovery_figure("db_recovery_s", slowest(recoveries)));
    return out;
  });
  run_flow(flow, p, s, RetryPolicy{.retry_failures = true}, options);
}

// Self-test: the last step of one of the run's acknowledged cycles set back to pending after the
// load must turn the run red on stuck == 1.
TEST_F(LearningCycleStress, SelftestStuckCycleStepTurnsTheRunRed) {
  const LearningSize s{.cycle_vus = 1, .traffic_vus = 1, .duration = 2s};
  Platform& platform = PlatformEnvironment::platform();
  FlowRunOptions o = flow_options(s);
  o.drain_bound = 3s;  // the stuck step waits the whole drain out
  FlowRun flow(platform, o);
  flow.inject([&] {
    corrupt_one_row(platform.database_url(), "a cycle's last step set back to pending",
                    "UPDATE learning_cycle_steps SET status = 'pending', started_at = NULL, "
                    "finished_at = NULL WHERE (cycle_id, step_index) = (SELECT s.cycle_id, "
                    "max(s.step_index) FROM learning_cycle_steps s JOIN learning_cycles c ON "
                    "c.id = s.cycle_id WHERE left(c.cycle_key, length($1)) = $1 GROUP BY "
                    "s.cycle_id ORDER BY s.cycle_id LIMIT 1) RETURNING cycle_id::text",
                    flow.tag());
  });
  const RunResult r = run_flow(flow, plan("learning-selftest-stuck", s, {}), s, RetryPolicy{},
                               red_run_options("stuck_cycle_step"));
  expect_red_on(r, "stuck", 1);
}

}  // namespace
}  // namespace gauntlet

// The Meta API and the SafeExecutor under load. The test's own campaign (its own ad account on
// the Meta mock) gets ad sets and ads; virtual users queue changes through meta-publisher (bid
// on an ad set, creative on an ad, status and budget on the campaign; every tenth change names
// an object Meta does not know, which must go to the dead-letter table exactly once after one
// attempt; two in ten go to an ad the mock always fails, which must be dead-lettered after
// exactly --max-attempts attempts, their retries spread by jitter within the backoff's bounds)
// and read the mock directly as the platform's reporting does: sync insights, async report runs
// (created, polled until complete, read) and batch calls. After the load the checkers compare
// what meta-publisher acknowledged with the database and the mock's idempotency log (lost,
// applied twice, unexpected, stuck, audit gaps), whether meta-publisher called while Meta had
// told it to wait (requests_during_wait), and whether every applied budget step kept to the cap
// (budget_steps_off_rule). Other cases: Meta's windows lowered (#4, #17), each throttle code
// forced in turn (#4, #17, #613, #80004), budgets far from the current one, and Meta failing
// half its calls. Labels: feature, meta.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ad_change_reader.hpp"
#include "fixtures/checkers/budget_cap_check.hpp"
#include "fixtures/checkers/dead_letter_check.hpp"
#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/checkers/retry_delay_check.hpp"
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

// The objects the test made on the Meta mock for its campaign; `failing_ad` is answered #2
// (503) on every call while the test's MetaKnobs say so.
struct MetaObjects {
  std::vector<std::string> adsets;
  std::vector<std::string> ads;
  std::string failing_ad;
};

// What a run checks besides integrity (docs/suite.md, "Meta API and the SafeExecutor").
struct MetaChecks {
  // Exactly the expected changes are dead-lettered, after exactly the expected attempts (no
  // transient fault of the whole mock, which may dead-letter any change).
  bool exact_dead_letters = true;
  // The users also read Meta directly (insights, report runs, batches); off where Meta is made
  // to refuse calls, so that the users' errors are the platform's alone.
  bool with_reads = true;
  // Changes i % 10 in {1, 5} go to an ad Meta always fails: dead-lettered after --max-attempts.
  bool failing_ads = false;
  // Every change goes to that ad (a light load, so that a retry's delay is its backoff, not a
  // queue): the delays between attempts are spread by the jitter and within the backoff's
  // bounds (retry_delay_spread, retry_delays_out_of_bounds).
  bool retry_jitter = false;
  // Each must have refused at least one of the test's calls, and none of its waits broken.
  std::vector<int> throttle_codes = {};
};

// meta-publisher's executor knobs (its /__admin/stats), which bound the checks.
json executor_config(const Platform& platform) {
  Client admin({.timeout = 10s});
  const std::string url = platform.url(Service::kMetaPublisher) + "/__admin/stats";
  const json stats = json::parse(admin.get(url).body);
  const json executor = stats.value("meta_publisher", json()).value("executor", json());
  if (!executor.is_object()) {
    throw std::runtime_error("GET " + url + " has no meta_publisher.executor: " + stats.dump());
  }
  return executor;
}

// The Meta mock's per-test knobs: rate limits (restored as they were), forced throttles and
// failing objects (turned off) when the test ends, passed or not.
class MetaKnobs {
 public:
  explicit MetaKnobs(const Platform& platform)
      : url_(platform.url(Service::kMetaGraph)), limits_(get("/__admin/rate_limits")) {}
  ~MetaKnobs() {
    try {
      admin_.del(url_ + "/__admin/throttle");
      admin_.del(url_ + "/__admin/failing_objects");
      admin_.post_json(url_ + "/__admin/rate_limits", limits_);
    } catch (const std::exception&) {  // the platform's own teardown reports a dead mock
    }
  }
  MetaKnobs(const MetaKnobs&) = delete;
  MetaKnobs& operator=(const MetaKnobs&) = delete;

  json get(const std::string& path) { return json::parse(admin_.get(url_ + path).body); }
  // Throws std::runtime_error with the mock's answer unless it is 200.
  void post(const std::string& path, const json& body) {
    const Response r = admin_.post_json(url_ + path, body);
    if (r.status != 200) {
      throw std::runtime_error("POST " + path + " " + body.dump() + " answered " +
                               std::to_string(r.status) + " " + r.body);
    }
  }

 private:
  Client admin_{{.timeout = 10s}};
  std::string url_;
  json limits_;
};

// The changes that must end dead-lettered, and after how many attempts; filled by the users.
struct ExpectedDeadLetters {
  std::mutex mutex;
  std::map<std::string, std::int64_t> attempts;  // change id -> attempts
  std::set<std::string> transient;               // of which: the failing ad's changes
};

// Meta's log of every change of the test's campaign (the ledger's and the follow-up budget
// steps meta-publisher made), by change id, and the start budget.
struct MetaLog {
  std::map<std::string, std::vector<json>> by_change;
  std::vector<json> all() const {
    std::vector<json> out;
    for (const auto& [id, records] : by_change)
      out.insert(out.end(), records.begin(), records.end());
    return out;
  }
};

MetaLog read_meta_log(const Platform& platform, const TestCampaign& c, const Ledger& ledger) {
  std::set<std::string> ids;
  for (const LedgerEntry& e : ledger.entries()) ids.insert(e.id);
  {
    pqxx::connection conn(platform.database_url());
    for (const AdChangeRecord& r : read_ad_change_records(conn, c.id)) ids.insert(r.id);
  }
  Client admin({.timeout = 20s});
  const json log =
      json::parse(admin.get(platform.url(Service::kMetaGraph) + "/__admin/idempotency").body);
  MetaLog out;
  for (const std::string& id : ids) {
    // A change whose every call met an injected fault (answered before Meta's handler) has no
    // record at all.
    const json key = log.at("keys").value(id, json());
    if (key.is_object())
      out.by_change[id] = key.value("requests", json::array()).get<std::vector<json>>();
  }
  return out;
}

Figure figure_of(const std::string& name, const std::vector<std::string>& lines) {
  Figure f{name, static_cast<double>(lines.size()), {}};
  for (std::size_t i = 0; i < lines.size() && i < 5; ++i) f.examples.push_back(lines[i]);
  return f;
}

class MetaApiStress : public StressFixture {
 protected:
  MetaSize size() {
    return {param("vus", {3, 4, 12}, 1, 500), param("iterations", {12, 40, 2000}, 1, 1'000'000)};
  }

  static MetaObjects make_objects(const Platform& platform, const TestCampaign& c) {
    Client meta;
    const std::string base = platform.url(Service::kMetaGraph) + kGraph + c.ad_account_id;
    MetaObjects out;
    for (int i = 0; i < 3; ++i) {
      const json set = expect_json(
          meta.post_json(base + "/adsets", {{"name", c.tag + "-set-" + std::to_string(i)},
                                            {"campaign_id", c.meta_campaign_id},
                                            {"bid_amount", 100}}),
          200, "POST act/adsets");
      const json ad =
          expect_json(meta.post_json(base + "/ads", {{"name", c.tag + "-ad-" + std::to_string(i)},
                                                     {"adset_id", set.at("id")},
                                                     {"creative", {{"creative_id", "1"}}}}),
                      200, "POST act/ads");
      if (i == 2) {
        out.failing_ad = ad.at("id").get<std::string>();
        break;
      }
      out.adsets.push_back(set.at("id").get<std::string>());
      out.ads.push_back(ad.at("id").get<std::string>());
    }
    return out;
  }

  Plan plan(const std::string& name, ClosedModel model, std::vector<std::string> thresholds,
            const MetaChecks& checks = {}) const {
    Plan p{.name = name, .model = std::move(model), .thresholds = std::move(thresholds)};
    add_platform_checks(p, PlatformEnvironment::platform());
    for (const char* figure :
         {"requests_during_wait", "dead_letter_mismatch", "budget_steps_off_rule"}) {
      p.thresholds.push_back(std::string(figure) + "==0");
      p.metrics.push_back({figure, MetricKind::kFigure});
    }
    if (checks.retry_jitter) {
      // Full jitter spreads delay / ceiling with a standard deviation of about 0.29; equal
      // delays have none.
      p.thresholds.push_back("retry_delay_spread>=0.05");
      p.thresholds.push_back("retry_delays_out_of_bounds==0");
      for (const char* f : {"retry_delay_spread", "retry_delays_out_of_bounds", "retry_delays",
                            "retry_delay_max_over_ceiling_ms"}) {
        p.metrics.push_back({f, MetricKind::kFigure});
      }
    }
    for (const int code : checks.throttle_codes) {
      const std::string c = std::to_string(code);
      p.thresholds.push_back("meta_throttled_" + c + ">0");
      p.thresholds.push_back("requests_during_wait_" + c + "==0");
      p.metrics.push_back({"meta_throttled_" + c, MetricKind::kFigure});
      p.metrics.push_back({"requests_during_wait_" + c, MetricKind::kFigure});
    }
    return p;
  }

  // requests_during_wait (and per code), the throttle refusals per code, budget_steps_off_rule
  // over every applied budget of the campaign, dead_letter_mismatch, and the retry delays of the
  // failing ad's changes.
  static std::vector<Figure> meta_figures(const Platform& platform, const TestCampaign& c,
                                          const Ledger& ledger, ExpectedDeadLetters& expected,
                                          const MetaChecks& checks) {
    const MetaLog log = read_meta_log(platform, c, ledger);
    const json executor = executor_config(platform);
    const std::vector<json> records = log.all();
    std::vector<Figure> out;
    const std::vector<WaitBreach> breaches = requests_during_wait(records);
    std::vector<std::string> lines;
    for (const WaitBreach& b : breaches) lines.push_back(b.line);
    out.push_back(figure_of("requests_during_wait", lines));
    const std::map<int, std::int64_t> refusals = throttle_refusals(records);
    for (const int code : checks.throttle_codes) {
      std::vector<std::string> of_code;
      for (const WaitBreach& b : breaches) {
        if (b.code == code) of_code.push_back(b.line);
      }
      out.push_back(figure_of("requests_during_wait_" + std::to_string(code), of_code));
      const auto n = refusals.find(code);
      out.push_back({"meta_throttled_" + std::to_string(code),
                     n == refusals.end() ? 0.0 : static_cast<double>(n->second),
                     {}});
    }
    out.push_back(
        figure_of("budget_steps_off_rule",
                  budget_steps_off_rule(c.daily_budget_cents, applied_budgets(records),
                                        {.cap = executor.at("budget_step_cap").get<double>(),
                                         .fuzz = executor.at("budget_fuzz").get<double>()})));
    std::lock_guard lock(expected.mutex);
    out.push_back(dead_letter_figure(platform, c, log, expected, checks.exact_dead_letters));
    if (checks.retry_jitter) {
      for (Figure& f : retry_figures(log, expected.transient, executor))
        out.push_back(std::move(f));
    }
    return out;
  }

  // dead_letter_mismatch: with `exact`, each expected change dead-lettered once after exactly its
  // attempts (the table and Meta's log agreeing), never applied, and no other change there;
  // otherwise each expected change dead-lettered.
  static Figure dead_letter_figure(const Platform& platform, const TestCampaign& c,
                                   const MetaLog& log, const ExpectedDeadLetters& expected,
                                   bool exact) {
    DeadLetterObserved seen;
    {
      pqxx::connection conn(platform.database_url());
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec_params("SELECT change_id::text, attempts FROM "
                                            "ad_change_dead_letters WHERE campaign_id = $1",
                                            c.id)) {
        seen.rows.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
      }
    }
    for (const auto& [id, records] : log.by_change) {
      for (const json& r : records) {
        const int status = r.value("status", 0);
        if (status >= 200 && status < 300) ++seen.meta_successes[id];
        if (!kMetaThrottleCodes.contains(r.value("code", 0))) ++seen.meta_calls[id];
      }
    }
    std::vector<std::string> lines;
    if (exact) {
      lines = dead_letter_mismatches(expected.attempts, seen);
      for (const auto& [id, attempts] : seen.rows) {
        if (!expected.attempts.contains(id)) lines.push_back(id + ": dead-lettered without reason");
      }
    } else {
      std::set<std::string> dead;
      for (const auto& [id, attempts] : seen.rows) dead.insert(id);
      for (const auto& [id, attempts] : expected.attempts) {
        if (!dead.contains(id)) lines.push_back(id + ": not dead-lettered");
      }
    }
    return figure_of("dead_letter_mismatch", lines);
  }

  // The delays between the failed attempts of the failing ad's changes (Meta's answer times),
  // against meta-publisher's backoff (--retry-base-ms, capped), with a slack for the claim's
  // poll, the pacing jitter and the call.
  static std::vector<Figure> retry_figures(const MetaLog& log, const std::set<std::string>& ids,
                                           const json& executor) {
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> attempts;
    for (const std::string& id : ids) {
      const auto it = log.by_change.find(id);
      if (it == log.by_change.end()) continue;
      std::vector<std::int64_t> at;
      for (const json& r : it->second) {
        if (!kMetaThrottleCodes.contains(r.value("code", 0))) at.push_back(r.at("at_ms"));
      }
      std::sort(at.begin(), at.end());
      attempts.emplace_back(id, std::move(at));
    }
    const RetryBounds bounds{
        .base = std::chrono::milliseconds(executor.at("retry_base_ms").get<std::int64_t>()),
        .cap = std::chrono::milliseconds(executor.at("retry_cap_ms").get<std::int64_t>()),
        .slack = std::chrono::milliseconds(250 + executor.at("poll_ms").get<std::int64_t>() +
                                           executor.at("jitter_ms").get<std::int64_t>())};
    const RetryDelays r = retry_delays(attempts, bounds);
    return {{"retry_delay_spread", r.spread, {}},
            figure_of("retry_delays_out_of_bounds", r.out_of_bounds),
            {"retry_delays", static_cast<double>(r.samples), {}},
            {"retry_delay_max_over_ceiling_ms", r.max_over_ceiling_ms, {}}};
  }

  // Queues a budget change to `target` alone and waits for its chain to end; what is off about
  // the end: the database's and Meta's daily_budget, each exactly `target`.
  static std::vector<std::string> change_budget(IterationContext& ctx, Client& client,
                                                const Platform& platform, const TestCampaign& c,
                                                std::int64_t target, Ledger& ledger) {
    const json ack = ctx.step("change", [&] {
      return expect_json(client.post_json(platform.url(Service::kMetaPublisher) + "/v1/ad-changes",
                                          {{"campaign_id", c.id},
                                           {"change_type", "budget"},
                                           {"payload", {{"daily_budget_cents", target}}}}),
                         202, "POST /v1/ad-changes");
    });
    ledger.append(ledger_kind::kAdChange, ack.at("id").get<std::string>());
    std::vector<std::string> off;
    if (std::string at = wait_for_budget(ctx, platform, c, target); !at.empty()) off.push_back(at);
    const json on_meta = expect_json(client.get(platform.url(Service::kMetaGraph) + kGraph +
                                                c.meta_campaign_id + "?fields=daily_budget"),
                                     200, "GET {campaign}");
    if (on_meta.value("daily_budget", "") != std::to_string(target)) {
      off.push_back("Meta's daily_budget " + on_meta.dump() + ", asked " + std::to_string(target));
    }
    return off;
  }

  // Waits (step budget_reached) until the campaign's daily_budget_cents in the database is
  // `target` and its chain of steps is done (no pending change); "" then, else what it found.
  static std::string wait_for_budget(IterationContext& ctx, const Platform& platform,
                                     const TestCampaign& c, std::int64_t target) {
    return ctx.step("budget_reached", [&] {
      pqxx::connection conn(platform.database_url());
      std::string seen;
      for (const auto began = std::chrono::steady_clock::now();
           std::chrono::steady_clock::now() - began < 20s; std::this_thread::sleep_for(20ms)) {
        pqxx::read_transaction tx(conn);
        const auto row = tx.exec_params1(
            "SELECT daily_budget_cents, (SELECT count(*) FROM pending_ad_changes "
            "WHERE campaign_id = $1) FROM campaigns WHERE id = $1",
            c.id);
        seen = "database daily_budget_cents " + row[0].as<std::string>() + ", " +
               row[1].as<std::string>() + " pending, asked " + std::to_string(target);
        if (row[0].as<std::int64_t>() == target && row[1].as<std::int64_t>() == 0) {
          return std::string();
        }
      }
      return seen;
    });
  }

  // `knobs`: the test's, made before it touched the mock, so that they are put back as found.
  RunResult run_flow(const Plan& p, const MetaSize& s, const TestCampaign& campaign,
                     MetaKnobs& knobs, const MetaChecks& checks,
                     const std::function<void()>& during = {}, RunOptions options = {},
                     const std::function<std::vector<Figure>()>& more_figures = {}) {
    Platform& platform = PlatformEnvironment::platform();
    const MetaObjects objects = make_objects(platform, campaign);
    if (checks.failing_ads || checks.retry_jitter) {
      knobs.post("/__admin/failing_objects", {{"ids", {objects.failing_ad}}});
    }
    const std::int64_t max_attempts = executor_config(platform).at("max_attempts");
    Ledger ledger(campaign.tag, static_cast<std::size_t>(s.iterations) + 4096);
    ExpectedDeadLetters expected;
    VuClients clients(s.vus, "", {.timeout = 10s});
    const std::string publisher = platform.url(Service::kMetaPublisher);
    const std::string meta = platform.url(Service::kMetaGraph) + kGraph;
    ServerGates gates(platform);
    std::jthread fault;
    options.after_load = [&] {
      if (fault.joinable()) fault.join();
      std::vector<Figure> figures =
          check_platform_integrity(ledger, IntegrityScope::of(platform, campaign), {.bound = 90s});
      for (Figure& f : meta_figures(platform, campaign, ledger, expected, checks)) {
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
          const std::int64_t i = ctx.iteration();
          const bool failing =
              checks.retry_jitter || (checks.failing_ads && (i % 10 == 1 || i % 10 == 5));
          const auto id = change(ctx, client, publisher, campaign, objects, failing, ledger);
          if (id && (i % 10 == 9 || failing)) {
            std::lock_guard lock(expected.mutex);
            expected.attempts[*id] = failing ? max_attempts : 1;
            if (failing) expected.transient.insert(*id);
          }
          if (checks.with_reads) reads(ctx, client, meta, campaign);
        },
        options);
  }

  // Queues one change through meta-publisher; returns its id once acknowledged. `failing`: a
  // creative on the ad Meta always fails.
  static std::optional<std::string> change(IterationContext& ctx, Client& client,
                                           const std::string& publisher,
                                           const TestCampaign& campaign, const MetaObjects& o,
                                           bool failing, Ledger& ledger) {
    const std::int64_t i = ctx.iteration();
    const std::size_t k = static_cast<std::size_t>(i) % o.adsets.size();
    json body = {{"campaign_id", campaign.id}};
    if (i % 10 == 9) {  // an ad set Meta does not know: #100, dead-lettered at once
      body["change_type"] = "bid";
      body["payload"] = {{"object_id", "999999999999999"}, {"bid_amount", 50}};
    } else if (failing) {  // #2 on every call: dead-lettered after --max-attempts
      body["change_type"] = "creative";
      body["payload"] = {{"object_id", o.failing_ad},
                         {"creative", {{"creative_id", std::to_string(1 + i % 9)}}}};
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
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const MetaChecks checks{.failing_ads = true};
  run_flow(plan("meta", ClosedModel{.vus = s.vus, .iterations = s.iterations},
                {"error_rate<1%", "change: p(95)<300ms", "insights: p(95)<300ms",
                 "batch: p(95)<300ms", "report_run: p(95)<5s"},
                checks),
           s, campaign, knobs, checks);
}

// Every change goes to an ad Meta always fails (#2, 503), one every 300 ms: each is
// dead-lettered once after exactly --max-attempts attempts, as the table and Meta's log count
// them, never applied (dead_letter_mismatch==0), and the delays between its attempts (Meta's
// answer times) are spread by the backoff's full jitter (retry_delay_spread>=0.05; equal delays
// give 0) and within [0, min(cap, base * 2^k)] plus a slack for the claim's poll and the call
// (retry_delays_out_of_bounds==0).
TEST_F(MetaApiStress, DeadLettersAnAlwaysFailingChangeAfterMaxJitteredAttempts) {
  const MetaSize s{.vus = 1, .iterations = param("failing_changes", {4, 8, 40}, 2, 10'000)};
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const MetaChecks checks{.with_reads = false, .retry_jitter = true};
  RunOptions options;
  options.label = "always_failing";
  run_flow(plan("meta-always-failing",
                ClosedModel{.vus = s.vus, .iterations = s.iterations, .think_time = 300ms},
                {"error_rate<1%"}, checks),
           s, campaign, knobs, checks, {}, options);
}

// Meta's account window (#17) and app window (#4) lowered for the whole run: meta-publisher must
// wait out each throttle, never calling for the account before the wait Meta stated
// (requests_during_wait==0, from the mock's log), and still apply everything once.
TEST_F(MetaApiStress, HonoursThrottlingWaitsFromTheUsageHeaders) {
  MetaSize s = size();
  // Fewer changes: each waits out the lowered windows, so the drain, not the load, is the run.
  s.iterations = param("throttled_iterations", {6, 16, 400}, 1, 1'000'000);
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  // Windows of 2 s: the account's reset_time_duration is then 1..2 s, the wait meta-publisher
  // must honour; it calls faster than 8 per window, so it is throttled.
  knobs.post("/__admin/rate_limits",
             {{"window_ms", 2000}, {"account_limit", 8}, {"app_limit", 12}});
  Client meta;
  std::int64_t throttled = 0;
  RunOptions options;
  options.label = "throttled";
  const MetaChecks checks{.with_reads = false};
  Plan p = plan("meta-throttled", ClosedModel{.vus = s.vus, .iterations = s.iterations},
                {"error_rate<1%", "meta_throttled_calls>=1"}, checks);
  p.metrics.push_back({"meta_throttled_calls", MetricKind::kFigure});
  run_flow(p, s, campaign, knobs, checks, {}, options, [&] {
    const json stats =
        json::parse(meta.get(platform.url(Service::kMetaGraph) + "/__admin/stats").body);
    for (const auto& [code, n] : stats.at("meta_graph").at("rate_limits").at("throttled").items()) {
      throttled += n.get<std::int64_t>();
    }
    return std::vector<Figure>{{"meta_throttled_calls", static_cast<double>(throttled), {}}};
  });
}

// Meta throttles the test's ad account with each code in turn (#4 holds the whole app) for
// `hold`, through the mock's forced throttle, which states the time left in the usage headers:
// for each code, at least one of the test's calls refused with it (meta_throttled_<code>>=1) and
// none answered inside a wait it stated (requests_during_wait_<code>==0), all applied once.
// The mock's regain minute is set to meta-publisher's (its --regain-scale of 60 s), so that the
// waits are short and the statement and the reading agree.
TEST_F(MetaApiStress, HonoursTheWaitOfEachThrottleCode) {
  // One user queuing a change every 250 ms: calls in every hold, a backlog that drains quickly.
  const MetaSize s{.vus = 1, .iterations = 1};
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag());
  const double scale = executor_config(platform).at("regain_scale").get<double>();
  knobs.post("/__admin/rate_limits",
             {{"regain_minute_ms", std::max<std::int64_t>(1, std::llround(60'000 * scale))}});
  // Longer than meta-publisher's least wait (1 s) plus the gap: a change held by one code's
  // refusal is back, and refused with the next code, before that code's hold ends.
  const auto hold = param("throttle_hold", {1200ms, 1500ms, 1500ms}, 100ms, 1h);
  const std::vector<int> codes = {4, 17, 613, 80004};
  const auto gap = 200ms;
  const auto force_each = [&] {
    for (const int code : codes) {
      std::this_thread::sleep_for(gap);
      knobs.post("/__admin/throttle",
                 {{"account", campaign.ad_account_id},
                  {"code", code},
                  {"for_ms", std::chrono::duration_cast<std::chrono::milliseconds>(hold).count()}});
      std::this_thread::sleep_for(hold);
    }
  };
  const MetaChecks checks{.with_reads = false, .throttle_codes = codes};
  RunOptions options;
  options.label = "each_code";
  run_flow(plan("meta-each-throttle-code",
                ClosedModel{.vus = s.vus,
                            .duration = static_cast<std::int64_t>(codes.size()) * (hold + gap),
                            .think_time = 250ms},
                {"error_rate<1%"}, checks),
           s, campaign, knobs, checks, force_each, options);
}

// Budgets far from the current one, up then down, then one within the cap: each queued alone and
// waited for (budget_reached); every step Meta accepted keeps to --budget-step-cap and, when
// capped, falls short of it by no more than --budget-fuzz (budget_steps_off_rule==0, from the
// mock's log), and each change ends on exactly the budget asked for, at Meta and in the database
// (budget_final_mismatch==0).
TEST_F(MetaApiStress, StepsEachBudgetWithinTheCapToExactlyTheTarget) {
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
  const TestCampaign campaign = create_test_campaign(platform, make_run_tag(), 5000);
  const std::int64_t far = param("budget_far_cents", {8000, 20000, 50000}, 200, 100'000'000);
  const std::vector<std::int64_t> targets = {far, 2500, 2700};  // 2700: +8%, within the cap
  std::mutex mutex;
  std::vector<std::string> mismatches;
  std::int64_t steps = 0;
  Ledger ledger(campaign.tag, 64);
  Client client;
  client.set_default_header({"Authorization", platform.seed().authorization()});
  const MetaChecks checks{.with_reads = false};
  Plan p =
      plan("meta-budget-steps",
           ClosedModel{.vus = 1, .iterations = static_cast<std::int64_t>(targets.size())},
           {"error_rate<1%", "budget_final_mismatch==0", "budget_reached: p(100)<20s"}, checks);
  p.metrics.push_back({"budget_final_mismatch", MetricKind::kFigure});
  p.metrics.push_back({"budget_steps_applied", MetricKind::kFigure});
  ExpectedDeadLetters none;
  ServerGates gates(platform);
  RunOptions options;
  options.label = "budget_steps";
  options.after_load = [&] {
    std::vector<Figure> figures =
        check_platform_integrity(ledger, IntegrityScope::of(platform, campaign), {.bound = 30s});
    for (Figure& f : meta_figures(platform, campaign, ledger, none, checks)) {
      figures.push_back(std::move(f));
    }
    for (Figure& f : gates.finish()) figures.push_back(std::move(f));
    steps = static_cast<std::int64_t>(
        applied_budgets(read_meta_log(platform, campaign, ledger).all()).size());
    figures.push_back(figure_of("budget_final_mismatch", mismatches));
    figures.push_back({"budget_steps_applied", static_cast<double>(steps), {}});
    return figures;
  };
  run(
      p,
      [&](IterationContext& ctx) {
        const std::int64_t target = targets.at(static_cast<std::size_t>(ctx.iteration()));
        std::vector<std::string> off =
            change_budget(ctx, client, platform, campaign, target, ledger);
        std::lock_guard lock(mutex);
        mismatches.insert(mismatches.end(), off.begin(), off.end());
      },
      options);
}

// The Meta mock fails half of all calls (503) for `fault_for`: meta-publisher retries with
// backoff, a change that fails max-attempts times is dead-lettered exactly once, nothing is
// applied twice, and the backlog drains after the fault (meta_backlog_drain_s).
TEST_F(MetaApiStress, FailureMetaFailingHalfTheCallsLosesNothing) {
  const MetaSize s = size();
  Platform& platform = PlatformEnvironment::platform();
  MetaKnobs knobs(platform);
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
  run_flow(
      p, s, campaign, knobs, {.exact_dead_letters = false, .with_reads = false}, fail_half, options,
      [&] {
        std::vector<Figure> out = {{"meta_errors_injected", static_cast<double>(injected), {}}};
        if (drain_s) out.push_back({"meta_backlog_drain_s", *drain_s, {}});
        return out;
      });
}

}  // namespace
}  // namespace gauntlet

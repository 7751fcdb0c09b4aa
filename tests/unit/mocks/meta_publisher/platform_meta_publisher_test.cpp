// meta-publisher's SafeExecutor against a real PostgreSQL and an in-process meta-graph mock:
// every change is applied once with a complete history, budgets move in capped steps, Meta's
// throttling is waited out (not hot-looped), and failing changes end in the dead letters.
#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "gauntlet/mocks/http_client.hpp"
#include "gauntlet/mocks/http_server.hpp"
#include "meta_graph_service.hpp"
#include "meta_publisher_service.hpp"
#include "pg_cluster_test.hpp"
#include "safe_executor.hpp"
#include "unit/mocks/local_server_options.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
using gauntlet::testing::eventually;
using nlohmann::json;

class SafeExecutorDbTest : public gauntlet::testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    run("INSERT INTO users (email) VALUES ('a@example.com')");
    graph_server_ = std::make_unique<HttpServer>(local_server_options("meta-graph"), graph_log_,
                                                 LogLevel::kError);
    graph_ = std::make_unique<MetaGraphService>(MetaGraphOptions{}, graph_server_->router(),
                                                graph_server_->metrics());
    graph_server_->start();
    graph_url_ = Url::parse("http://127.0.0.1:" + std::to_string(graph_server_->port()));
    pool_ = std::make_unique<ConnectionPool>(url_, 12, 5s);
    store_ = std::make_unique<AdChangeStore>(*pool_);
  }
  void TearDown() override {
    if (graph_server_) graph_server_->stop();
  }

  // A campaign published to the meta-graph mock with a 100.00 budget; returns its database id.
  std::int64_t published_campaign(const std::string& account, std::int64_t budget_cents = 10'000) {
    Url url = graph_url_;
    url.target = "/v19.0/act_" + account + "/campaigns";
    const auto res = client_.post(url, json{{"name", "c"},
                                            {"objective", "OUTCOME_SALES"},
                                            {"daily_budget", std::to_string(budget_cents)}}
                                           .dump());
    EXPECT_EQ(res.status, 200) << res.body;
    const std::string meta_id = json::parse(res.body)["id"];
    return scalar(
        "INSERT INTO campaigns (user_id, ad_account_id, meta_campaign_id, name, objective, "
        "daily_budget_cents) "
        "VALUES (1, '" +
        account + "', '" + meta_id + "', 'c', 'sales', " + std::to_string(budget_cents) +
        ") RETURNING id");
  }
  std::string enqueue(std::int64_t campaign, const std::string& type, json payload) {
    AdChangeRequest r;
    r.campaign_id = campaign;
    r.change_type = type;
    r.payload = std::move(payload);
    return store_->enqueue(r).id;
  }
  json graph_admin(const std::string& path) {
    Url url = graph_url_;
    url.target = path;
    return json::parse(client_.get(url).body);
  }
  SafeExecutorOptions options(int workers) {
    SafeExecutorOptions o;
    o.meta_graph_url = graph_url_.to_string();
    o.workers = workers;
    o.rate_per_s = 2000;
    o.burst = 100;
    o.jitter = 1ms;
    o.poll_interval = 10ms;
    o.lease = 5s;
    o.request_timeout = 2s;
    o.retry_base = 5ms;
    o.retry_cap = 50ms;
    o.budget_step_interval = 0ms;
    o.throttle = {.min_wait = 100ms, .max_wait = 5s, .regain_scale = 0.005};  // 1 min -> 300 ms
    return o;
  }
  bool drained() { return scalar("SELECT count(*) FROM pending_ad_changes") == 0; }

  std::ostringstream graph_log_;
  std::unique_ptr<HttpServer> graph_server_;
  std::unique_ptr<MetaGraphService> graph_;
  Url graph_url_;
  HttpClient client_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<AdChangeStore> store_;
  std::ostringstream log_;
  Logger logger_{log_, "meta-publisher", LogLevel::kError};
  MetricsRegistry metrics_;
};

TEST_F(SafeExecutorDbTest, EveryChangeIsAppliedOnceWithACompleteHistory) {
  std::vector<std::int64_t> campaigns;
  for (int i = 0; i < 4; ++i) campaigns.push_back(published_campaign(std::to_string(100 + i)));
  std::set<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    const std::int64_t c = campaigns[static_cast<std::size_t>(i) % campaigns.size()];
    ids.insert(i % 2 ? enqueue(c, "status", {{"status", i % 4 == 1 ? "active" : "paused"}})
                     : enqueue(c, "budget", {{"daily_budget_cents", 10'000 + 100 * i}}));
  }
  SafeExecutor executor(*store_, options(3), metrics_, logger_);
  executor.start();
  EXPECT_TRUE(eventually([&] { return drained(); }, 15s));
  executor.stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_history"), 40);
  EXPECT_EQ(scalar("SELECT count(DISTINCT change_id) FROM ad_change_history"), 40);
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_dead_letters"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_history WHERE applied_payload IS NULL OR "
                   "meta_response IS NULL"),
            0);
  const json keys = graph_admin("/__admin/idempotency");
  EXPECT_EQ(keys["distinct"], 40);
  EXPECT_EQ(keys["duplicates"], 0);  // no change was sent to Meta twice
  for (const auto& id : ids) EXPECT_TRUE(keys["keys"].contains(id)) << id;
}

TEST_F(SafeExecutorDbTest, ABudgetMovesInCappedStepsUntilItReachesTheTarget) {
  const std::int64_t c = published_campaign("200");
  enqueue(c, "budget", {{"daily_budget_cents", 40'000}});
  SafeExecutorOptions o = options(2);
  o.budget_step_cap = 0.5;
  SafeExecutor executor(*store_, o, metrics_, logger_);
  executor.start();
  EXPECT_TRUE(eventually(
      [&] {
        return scalar("SELECT daily_budget_cents FROM campaigns WHERE id = " + std::to_string(c)) ==
               40'000;
      },
      15s));
  executor.stop();
  pqxx::connection conn(url_);
  pqxx::work tx(conn);
  std::int64_t previous = 10'000;
  int steps = 0;
  for (const auto& row : tx.exec("SELECT (applied_payload->>'daily_budget')::bigint FROM "
                                 "ad_change_history ORDER BY id")) {
    const auto applied = row[0].as<std::int64_t>();
    EXPECT_LE(applied, previous + previous / 2) << "step " << steps << " exceeded the 50% cap";
    EXPECT_GT(applied, previous);
    previous = applied;
    ++steps;
  }
  EXPECT_GE(steps, 4);  // 10000 -> 40000 at +50% per step needs at least 4
  EXPECT_EQ(previous, 40'000);
}

// Workers claiming at the same instant must not take two changes of one campaign: both would
// step the budget from the same base, and the second would apply a step beyond the cap.
TEST_F(SafeExecutorDbTest, ConcurrentClaimsNeverTakeTwoChangesOfOneCampaign) {
  constexpr int kClaimers = 6;
  int campaigns_with_two_leases = 0;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < kClaimers / 2; ++i) {
      const std::int64_t c = published_campaign(std::to_string(700 + round * 10 + i));
      enqueue(c, "budget", {{"daily_budget_cents", 12'000}});
      enqueue(c, "budget", {{"daily_budget_cents", 8'000}});
    }
    std::atomic<int> ready{0};
    std::vector<std::thread> claimers;
    for (int t = 0; t < kClaimers; ++t) {
      claimers.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < kClaimers) std::this_thread::yield();
        store_->claim("claimer-" + std::to_string(t), 60s);
      });
    }
    for (auto& t : claimers) t.join();
    campaigns_with_two_leases += static_cast<int>(
        scalar("SELECT count(*) FROM (SELECT campaign_id FROM pending_ad_changes "
               "WHERE locked_until > now() GROUP BY campaign_id HAVING count(*) > 1) x"));
    run("UPDATE pending_ad_changes SET locked_by = NULL, locked_until = NULL, "
        "next_attempt_at = now() + interval '1 day'");
  }
  EXPECT_EQ(campaigns_with_two_leases, 0);
}

TEST_F(SafeExecutorDbTest, MetaThrottlingIsWaitedOutNotHotLooped) {
  const std::int64_t c = published_campaign("300");
  Url admin = graph_url_;
  admin.target = "/__admin/rate_limits";
  ASSERT_EQ(client_.post(admin, R"({"ads_management_limit":3,"window_ms":1000})").status, 200);
  for (int i = 0; i < 8; ++i) enqueue(c, "status", {{"status", i % 2 ? "active" : "paused"}});
  SafeExecutor executor(*store_, options(2), metrics_, logger_);
  executor.start();
  EXPECT_TRUE(eventually([&] { return drained(); }, 15s));
  executor.stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_history"), 8);
  // A throttled try is not a failed attempt.
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_history WHERE attempts <> 1"), 0);
  const auto throttled = graph_server_->metrics()
                             .counter("meta_graph_throttled_total", "", {{"code", "80004"}})
                             .value();
  EXPECT_GE(throttled, 1U);   // the limit was really hit ...
  EXPECT_LE(throttled, 30U);  // ... and each hit paused the account instead of retrying at once
  EXPECT_GE(
      metrics_.counter("meta_publisher_changes_total", "", {{"outcome", "throttled"}}).value(), 1U);
}

// A throttle holds the whole ad account: a change queued after it (so not among the pending
// changes the throttle rescheduled) is not claimed until the wait has passed; another account's
// change is.
TEST_F(SafeExecutorDbTest, AChangeQueuedDuringAThrottleWaitIsNotClaimedBeforeItEnds) {
  const std::int64_t held = published_campaign("301");
  const std::int64_t other = published_campaign("302");
  enqueue(held, "status", {{"status", "paused"}});
  const auto first = store_->claim("w", 60s);
  ASSERT_TRUE(first);
  ASSERT_TRUE(store_->reschedule_throttled(*first, "w", 2s, "throttled by Meta (#17)", false));
  const std::string late = enqueue(held, "status", {{"status", "active"}});
  const std::string free = enqueue(other, "status", {{"status", "active"}});
  const auto next = store_->claim("w", 60s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, free) << "only the other account's change may be claimed during the hold";
  EXPECT_FALSE(store_->claim("w", 60s)) << "the held account's changes wait, the late one too";
  EXPECT_TRUE(eventually(
      [&] {
        const auto c = store_->claim("w", 60s);
        return c && (c->id == late || c->id == first->id);
      },
      5s));
}

TEST_F(SafeExecutorDbTest, FailingChangesAreDeadLetteredAfterMaxAttempts) {
  const std::int64_t c = published_campaign("400");
  graph_server_->faults().set(FaultConfig{.error_rate = 1.0, .error_status = 500},
                              std::chrono::steady_clock::now());
  const std::string a = enqueue(c, "status", {{"status", "paused"}});
  const std::string b = enqueue(c, "budget", {{"daily_budget_cents", 11'000}});
  SafeExecutorOptions o = options(2);
  o.max_attempts = 3;
  SafeExecutor executor(*store_, o, metrics_, logger_);
  executor.start();
  EXPECT_TRUE(eventually([&] { return drained(); }, 15s));
  executor.stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_dead_letters WHERE attempts = 3"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM ad_change_history"), 0);
  EXPECT_EQ(store_->status(a)->at("state"), "dead_letter");
  EXPECT_EQ(store_->status(b)->at("state"), "dead_letter");
}

TEST_F(SafeExecutorDbTest, AChangeThatCanNeverApplyIsDeadLetteredAtOnce) {
  const std::int64_t unpublished = scalar(
      "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
      "VALUES (1, '500', 'draft', 'sales', 1000) RETURNING id");
  const std::string id = enqueue(unpublished, "status", {{"status", "active"}});
  SafeExecutor executor(*store_, options(1), metrics_, logger_);
  executor.start();
  EXPECT_TRUE(eventually([&] { return drained(); }, 10s));
  executor.stop();
  const json s = *store_->status(id);
  EXPECT_EQ(s["state"], "dead_letter");
  EXPECT_EQ(s["attempts"], 1);
  EXPECT_NE(s["last_error"].get<std::string>().find("not published"), std::string::npos);
}

TEST_F(SafeExecutorDbTest, HttpEnqueueIsIdempotentByChangeId) {
  const std::int64_t c = published_campaign("600");
  Router router;
  MetaPublisherService service(*store_, nullptr, router, metrics_);
  Request post;
  post.method = "POST";
  post.target = "/v1/ad-changes";
  post.split_target();
  const std::string id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
  post.body = json{{"change_id", id},
                   {"campaign_id", c},
                   {"change_type", "status"},
                   {"payload", {{"status", "paused"}}}}
                  .dump();
  EXPECT_EQ(router.dispatch(post).status, 202);
  const Response again = router.dispatch(post);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["created"], false);
  post.body = json{{"change_id", id},
                   {"campaign_id", c},
                   {"change_type", "status"},
                   {"payload", {{"status", "active"}}}}
                  .dump();
  EXPECT_EQ(router.dispatch(post).status, 409);
  post.body =
      json{{"campaign_id", c}, {"change_type", "budget"}, {"payload", {{"daily_budget_cents", 5}}}}
          .dump();
  EXPECT_EQ(router.dispatch(post).status, 400);
  post.body =
      json{{"campaign_id", 999}, {"change_type", "status"}, {"payload", {{"status", "paused"}}}}
          .dump();
  EXPECT_EQ(router.dispatch(post).status, 404);
  Request get;
  get.method = "GET";
  get.target = "/v1/ad-changes/" + id;
  get.split_target();
  const Response status = router.dispatch(get);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(json::parse(status.body)["state"], "pending");
  EXPECT_EQ(scalar("SELECT count(*) FROM pending_ad_changes"), 1);
}

}  // namespace
}  // namespace gauntlet::mocks

// ml-service against a real PostgreSQL (one embedded cluster per suite, a fresh database and the
// platform migrations per test), driven through its Router: feedback applied exactly once under
// concurrent duplicates, exact budget splits, stored predictions, the learning cycle's rows and
// the semantic cache's hit/miss accounting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "gauntlet/mocks/sha256_hex.hpp"
#include "ml_service.hpp"
#include "pg_cluster_test.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class MlServiceDbTest : public testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    run("INSERT INTO users (email) VALUES ('a@example.com');"
        "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
        "VALUES (1, 'act_1', 'c1', 'sales', 1000), (1, 'act_2', 'c2', 'sales', 1000)");
    pool_ = std::make_unique<ConnectionPool>(url_, 16, std::chrono::milliseconds(10'000));
    MlServiceOptions options;
    options.compute_scale = 0.01;
    options.seed = 7;
    service_ = std::make_unique<MlService>(options, router_, metrics_, *pool_);
  }

  Response call(const std::string& method, const std::string& target, const json& body) {
    Request r;
    r.method = method;
    r.target = target;
    r.split_target();
    if (!body.is_null()) r.body = body.dump();
    return router_.dispatch(r);
  }
  json feedback(const std::string& id, const std::string& arm, double reward, int campaign = 1) {
    const Response r =
        call("POST", "/v1/feedback",
             {{"event_id", id}, {"campaign_id", campaign}, {"arm_id", arm}, {"reward", reward}});
    EXPECT_TRUE(r.status == 200 || r.status == 201) << r.body;
    return json::parse(r.body);
  }

  std::unique_ptr<ConnectionPool> pool_;
  Router router_;
  MetricsRegistry metrics_;
  std::unique_ptr<MlService> service_;
};

TEST_F(MlServiceDbTest, FeedbackIsAppliedOnceUnderConcurrentDuplicates) {
  constexpr int kThreads = 8;
  std::atomic<bool> go{false};
  std::atomic<int> created{0}, duplicates{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      const Response r =
          call("POST", "/v1/feedback",
               {{"event_id", "evt-1"}, {"campaign_id", 1}, {"arm_id", "hook_a"}, {"reward", 1.0}});
      (r.status == 201 ? created : r.status == 200 ? duplicates : other)++;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM feedback_events WHERE event_id = 'evt-1'"), 1);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM feedback_events WHERE applied_at IS NULL"), 0);
  // Beta(1,1) plus one reward of 1: alpha 2, beta 1.
  EXPECT_DOUBLE_EQ(scalar<double>("SELECT alpha FROM sampler_arms WHERE arm_id = 'hook_a'"), 2.0);
  EXPECT_DOUBLE_EQ(scalar<double>("SELECT beta FROM sampler_arms WHERE arm_id = 'hook_a'"), 1.0);
  EXPECT_THAT(metrics_.render(), HasSubstr("ml_service_feedback_total{result=\"duplicate\"} 7"));
}

TEST_F(MlServiceDbTest, AllocationSumsToTheBudgetAndFavoursTheArmWithBetterFeedback) {
  for (int i = 0; i < 40; ++i) {
    feedback("a" + std::to_string(i), "arm_a", i % 5 == 0 ? 1.0 : 0.0);  // 20%
    feedback("b" + std::to_string(i), "arm_b", i % 5 == 0 ? 0.0 : 1.0);  // 80%
    feedback("c" + std::to_string(i), "arm_c", i % 2 == 0 ? 1.0 : 0.0);  // 50%
  }
  for (const std::int64_t budget : {1, 7, 10'007, 999'999'937}) {
    const Response r =
        call("POST", "/v1/budget/allocate",
             {{"campaign_id", 1}, {"budget_minor", budget}, {"arms", {"arm_a", "arm_b", "arm_c"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json out = json::parse(r.body);
    std::int64_t sum = 0;
    for (const auto& a : out["allocations"]) sum += a["amount_minor"].get<std::int64_t>();
    EXPECT_EQ(sum, budget);
    if (budget > 1000) {
      EXPECT_EQ(out["allocations"][1]["arm_id"], "arm_b");
      EXPECT_GT(out["allocations"][1]["amount_minor"].get<std::int64_t>(), budget / 2);
    }
  }
  EXPECT_GT(scalar<int>("SELECT pulls FROM sampler_arms WHERE arm_id = 'arm_b'"), 0);
}

TEST_F(MlServiceDbTest, AllocationRejectsBadInputAndUnknownCampaigns) {
  const Response bad = call("POST", "/v1/budget/allocate",
                            {{"campaign_id", 0}, {"budget_minor", -5}, {"arms", {"x", "x"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("campaign_id must be an integer in 1.."));
  EXPECT_THAT(bad.body, HasSubstr("budget_minor must be an integer in 0.."));
  EXPECT_THAT(bad.body, HasSubstr("arms must be distinct"));
  const Response unknown = call("POST", "/v1/budget/allocate",
                                {{"campaign_id", 99}, {"budget_minor", 100}, {"arms", {"x"}}});
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  Request malformed;
  malformed.method = "POST";
  malformed.target = "/v1/feedback";
  malformed.split_target();
  malformed.body = "{not json";
  EXPECT_EQ(router_.dispatch(malformed).status, 400);
}

TEST_F(MlServiceDbTest, PredictionsAreStoredWithTheirInputsHash) {
  const json features = {{"duration_s", 15}, {"hook_strength", 0.9}, {"mystery", 3}};
  const Response first =
      call("POST", "/v1/predictions", {{"campaign_id", 1}, {"features", features}});
  ASSERT_EQ(first.status, 201) << first.body;
  const json p = json::parse(first.body);
  // The hash is over the features as the model saw them: numbers as doubles, keys sorted.
  EXPECT_EQ(p["features"]["duration_s"].get<double>(), 15.0);
  EXPECT_EQ(p["features_hash"], sha256_hex(p["features"].dump()));
  EXPECT_EQ(p["ignored_features"], json({"mystery"}));
  EXPECT_GT(p["predicted_ctr"].get<double>(), 0.0);
  EXPECT_LT(p["predicted_ctr"].get<double>(), 1.0);
  const json again = json::parse(
      call("POST", "/v1/predictions", {{"campaign_id", 1}, {"features", features}}).body);
  EXPECT_EQ(again["predicted_ctr"], p["predicted_ctr"]);
  EXPECT_NE(again["id"], p["id"]);
  const Response got = call("GET", "/v1/predictions/" + p["id"].dump(), nullptr);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["features_hash"], p["features_hash"]);
  EXPECT_EQ(call("GET", "/v1/predictions/999", nullptr).status, 404);
  EXPECT_EQ(call("GET", "/v1/predictions/abc", nullptr).status, 400);
  EXPECT_EQ(call("POST", "/v1/predictions", {{"video_id", 42}}).status, 422);
}

TEST_F(MlServiceDbTest, LearningCycleRecordsItsSevenStepsOnceAndFeedsRag) {
  run("INSERT INTO performance_metrics (campaign_id, ad_id, metric_date, impressions, clicks) "
      "VALUES (1, 'ad1', '2024-05-01', 1000, 30), (2, 'ad2', '2024-05-01', 1000, 10)");
  for (int c = 1; c <= 2; ++c) {
    call("POST", "/v1/predictions", {{"campaign_id", c}, {"features", {{"duration_s", 10}}}});
    for (int i = 0; i < 6; ++i) {
      const std::string id = std::to_string(c) + "-" + std::to_string(i);
      feedback("w" + id, "hook_question", 1.0, c);
      feedback("l" + id, "hook_plain", 0.0, c);
    }
  }
  const Response r = call("POST", "/v1/learning/cycles", {{"cycle_key", "nightly-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json cycle = json::parse(r.body);
  EXPECT_EQ(cycle["status"], "succeeded") << cycle.dump(2);
  ASSERT_EQ(cycle["steps"].size(), 7u);
  const std::vector<std::string> expected = {
      "actuals_fetcher", "accuracy_tracker", "auto_retrain", "compound_learning",
      "auto_promote",    "cross_learning",   "rag_indexing"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(cycle["steps"][i]["name"], expected[i]);
    EXPECT_EQ(cycle["steps"][i]["status"], "succeeded") << cycle["steps"][i].dump();
    EXPECT_TRUE(cycle["steps"][i]["detail"].contains("duration_ms"));
  }
  EXPECT_EQ(cycle["steps"][1]["detail"]["pairs"], 2);
  EXPECT_EQ(cycle["promoted_model_version"], "ctr-logit-v1+c" + cycle["id"].dump());
  EXPECT_EQ(
      scalar<int>("SELECT count(*) FROM winning_patterns WHERE pattern_key = 'arm=hook_question'"),
      2);
  EXPECT_EQ(scalar<int>("SELECT account_count FROM cross_account_patterns"), 2);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM rag_documents WHERE source = 'winning_pattern'"), 2);

  const Response replay = call("POST", "/v1/learning/cycles", {{"cycle_key", "nightly-1"}});
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(json::parse(replay.body)["id"], cycle["id"]);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM learning_cycles"), 1);
  const Response got = call("GET", "/v1/learning/cycles/" + cycle["id"].dump(), nullptr);
  EXPECT_EQ(json::parse(got.body)["steps"].size(), 7u);
}

// Every database connection of the service terminated mid-cycle (as pg_terminate_backend does
// to a whole service): the pool still holds the other dead connections as idle, so the cycle's
// own "failed" bookkeeping meets them too. The cycle must still end failed, never stay running
// (which would refuse every later cycle with 409 until the stale sweep, 10 minutes later).
TEST_F(MlServiceDbTest, ACycleWhoseConnectionsAreAllTerminatedEndsFailedNotRunning) {
  {
    std::vector<PooledConnection> warm;  // four idle connections in the pool
    for (int i = 0; i < 4; ++i) warm.push_back(pool_->acquire());
  }
  run("CREATE FUNCTION terminate_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity "
      "  WHERE datname = current_database() AND backend_type = 'client backend' "
      "    AND pid <> pg_backend_pid(); "
      "  PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;"
      "CREATE TRIGGER terminate_at_step_2 BEFORE UPDATE ON learning_cycle_steps FOR EACH ROW "
      "  WHEN (NEW.step_index = 2 AND NEW.status = 'running') EXECUTE FUNCTION terminate_all()");
  const Response r = call("POST", "/v1/learning/cycles", {{"cycle_key", "terminated-1"}});
  EXPECT_NE(r.status, 500) << r.body;
  run("DROP TRIGGER terminate_at_step_2 ON learning_cycle_steps");
  EXPECT_EQ(scalar<std::string>("SELECT status FROM learning_cycles WHERE cycle_key = "
                                "'terminated-1'"),
            "failed");
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM learning_cycle_steps WHERE status IN ('pending', "
                        "'running')"),
            0);
  // And the next cycle is not refused.
  EXPECT_EQ(call("POST", "/v1/learning/cycles", {{"cycle_key", "after-1"}}).status, 201);
}

TEST_F(MlServiceDbTest, OnlyOneLearningCycleRunsAtATime) {
  run("INSERT INTO learning_cycles (trigger) VALUES ('schedule')");  // someone else's, running
  const Response r = call("POST", "/v1/learning/cycles", nullptr);
  EXPECT_EQ(r.status, 409) << r.body;
  // Without training data the candidate is not promoted: that step is skipped, not failed.
  run("UPDATE learning_cycles SET status = 'succeeded', finished_at = now()");
  const json cycle = json::parse(call("POST", "/v1/learning/cycles", nullptr).body);
  EXPECT_EQ(cycle["status"], "succeeded");
  EXPECT_EQ(cycle["steps"][4]["status"], "skipped");
}

TEST_F(MlServiceDbTest, CacheCountsExactSemanticAndMissLookups) {
  const auto lookup = [&](const std::string& prompt, double max_distance) {
    const Response r =
        call("POST", "/v1/cache/lookup", {{"prompt", prompt}, {"max_distance", max_distance}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  };
  const json miss = lookup("Make a fun ad for running shoes", 0.3);
  EXPECT_FALSE(miss["hit"].get<bool>());
  const json exact = lookup("  make a FUN ad, for running shoes!", 0.3);
  EXPECT_EQ(exact["match"], "exact");
  EXPECT_EQ(exact["response"], miss["response"]);
  const json semantic = lookup("make a fun ad for running shoes today", 0.5);
  EXPECT_EQ(semantic["match"], "semantic");
  EXPECT_EQ(semantic["matched_key_hash"], miss["key_hash"]);
  const json unrelated = lookup("quarterly tax report summary", 0.5);
  EXPECT_FALSE(unrelated["hit"].get<bool>());
  const std::string m = metrics_.render();
  EXPECT_THAT(m, HasSubstr("ml_service_cache_lookups_total{result=\"exact\"} 1"));
  EXPECT_THAT(m, HasSubstr("ml_service_cache_lookups_total{result=\"semantic\"} 1"));
  EXPECT_THAT(m, HasSubstr("ml_service_cache_lookups_total{result=\"miss\"} 2"));
  EXPECT_EQ(scalar<int>("SELECT sum(hits) FROM semantic_cache_entries"), 2);
}

}  // namespace
}  // namespace gauntlet::mocks

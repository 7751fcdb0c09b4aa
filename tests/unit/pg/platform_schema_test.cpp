// The platform schema (mocks/schema) applied to a real server: every table is there, and the
// keys and checks that the integrity checkers rely on actually reject bad rows.
#include "fixtures/platform_schema.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <set>

#include "gauntlet/pg/migrations.hpp"
#include "pg_cluster_test.hpp"

namespace gauntlet {
namespace {

class PlatformSchemaTest : public testing::PgClusterTest {
 protected:
  void SetUp() override {
    PgClusterTest::SetUp();
    url_ = fresh_database();
    conn_ = std::make_unique<pqxx::connection>(url_);
    apply_migrations(*conn_, platform_schema_dir());
  }

  // Runs `sql` in its own transaction and returns the SQLSTATE it failed with ("" if none).
  std::string sqlstate_of(const std::string& sql) {
    try {
      pqxx::work tx(*conn_);
      tx.exec(sql);
      tx.commit();
      return "";
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate();
    }
  }
  void run(const std::string& sql) {
    pqxx::work tx(*conn_);
    tx.exec(sql);
    tx.commit();
  }
  // A user, a campaign and a blueprint, ids 1.
  void seed_campaign() {
    run("INSERT INTO users (email) VALUES ('a@example.com');"
        "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
        "  VALUES (1, 'act_1', 'c', 'sales', 1000);"
        "INSERT INTO blueprints (campaign_id, prompt) VALUES (1, 'make an ad');");
  }

  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

constexpr const char* kCheckViolation = "23514";
constexpr const char* kUniqueViolation = "23505";
constexpr const char* kForeignKeyViolation = "23503";

TEST_F(PlatformSchemaTest, HasEveryPlatformTable) {
  // The services' own migrations may add tables; these are the ones the platform needs.
  const std::set<std::string> expected = {"users",
                                          "api_keys",
                                          "idempotency_keys",
                                          "webhook_events",
                                          "campaigns",
                                          "blueprints",
                                          "videos",
                                          "video_scenes",
                                          "render_jobs",
                                          "pending_ad_changes",
                                          "ad_change_history",
                                          "ad_change_dead_letters",
                                          "predictions",
                                          "performance_metrics",
                                          "sampler_arms",
                                          "feedback_events",
                                          "semantic_cache_entries",
                                          "learning_cycles",
                                          "learning_cycle_steps",
                                          "creative_dna_extractions",
                                          "rag_documents",
                                          "winning_patterns",
                                          "cross_account_patterns",
                                          "schema_migrations"};
  pqxx::nontransaction tx(*conn_);
  std::set<std::string> found;
  for (const auto& row : tx.exec("SELECT table_name FROM information_schema.tables "
                                 "WHERE table_schema = 'public'")) {
    found.insert(row[0].as<std::string>());
  }
  for (const auto& table : expected) EXPECT_EQ(found.count(table), 1u) << "missing " << table;
}

TEST_F(PlatformSchemaTest, EmbeddingsAreCubesWithGistIndexes) {
  pqxx::nontransaction tx(*conn_);
  const auto indexes =
      tx.exec1("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist (embedding)%'")[0];
  EXPECT_EQ(indexes.as<int>(), 3);
  tx.exec(
      "INSERT INTO rag_documents (source, source_ref, content, content_hash, embedding) "
      "VALUES ('kb', '1', 'near', 'h1', cube(ARRAY[0.1, 0.2, 0.3])), "
      "       ('kb', '2', 'far', 'h2', cube(ARRAY[0.9, 0.9, 0.9]))");
  const auto nearest = tx.exec1(
      "SELECT content FROM rag_documents ORDER BY embedding <-> cube(ARRAY[0.1, 0.2, 0.25]) "
      "LIMIT 1")[0];
  EXPECT_EQ(nearest.as<std::string>(), "near");
}

TEST_F(PlatformSchemaTest, RenderJobsAreClaimedOnceWithSkipLocked) {
  seed_campaign();
  run("INSERT INTO render_jobs (blueprint_id, idempotency_key) VALUES (1, 'k1'), (1, 'k2')");
  constexpr const char* kClaim =
      "SELECT id FROM render_jobs WHERE status = 'queued' AND run_after <= now() "
      "ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1";
  pqxx::connection other_a(url_);
  pqxx::connection other_b(url_);
  pqxx::work first(*conn_);
  pqxx::work second(other_a);
  pqxx::work third(other_b);
  const auto a = first.exec(kClaim);
  const auto b = second.exec(kClaim);
  const auto c = third.exec(kClaim);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0][0].as<long>(), b[0][0].as<long>());
  EXPECT_EQ(c.size(), 0u) << "both jobs are locked by their claimers";
}

TEST_F(PlatformSchemaTest, RenderJobChecksRejectImpossibleStates) {
  seed_campaign();
  EXPECT_EQ(sqlstate_of("INSERT INTO render_jobs (blueprint_id, idempotency_key, status) "
                        "VALUES (1, 'k', 'bogus')"),
            kCheckViolation);
  EXPECT_EQ(sqlstate_of("INSERT INTO render_jobs (blueprint_id, idempotency_key, status) "
                        "VALUES (1, 'k', 'running')"),
            kCheckViolation)
      << "running without locked_by and heartbeat";
  EXPECT_EQ(sqlstate_of("INSERT INTO render_jobs (blueprint_id, idempotency_key, status, "
                        "finished_at) VALUES (1, 'k', 'succeeded', now())"),
            kCheckViolation)
      << "succeeded without a video";
  EXPECT_EQ(sqlstate_of("INSERT INTO render_jobs (blueprint_id, idempotency_key) "
                        "VALUES (99, 'k')"),
            kForeignKeyViolation);
  run("INSERT INTO render_jobs (blueprint_id, idempotency_key) VALUES (1, 'k')");
  EXPECT_EQ(sqlstate_of("INSERT INTO render_jobs (blueprint_id, idempotency_key) VALUES (1, 'k')"),
            kUniqueViolation);
}

TEST_F(PlatformSchemaTest, EachAdChangeIsAuditedOnce) {
  seed_campaign();
  constexpr const char* kApply =
      "INSERT INTO ad_change_history (change_id, campaign_id, ad_account_id, change_type, "
      "payload, attempts, applied_by, requested_at) VALUES "
      "('6f1c1d4e-0000-4000-8000-000000000001', 1, 'act_1', 'budget', '{}', 1, 'w1', now())";
  EXPECT_EQ(sqlstate_of(kApply), "");
  EXPECT_EQ(sqlstate_of(kApply), kUniqueViolation);
}

TEST_F(PlatformSchemaTest, FeedbackEventsAndWebhooksAreKeyedByEventId) {
  seed_campaign();
  constexpr const char* kFeedback =
      "INSERT INTO feedback_events (event_id, campaign_id, arm_id, reward) "
      "VALUES ('ev-1', 1, 'arm-a', 1)";
  EXPECT_EQ(sqlstate_of(kFeedback), "");
  EXPECT_EQ(sqlstate_of(kFeedback), kUniqueViolation);
  constexpr const char* kWebhook =
      "INSERT INTO webhook_events (source, event_id, payload) VALUES ('hubspot', 'h-1', '{}')";
  EXPECT_EQ(sqlstate_of(kWebhook), "");
  EXPECT_EQ(sqlstate_of(kWebhook), kUniqueViolation);
}

TEST_F(PlatformSchemaTest, OnlyOneLearningCycleRunsAtATime) {
  constexpr const char* kStart = "INSERT INTO learning_cycles (trigger) VALUES ('manual')";
  EXPECT_EQ(sqlstate_of(kStart), "");
  EXPECT_EQ(sqlstate_of(kStart), kUniqueViolation);
  run("UPDATE learning_cycles SET status = 'succeeded', finished_at = now()");
  EXPECT_EQ(sqlstate_of(kStart), "");
}

TEST_F(PlatformSchemaTest, MetricsAndPosteriorsRejectImpossibleValues) {
  seed_campaign();
  EXPECT_EQ(sqlstate_of("INSERT INTO performance_metrics (campaign_id, ad_id, metric_date, "
                        "impressions, clicks) VALUES (1, 'ad', current_date, 10, 11)"),
            kCheckViolation)
      << "more clicks than impressions";
  EXPECT_EQ(sqlstate_of("INSERT INTO sampler_arms (campaign_id, arm_id, alpha) VALUES (1, 'a', 0)"),
            kCheckViolation);
  EXPECT_EQ(sqlstate_of("INSERT INTO predictions (model_version, features_hash, predicted_ctr, "
                        "predicted_roas) VALUES ('v1', 'h', 1.5, 2)"),
            kCheckViolation);
}

}  // namespace
}  // namespace gauntlet

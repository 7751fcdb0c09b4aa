// titan-core against a real PostgreSQL: RAG search through the GiST index agrees with brute
// force (recall@10 is measured and printed), creative DNA is extracted once per video, and the
// council's script becomes a blueprint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <pqxx/pqxx>
#include <random>

#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/text_embedding.hpp"
#include "pg_cluster_test.hpp"
#include "titan_core_service.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class TitanCoreDbTest : public testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    pool_ = std::make_unique<ConnectionPool>(url_, 8, std::chrono::milliseconds(10'000));
    service_ =
        std::make_unique<TitanCoreService>(TitanCoreOptions{0.01}, router_, metrics_, *pool_);
  }
  Response call(const std::string& target, const json& body) {
    Request r;
    r.method = "POST";
    r.target = target;
    r.split_target();
    r.body = body.dump();
    return router_.dispatch(r);
  }

  std::unique_ptr<ConnectionPool> pool_;
  Router router_;
  MetricsRegistry metrics_;
  std::unique_ptr<TitanCoreService> service_;
};

// A seeded corpus of short "ad notes" from a small vocabulary, so that neighbours are close.
std::vector<std::string> corpus(std::size_t n, std::uint64_t seed) {
  static const char* kWords[] = {"shoe",  "run",   "sale",   "summer", "coffee", "night", "gym",
                                 "deal",  "phone", "camera", "travel", "beach",  "dog",   "food",
                                 "video", "hook",  "fast",   "luxury", "kids",   "music"};
  std::mt19937_64 rng(seed);
  std::vector<std::string> docs;
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    const std::size_t words = 3 + rng() % 6;
    for (std::size_t w = 0; w < words; ++w) text += std::string(kWords[rng() % 20]) + " ";
    docs.push_back(text);
  }
  return docs;
}

TEST_F(TitanCoreDbTest, RagSearchThroughGistMatchesBruteForce) {
  const auto docs = corpus(600, 11);
  for (std::size_t start = 0; start < docs.size(); start += 200) {
    json batch = json::array();
    for (std::size_t i = start; i < start + 200; ++i) {
      batch.push_back({{"source", "kb"}, {"source_ref", std::to_string(i)}, {"content", docs[i]}});
    }
    const Response r = call("/v1/rag/documents", {{"documents", batch}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  run("ANALYZE rag_documents");
  double recall_sum = 0;
  const auto queries = corpus(20, 99);
  for (const auto& q : queries) {
    const Response r = call("/v1/rag/search", {{"query", q}, {"k", 10}, {"measure_recall", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json out = json::parse(r.body);
    ASSERT_EQ(out["results"].size(), 10u);
    EXPECT_EQ(out["brute_force"]["scanned"], 600);
    recall_sum += out["recall_at_k"].get<double>();
    for (std::size_t i = 1; i < out["results"].size(); ++i) {
      EXPECT_LE(out["results"][i - 1]["distance"].get<double>(),
                out["results"][i]["distance"].get<double>());
    }
  }
  const double recall = recall_sum / double(queries.size());
  std::cout << "[ recall   ] mean recall@10 over " << queries.size()
            << " queries, GiST vs brute force: " << recall << "\n";
  RecordProperty("recall_at_10", std::to_string(recall));
  EXPECT_GE(recall, 0.9);

  // The nearest-neighbour query is answered by the GiST index (when the planner may not scan).
  pqxx::connection conn(url_);
  pqxx::work tx(conn);
  tx.exec("SET LOCAL enable_seqscan = off");
  std::string plan;
  for (const auto& row : tx.exec("EXPLAIN SELECT id FROM rag_documents ORDER BY embedding <-> "
                                 "cube(array_fill(0.1::float8, ARRAY[64])) LIMIT 10")) {
    plan += row[0].as<std::string>() + "\n";
  }
  EXPECT_THAT(plan, HasSubstr("rag_documents_embedding_idx"));
}

TEST_F(TitanCoreDbTest, ReindexingADocumentUpdatesItInPlace) {
  const json doc = {
      {"source", "kb"}, {"source_ref", "faq-1"}, {"content", "returns within 30 days"}};
  const json first = json::parse(call("/v1/rag/documents", doc).body);
  EXPECT_TRUE(first["documents"][0]["inserted"].get<bool>());
  json changed = doc;
  changed["content"] = "returns within 60 days";
  const json second = json::parse(call("/v1/rag/documents", changed).body);
  EXPECT_FALSE(second["documents"][0]["inserted"].get<bool>());
  EXPECT_EQ(second["documents"][0]["id"], first["documents"][0]["id"]);
  const json hit =
      json::parse(call("/v1/rag/search", {{"query", "returns 60 days"}, {"k", 1}}).body);
  EXPECT_EQ(hit["results"][0]["content"], "returns within 60 days");
  EXPECT_EQ(call("/v1/rag/documents", {{"documents", json::array({{{"source", "kb"}}})}}).status,
            400);
}

TEST_F(TitanCoreDbTest, DnaIsExtractedOncePerVideoFromItsScenes) {
  run("INSERT INTO videos (source, source_ref, storage_uri, duration_ms, width, height, status) "
      "VALUES ('drive', 'v1', 'drive://v1', 6000, 1080, 1920, 'analyzed'), "
      "       ('drive', 'v2', 'drive://v2', 6000, 1080, 1920, 'ingested');"
      "INSERT INTO video_scenes (video_id, scene_index, start_ms, end_ms, features) VALUES "
      "(1, 0, 0, 3000, '{\"motion\":0.9,\"brightness\":0.5,\"faces\":1,\"speech\":\"hi\","
      "\"ocr_text\":\"\",\"objects\":[\"shoe\"]}'),"
      "(1, 1, 3000, 6000, '{\"motion\":0.2,\"brightness\":0.5,\"faces\":0,\"speech\":\"\","
      "\"ocr_text\":\"sale\",\"objects\":[\"logo\"]}')");
  const Response first = call("/v1/dna/extract", {{"video_id", 1}});
  ASSERT_EQ(first.status, 201) << first.body;
  const json dna = json::parse(first.body);
  EXPECT_EQ(dna["dna"]["hook_type"], "testimonial");
  EXPECT_EQ(dna["extractor_version"], "dna-v1");
  const Response again = call("/v1/dna/extract", {{"video_id", 1}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["id"], dna["id"]);
  EXPECT_EQ(call("/v1/dna/extract", {{"video_id", 2}}).status, 409);
  EXPECT_EQ(call("/v1/dna/extract", {{"video_id", 3}}).status, 404);
  pqxx::connection conn(url_);
  pqxx::nontransaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM creative_dna_extractions")[0].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT cube_dim(embedding) FROM creative_dna_extractions")[0].as<int>(),
            static_cast<int>(kEmbeddingDims));
}

TEST_F(TitanCoreDbTest, TheCouncilsScriptBecomesTheCampaignsBlueprint) {
  run("INSERT INTO users (email) VALUES ('a@example.com');"
      "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
      "VALUES (1, 'act_1', 'c1', 'sales', 1000)");
  const Response r =
      call("/v1/council", {{"prompt", "A fun ad for dog treats"}, {"campaign_id", 1}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json out = json::parse(r.body);
  ASSERT_EQ(out["stages"].size(), 5u);
  EXPECT_EQ(out["stages"][0]["name"], "director");
  EXPECT_EQ(out["stages"][4]["name"], "pipeline");
  pqxx::connection conn(url_);
  pqxx::nontransaction tx(conn);
  const pqxx::row b = tx.exec1("SELECT id, hook, script::text FROM blueprints");
  EXPECT_EQ(b[0].as<std::int64_t>(), out["blueprint_id"].get<std::int64_t>());
  EXPECT_EQ(b[1].as<std::string>(), out["hook"].get<std::string>());
  EXPECT_EQ(json::parse(b[2].as<std::string>()), out["script"]);
  EXPECT_EQ(call("/v1/council", {{"prompt", "no campaign"}}).status, 200);
  EXPECT_EQ(call("/v1/council", {{"prompt", "x"}, {"campaign_id", 99}}).status, 422);
  EXPECT_EQ(call("/v1/council", {{"variants", 9}}).status, 400);
  EXPECT_THAT(metrics_.render(),
              HasSubstr("titan_core_council_stage_seconds_count{stage=\"veo_director\"} 3"));
}

// The database slowed under the council (its campaign's row locked, so the blueprint's insert
// waits): with a statement timeout on its pool, the council answers 503 once the timeout has
// passed instead of waiting as long as the database does.
TEST_F(TitanCoreDbTest, ASlowDatabaseEndsTheCouncilWith503NotAHang) {
  run("INSERT INTO users (email) VALUES ('a@example.com');"
      "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
      "VALUES (1, 'act_1', 'c1', 'sales', 1000)");
  ConnectionPool bounded(with_statement_timeout(url_, std::chrono::milliseconds(300)), 2,
                         std::chrono::milliseconds(10'000));
  Router router;
  MetricsRegistry metrics;
  TitanCoreService service(TitanCoreOptions{0.01}, router, metrics, bounded);
  pqxx::connection locker(url_);
  pqxx::work lock(locker);
  lock.exec("SELECT id FROM campaigns WHERE id = 1 FOR UPDATE");
  Request r;
  r.method = "POST";
  r.target = "/v1/council";
  r.split_target();
  r.body = json{{"prompt", "A fun ad for dog treats"}, {"campaign_id", 1}}.dump();
  const auto began = std::chrono::steady_clock::now();
  const Response answer = router.dispatch(r);
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr("did not answer in time"));
  EXPECT_LT(took, std::chrono::seconds(5));
  lock.abort();
  EXPECT_EQ(router.dispatch(r).status, 201) << "the lock released, the council stores again";
}

}  // namespace
}  // namespace gauntlet::mocks

// Each flow of the platform once, end to end through the gateway with the seed's API key, and
// the rows it wrote checked in PostgreSQL.
#include <set>
#include <string>

#include "gauntlet/pg/migrations.hpp"
#include "platform_e2e.hpp"

namespace gauntlet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kFlowPatience{30'000};

json body_of(const Response& r) { return r.json().value_or(json()); }

// GETs `url` until the body's `field` is no longer one of `pending` (or kFlowPatience passes)
// and returns the last body.
json poll_while(Client& client, const std::string& url, const std::string& field,
                const std::set<std::string>& pending) {
  json body;
  eventually(
      [&] {
        body = body_of(client.get(url));
        return body.is_object() && !pending.contains(body.value(field, std::string()));
      },
      kFlowPatience);
  return body;
}

TEST_F(PlatformE2E, EveryServiceAnswersHealthWithItsNameAndTheSchemaIsMigrated) {
  Client client = plain_client();
  for (const Service s : kAllServices) {
    const Response r = client.get(url(s, "/health"));
    ASSERT_EQ(r.status, 200) << service_name(s) << ": " << r.error_message;
    EXPECT_EQ(body_of(r).value("service", ""), service_name(s));
    EXPECT_EQ(body_of(r).value("status", ""), "ok");
  }
  if (!platform().database_dir().empty()) {  // migrated by the fixture, not an external one
    const auto files = list_migrations(platform().options().schema_dir);
    EXPECT_EQ(scalar<int>("SELECT count(*) FROM schema_migrations"),
              static_cast<int>(files.size()));
  }
  EXPECT_EQ(scalar<std::string>("SELECT meta_campaign_id FROM campaigns WHERE id = $1",
                                seed().campaign_id),
            seed().meta_campaign_id);
}

TEST_F(PlatformE2E, RequestsWithoutAValidApiKeyAreRefused) {
  const Response none = plain_client().get(gateway("/api/v1/predictions/1"));
  EXPECT_EQ(none.status, 401);
  Client wrong = plain_client();
  wrong.set_default_header({"Authorization", "Bearer not-a-key"});
  EXPECT_EQ(wrong.get(gateway("/api/v1/predictions/1")).status, 401);
}

// Asset upload, video ingest and analysis, AI Council blueprint, creative DNA, render job to a
// finished video, then an ad change applied through meta-publisher to the Meta mock.
TEST_F(PlatformE2E, CreativeFlowGoesFromAssetToAnAdChangePublishedOnMeta) {
  Client client = authed_client();
  const std::string asset(64 * 1024, 'v');
  const Response upload = client.send_binary(
      "POST", gateway("/api/v1/assets/upload?filename=a.mp4"), asset, "video/mp4");
  ASSERT_EQ(upload.status, 201) << upload.body;
  EXPECT_EQ(scalar<std::int64_t>("SELECT size_bytes FROM assets WHERE id = $1",
                                 body_of(upload)["id"].get<std::int64_t>()),
            static_cast<std::int64_t>(asset.size()));

  const Response video =
      client.post_json(gateway("/api/v1/videos"), {{"source_ref", unique("drive")},
                                                   {"duration_ms", 20'000},
                                                   {"campaign_id", seed().campaign_id}});
  ASSERT_EQ(video.status, 201) << video.body;
  const auto video_id = body_of(video)["id"].get<std::int64_t>();
  EXPECT_EQ(scalar<std::string>("SELECT status FROM videos WHERE id = $1", video_id), "analyzed");
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM video_scenes WHERE video_id = $1", video_id),
            body_of(video)["scene_count"].get<int>());

  const Response council = client.post_json(
      gateway("/api/v1/council"),
      {{"prompt", "A playful ad for trail running shoes"}, {"campaign_id", seed().campaign_id}});
  ASSERT_EQ(council.status, 201) << council.body;
  const auto blueprint_id = body_of(council)["blueprint_id"].get<std::int64_t>();
  EXPECT_EQ(scalar<std::int64_t>("SELECT campaign_id FROM blueprints WHERE id = $1", blueprint_id),
            seed().campaign_id);

  const Response dna = client.post_json(gateway("/api/v1/dna/extract"), {{"video_id", video_id}});
  ASSERT_EQ(dna.status, 201) << dna.body;
  EXPECT_EQ(
      scalar<int>("SELECT count(*) FROM creative_dna_extractions WHERE video_id = $1", video_id),
      1);

  const Response generation = client.post_json(gateway("/api/v1/generations"),
                                               {{"blueprint_id", blueprint_id}, {"duration_s", 6}});
  ASSERT_EQ(generation.status, 202) << generation.body;
  const std::string generation_id = body_of(generation)["id"].get<std::string>();
  const json rendered = poll_while(client, gateway("/api/v1/generations/" + generation_id),
                                   "status", {"submitting", "queued", "running"});
  ASSERT_EQ(rendered.value("status", ""), "succeeded") << rendered.dump();
  EXPECT_EQ(
      scalar<std::string>("SELECT status FROM generations WHERE id = $1::uuid", generation_id),
      "submitted");
  const auto render_job_id = rendered.at("render_job_id").get<std::int64_t>();
  EXPECT_EQ(scalar<std::string>("SELECT status FROM render_jobs WHERE id = $1", render_job_id),
            "succeeded");
  EXPECT_EQ(scalar<std::string>("SELECT v.source FROM render_jobs j JOIN videos v "
                                "ON v.id = j.output_video_id WHERE j.id = $1",
                                render_job_id),
            "render");

  const Response change =
      client.post_json(gateway("/api/v1/ad-changes"), {{"campaign_id", seed().campaign_id},
                                                       {"change_type", "status"},
                                                       {"payload", {{"status", "active"}}}});
  ASSERT_EQ(change.status, 202) << change.body;
  const std::string change_id = body_of(change)["id"].get<std::string>();
  const json state =
      poll_while(client, gateway("/api/v1/ad-changes/" + change_id), "state", {"pending"});
  ASSERT_EQ(state.value("state", ""), "applied") << state.dump();
  EXPECT_EQ(
      scalar<int>("SELECT count(*) FROM ad_change_history WHERE change_id = $1::uuid", change_id),
      1);
  EXPECT_EQ(scalar<std::string>("SELECT status FROM campaigns WHERE id = $1", seed().campaign_id),
            "active");
  const Response on_meta = plain_client().get(
      url(Service::kMetaGraph, "/v19.0/" + seed().meta_campaign_id + "?fields=status"));
  EXPECT_EQ(body_of(on_meta).value("status", ""), "ACTIVE") << on_meta.body;
  // meta-publisher sends the change id as Idempotency-Key: Meta saw the change exactly once.
  const json idempotency =
      body_of(plain_client().get(url(Service::kMetaGraph, "/__admin/idempotency")));
  EXPECT_EQ(idempotency.value("/keys"_json_pointer, json::object())
                .value(change_id, json::object())
                .value("count", 0),
            1)
      << idempotency.dump();
}

TEST_F(PlatformE2E, PredictionIsStoredAndReadBackThroughTheGateway) {
  Client client = authed_client();
  const Response r = client.post_json(gateway("/api/v1/predictions"),
                                      {{"features", {{"duration_s", 15}, {"hook_strength", 0.8}}},
                                       {"campaign_id", seed().campaign_id}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json p = body_of(r);
  const auto id = p["id"].get<std::int64_t>();
  EXPECT_DOUBLE_EQ(scalar<double>("SELECT predicted_ctr FROM predictions WHERE id = $1", id),
                   p["predicted_ctr"].get<double>());
  const Response read = client.get(gateway("/api/v1/predictions/" + std::to_string(id)));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(body_of(read)["features_hash"], p["features_hash"]);
}

TEST_F(PlatformE2E, BudgetAllocationSumsExactlyToTheBudget) {
  const std::vector<std::string> arms = {unique("arm-a"), unique("arm-b"), unique("arm-c")};
  constexpr std::int64_t kBudget = 100'003;  // not divisible by 3: rounding must still add up
  const Response r = authed_client().post_json(
      gateway("/api/v1/budget/allocate"),
      {{"campaign_id", seed().campaign_id}, {"budget_minor", kBudget}, {"arms", arms}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json allocation = body_of(r);
  ASSERT_EQ(allocation["allocations"].size(), arms.size()) << r.body;
  std::int64_t total = 0;
  for (const json& a : allocation["allocations"]) {
    EXPECT_GE(a["amount_minor"].get<std::int64_t>(), 0);
    total += a["amount_minor"].get<std::int64_t>();
  }
  EXPECT_EQ(total, kBudget);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM sampler_arms WHERE campaign_id = $1 "
                        "AND arm_id IN ($2, $3, $4)",
                        seed().campaign_id, arms[0], arms[1], arms[2]),
            3);
}

TEST_F(PlatformE2E, FeedbackWithTheSameEventIdIsAppliedOnce) {
  Client client = authed_client();
  const json event = {{"event_id", unique("evt")},
                      {"campaign_id", seed().campaign_id},
                      {"arm_id", unique("arm")},
                      {"reward", 1}};
  const Response first = client.post_json(gateway("/api/v1/feedback"), event);
  ASSERT_EQ(first.status, 201) << first.body;
  const Response again = client.post_json(gateway("/api/v1/feedback"), event);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["duplicate"], true);
  EXPECT_DOUBLE_EQ(scalar<double>("SELECT alpha + beta FROM sampler_arms WHERE campaign_id = $1 "
                                  "AND arm_id = $2",
                                  seed().campaign_id, event["arm_id"].get<std::string>()),
                   3.0);  // Beta(1, 1) plus one event
}

TEST_F(PlatformE2E, LearningCycleRunsItsStepsOnceAndARepeatRunsNothing) {
  Client client = authed_client();
  const json start = {{"trigger", "manual"}, {"cycle_key", unique("cycle")}};
  const Response r = client.post_json(gateway("/api/v1/learning/cycles"), start);
  ASSERT_EQ(r.status, 201) << r.body;
  const json cycle = body_of(r);
  EXPECT_EQ(cycle["status"], "succeeded") << r.body;
  const auto id = cycle["id"].get<std::int64_t>();
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM learning_cycle_steps WHERE cycle_id = $1 "
                        "AND status IN ('succeeded', 'skipped')",
                        id),
            7);
  const Response repeat = client.post_json(gateway("/api/v1/learning/cycles"), start);
  ASSERT_EQ(repeat.status, 200) << repeat.body;
  EXPECT_EQ(body_of(repeat)["id"], id);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM learning_cycles WHERE cycle_key = $1",
                        start["cycle_key"].get<std::string>()),
            1);
}

TEST_F(PlatformE2E, RagIndexesDocumentsAndSearchFindsTheNearest) {
  Client client = authed_client();
  const std::string source = unique("e2e");
  const std::vector<std::string> texts = {"returns are free within thirty days of delivery",
                                          "shipping to canada takes five business days",
                                          "gift cards never expire and can be reloaded"};
  json documents = json::array();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    documents.push_back(
        {{"source", source}, {"source_ref", "doc-" + std::to_string(i)}, {"content", texts[i]}});
  }
  const Response indexed =
      client.post_json(gateway("/api/v1/rag/documents"), {{"documents", documents}});
  ASSERT_EQ(indexed.status, 201) << indexed.body;
  EXPECT_EQ(body_of(indexed)["indexed"], 3);
  EXPECT_EQ(scalar<int>("SELECT count(*) FROM rag_documents WHERE source = $1", source), 3);

  const Response found = client.post_json(
      gateway("/api/v1/rag/search"), {{"query", texts[1]}, {"k", 3}, {"measure_recall", true}});
  ASSERT_EQ(found.status, 200) << found.body;
  const json results = body_of(found)["results"];
  ASSERT_FALSE(results.empty()) << found.body;
  EXPECT_EQ(results[0]["content"], texts[1]);
  EXPECT_DOUBLE_EQ(body_of(found)["recall_at_k"].get<double>(), 1.0);
}

}  // namespace
}  // namespace gauntlet

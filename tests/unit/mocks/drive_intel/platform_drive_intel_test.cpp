// drive-intel against a real PostgreSQL, through its Router: ingest stores the video and its
// analysed scenes, a re-ingest (sequential or concurrent) yields the same single video, and a
// video left 'ingested' by a crash is finished by the next ingest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "drive_intel_service.hpp"
#include "pg_cluster_test.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class DriveIntelDbTest : public testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    pool_ = std::make_unique<ConnectionPool>(url_, 8, std::chrono::milliseconds(10'000));
    service_ =
        std::make_unique<DriveIntelService>(DriveIntelOptions{0.01}, router_, metrics_, *pool_);
  }
  int count(const std::string& sql) { return scalar<int>(sql); }
  Response call(const std::string& method, const std::string& target, const json& body = nullptr) {
    Request r;
    r.method = method;
    r.target = target;
    r.split_target();
    if (!body.is_null()) r.body = body.dump();
    return router_.dispatch(r);
  }

  std::unique_ptr<ConnectionPool> pool_;
  Router router_;
  MetricsRegistry metrics_;
  std::unique_ptr<DriveIntelService> service_;
};

TEST_F(DriveIntelDbTest, IngestStoresTheVideoAndScenesCoveringItsDuration) {
  const Response r =
      call("POST", "/v1/videos", {{"source_ref", "file-1"}, {"duration_ms", 30'000}});
  ASSERT_EQ(r.status, 201) << r.body;
  const json video = json::parse(r.body);
  EXPECT_EQ(video["status"], "analyzed");
  EXPECT_EQ(video["storage_uri"], "drive://file-1");
  const Response s = call("GET", "/v1/videos/" + video["id"].dump() + "/scenes");
  ASSERT_EQ(s.status, 200);
  const json scenes = json::parse(s.body)["scenes"];
  ASSERT_EQ(scenes.size(), video["scene_count"].get<std::size_t>());
  ASSERT_GE(scenes.size(), 5u);  // 30 s in scenes of at most 6 s
  std::int64_t pos = 0;
  for (const auto& scene : scenes) {
    EXPECT_EQ(scene["start_ms"].get<std::int64_t>(), pos);
    pos = scene["end_ms"].get<std::int64_t>();
    for (const char* key : {"objects", "ocr_text", "speech", "motion", "brightness", "faces"}) {
      EXPECT_TRUE(scene["features"].contains(key)) << key << " in " << scene.dump();
    }
  }
  EXPECT_EQ(pos, 30'000);
  EXPECT_THAT(metrics_.render(), HasSubstr("drive_intel_stage_seconds_count{stage=\"ocr\"} 1"));
}

TEST_F(DriveIntelDbTest, ReingestReturnsTheSameVideoWithoutDuplicates) {
  const json body = {{"source_ref", "file-2"}, {"duration_ms", 12'000}};
  const json first = json::parse(call("POST", "/v1/videos", body).body);
  const Response again = call("POST", "/v1/videos", body);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["id"], first["id"]);
  EXPECT_EQ(count("SELECT count(*) FROM videos"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM video_scenes"), first["scene_count"].get<int>());
}

TEST_F(DriveIntelDbTest, ConcurrentIngestsOfOneFileMakeOneVideo) {
  std::atomic<bool> go{false};
  std::atomic<int> created{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      const Response r =
          call("POST", "/v1/videos", {{"source_ref", "hot"}, {"duration_ms", 20'000}});
      (r.status == 201 ? created : ok)++;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(count("SELECT count(*) FROM videos"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM videos WHERE status = 'analyzed'"), 1);
  EXPECT_EQ(count("SELECT count(DISTINCT scene_index) FROM video_scenes"),
            count("SELECT count(*) FROM video_scenes"));
}

TEST_F(DriveIntelDbTest, AVideoLeftIngestedIsAnalysedByTheNextIngest) {
  {
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO videos (source, source_ref, storage_uri, duration_ms, width, height) "
        "VALUES ('drive', 'crashed', 'drive://crashed', 9000, 1080, 1920)");
    tx.commit();
  }
  const Response r = call("POST", "/v1/videos", {{"source_ref", "crashed"}, {"duration_ms", 1}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json video = json::parse(r.body);
  EXPECT_EQ(video["status"], "analyzed");
  EXPECT_EQ(video["duration_ms"], 9000);  // the stored duration, not the request's
  EXPECT_EQ(count("SELECT max(end_ms) FROM video_scenes"), 9000);
}

TEST_F(DriveIntelDbTest, BadRequestsAreAnsweredNotCrashedOn) {
  const Response bad = call("POST", "/v1/videos", {{"source", "tape"}, {"duration_ms", 0}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("source must be"));
  EXPECT_THAT(bad.body, HasSubstr("source_ref is required"));
  EXPECT_THAT(bad.body, HasSubstr("duration_ms must be an integer in 1..3600000, got 0"));
  EXPECT_EQ(call("GET", "/v1/videos/77").status, 404);
  EXPECT_EQ(call("GET", "/v1/videos/77/scenes").status, 404);
  EXPECT_EQ(call("GET", "/v1/videos/-1").status, 400);
  const Response orphan = call(
      "POST", "/v1/videos", {{"source_ref", "x"}, {"duration_ms", 5000}, {"campaign_id", 12345}});
  EXPECT_EQ(orphan.status, 422) << orphan.body;
}

}  // namespace
}  // namespace gauntlet::mocks

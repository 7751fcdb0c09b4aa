// video-agent against a real PostgreSQL: SKIP LOCKED claims are exclusive, every job ends done,
// a crashed worker's job is reaped and finished by another, a presumed-dead worker cannot
// finish a job twice, and the HTTP API enqueues idempotently.
#include <gtest/gtest.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "gauntlet/mocks/http_error.hpp"
#include "pg_cluster_test.hpp"
#include "render_job_store.hpp"
#include "render_worker_pool.hpp"
#include "video_agent_service.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
using gauntlet::testing::eventually;

class VideoAgentDbTest : public gauntlet::testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    run("INSERT INTO users (email) VALUES ('a@example.com');"
        "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
        "  VALUES (1, 'act_1', 'c', 'sales', 1000);"
        "INSERT INTO blueprints (campaign_id, prompt) VALUES (1, 'make an ad');");
    pool_ = std::make_unique<ConnectionPool>(url_, 12, 5s);
    store_ = std::make_unique<RenderJobStore>(*pool_);
  }

  std::int64_t enqueue(const std::string& key, int fail_attempts = 0, int max_attempts = 3) {
    RenderJobRequest r;
    r.blueprint_id = 1;
    r.idempotency_key = key;
    r.max_attempts = max_attempts;
    r.spec.duration_s = 5;
    r.spec.fail_attempts = fail_attempts;
    return store_->enqueue(r).id;
  }
  RenderWorkerOptions fast_options(int workers) {
    RenderWorkerOptions o;
    o.workers = workers;
    o.cost_scale = 0.001;  // a 5 s video renders in 0.2 ms
    o.poll_interval = 10ms;
    o.heartbeat_interval = 50ms;
    o.stale_after = 400ms;
    o.reap_interval = 50ms;
    o.retry_base = 5ms;
    return o;
  }

  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<RenderJobStore> store_;
  std::ostringstream log_;
  Logger logger_{log_, "video-agent", LogLevel::kWarn};
  MetricsRegistry metrics_;
};

TEST_F(VideoAgentDbTest, TwoConcurrentWorkersNeverClaimTheSameJob) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) enqueue("job-" + std::to_string(i));
  std::vector<std::int64_t> claimed[2];
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      const std::string worker = "w" + std::to_string(w);
      while (auto job = store_->claim(worker)) {
        claimed[w].push_back(job->id);
        ASSERT_TRUE(store_->complete(*job, worker));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> all(claimed[0].begin(), claimed[0].end());
  for (std::int64_t id : claimed[1])
    EXPECT_TRUE(all.insert(id).second) << "job " << id << " claimed twice";
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(scalar("SELECT count(*) FROM render_jobs WHERE status = 'succeeded' AND attempts = 1"),
            kJobs);
  EXPECT_EQ(scalar("SELECT count(*) FROM videos WHERE source = 'render'"), kJobs);
}

TEST_F(VideoAgentDbTest, WorkerPoolFinishesEveryJobAndRetriesFailedAttempts) {
  constexpr int kJobs = 30;
  for (int i = 0; i < kJobs; ++i) enqueue("job-" + std::to_string(i), i % 3 == 0 ? 1 : 0);
  RenderWorkerPool pool(*store_, fast_options(3), metrics_, logger_);
  pool.start();
  EXPECT_TRUE(eventually(
      [&] {
        return scalar("SELECT count(*) FROM render_jobs WHERE status = 'succeeded'") == kJobs;
      },
      15s));
  pool.stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM render_jobs WHERE attempts = 2"), kJobs / 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM videos"), kJobs);
  EXPECT_EQ(scalar("SELECT count(*) FROM render_jobs WHERE stages_done <> 6 OR stage IS NOT NULL"),
            0);
}

TEST_F(VideoAgentDbTest, ACrashedWorkersJobIsReclaimedAndFinished) {
  const std::int64_t id = enqueue("orphan");
  const auto job = store_->claim("crashed-worker");  // never heartbeats again
  ASSERT_TRUE(job);
  RenderWorkerPool pool(*store_, fast_options(2), metrics_, logger_);
  pool.start();
  EXPECT_TRUE(eventually([&] { return store_->status(id)->at("status") == "succeeded"; }, 10s));
  pool.stop();
  const auto status = *store_->status(id);
  EXPECT_EQ(status["attempts"], 2);
  EXPECT_NE(status["locked_by"], "crashed-worker");
  EXPECT_GE(metrics_.counter("video_agent_reaped_total", "").value(), 1U);
  // The crashed worker coming back cannot write a second video.
  EXPECT_FALSE(store_->complete(*job, "crashed-worker"));
  EXPECT_EQ(scalar("SELECT count(*) FROM videos"), 1);
}

TEST_F(VideoAgentDbTest, AReapedJobCannotBeCompletedByItsFormerWorker) {
  enqueue("slow");
  const auto job = store_->claim("w1");
  ASSERT_TRUE(job);
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(store_->reap(1ms), 1);
  EXPECT_FALSE(store_->heartbeat(job->id, "w1", "encode", 5));
  EXPECT_FALSE(store_->complete(*job, "w1"));
  EXPECT_EQ(scalar("SELECT count(*) FROM videos"), 0);
  EXPECT_EQ(store_->status(job->id)->at("status"), "queued");
}

TEST_F(VideoAgentDbTest, AJobFailsForGoodAfterMaxAttempts) {
  const std::int64_t id = enqueue("doomed", /*fail_attempts=*/10, /*max_attempts=*/2);
  RenderWorkerPool pool(*store_, fast_options(1), metrics_, logger_);
  pool.start();
  EXPECT_TRUE(eventually([&] { return store_->status(id)->at("status") == "failed"; }, 10s));
  pool.stop();
  const auto status = *store_->status(id);
  EXPECT_EQ(status["attempts"], 2);
  EXPECT_TRUE(status["output_video_id"].is_null());
  EXPECT_NE(status["last_error"].get<std::string>().find("encode failed"), std::string::npos);
}

TEST_F(VideoAgentDbTest, HttpEnqueueIsIdempotentAndStatusIsPollable) {
  Router router;
  VideoAgentService service(*store_, nullptr, router, metrics_);
  Request post;
  post.method = "POST";
  post.target = "/v1/render-jobs";
  post.split_target();
  post.headers.set("Idempotency-Key", "gen-1");
  post.body = R"({"campaign_id":1,"prompt":"summer sale","duration_s":6})";
  const Response first = router.dispatch(post);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto body = nlohmann::json::parse(first.body);
  EXPECT_EQ(body["status"], "queued");
  EXPECT_EQ(body["spec"]["duration_s"], 6);
  const Response again = router.dispatch(post);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(nlohmann::json::parse(again.body)["id"], body["id"]);
  EXPECT_EQ(scalar("SELECT count(*) FROM render_jobs"), 1);

  Request get;
  get.method = "GET";
  get.target = "/v1/render-jobs/" + body["id"].dump();
  get.split_target();
  EXPECT_EQ(router.dispatch(get).status, 200);
  get.target = "/v1/render-jobs/999999";
  get.split_target();
  EXPECT_EQ(router.dispatch(get).status, 404);
  post.body = R"({"blueprint_id":4242})";
  post.headers.set("Idempotency-Key", "gen-2");
  EXPECT_EQ(router.dispatch(post).status, 404);
  post.body = R"({"duration_s":0})";
  EXPECT_EQ(router.dispatch(post).status, 400);
}

}  // namespace
}  // namespace gauntlet::mocks

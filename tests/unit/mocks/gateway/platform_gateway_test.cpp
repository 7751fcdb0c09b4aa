// The gateway with a real PostgreSQL and in-process downstream servers: forwarding with request
// ids, bearer auth (static and database keys), per-key 429s, retries only where safe, the
// circuit breaker's 503, HubSpot webhook verification and dedup with forwarding to ml-service,
// and the generation API end to end through a real video-agent.
#include <gtest/gtest.h>

#include <mutex>
#include <pqxx/pqxx>
#include <sstream>

#include "gateway_service.hpp"
#include "gauntlet/mocks/http_server.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"
#include "pg_cluster_test.hpp"
#include "render_worker_pool.hpp"
#include "unit/mocks/local_server_options.hpp"
#include "video_agent_service.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
using gauntlet::testing::eventually;
using nlohmann::json;

constexpr const char* kStaticKey = "static-key-1";
constexpr const char* kDbKey = "db-key-1";
constexpr const char* kSecret = "hubspot-secret";

// A downstream that records what reached it and echoes it back.
class FakeDownstream {
 public:
  FakeDownstream() : server_(local_server_options("fake"), log_, LogLevel::kError) {
    const Handler echo = [this](const Request& r) {
      std::lock_guard lock(mutex_);
      seen_.push_back(r);
      if (r.path == "/v1/predictions" && fail_predictions_)
        return Response::json(503, {{"error", "busy"}});
      return Response::json(r.method == "POST" ? 201 : 200,
                            {{"method", r.method},
                             {"target", r.target},
                             {"body", r.body},
                             {"request_id", r.headers.get("X-Request-Id")},
                             {"idempotency_key", r.headers.get("Idempotency-Key")}});
    };
    server_.router().get("/v1/videos/{id}", echo);
    server_.router().post("/v1/predictions", echo);
    server_.router().post("/v1/feedback", echo);
    server_.start();
  }
  ~FakeDownstream() { server_.stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::size_t count(const std::string& path) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        seen_.begin(), seen_.end(), [&](const Request& r) { return r.path == path; }));
  }
  HttpServer& server() { return server_; }
  bool fail_predictions_ = true;

 private:
  std::ostringstream log_;
  HttpServer server_;
  std::mutex mutex_;
  std::vector<Request> seen_;
};

class GatewayDbTest : public gauntlet::testing::MigratedDbTest {
 protected:
  void SetUp() override {
    MigratedDbTest::SetUp();
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO users (email) VALUES ('a@example.com');"
        "INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents) "
        "  VALUES (1, 'act_1', 'c', 'sales', 1000);");
    tx.exec_params("INSERT INTO api_keys (user_id, key_hash) VALUES (1, $1)", sha256_hex(kDbKey));
    tx.commit();
    pool_ = std::make_unique<ConnectionPool>(url_, 8, 5s);
  }

  GatewayOptions options() {
    GatewayOptions o;
    o.api_keys = {kStaticKey};
    o.hubspot_secret = kSecret;
    o.service_urls = {{"drive-intel", fake_.url()}, {"ml-service", fake_.url()}};
    o.downstream.retry = {.max_attempts = 3, .backoff = {1ms, 5ms, 2.0}};
    o.downstream.breaker = {.failure_threshold = 100, .open_duration = 60s};
    o.downstream.timeout = 2s;
    return o;
  }
  void make_gateway(GatewayOptions o) {
    router_ = std::make_unique<Router>();
    gateway_ =
        std::make_unique<GatewayService>(std::move(o), pool_.get(), *router_, metrics_, logger_);
  }
  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                Headers headers = {{"Authorization", std::string("Bearer ") + kStaticKey}}) {
    Request r;
    r.method = method;
    r.target = target;
    r.split_target();
    r.body = body;
    r.headers = std::move(headers);
    return router_->dispatch(r);
  }
  Response webhook(const std::string& body, std::chrono::system_clock::time_point signed_at,
                   const std::string& secret = kSecret) {
    const std::string ts = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(signed_at.time_since_epoch())
            .count());
    const std::string sig =
        HubSpotSignature(secret).sign_v3("POST", "http://gw.test:8000/webhooks/hubspot", body, ts);
    return call("POST", "/webhooks/hubspot", body,
                {{"Host", "gw.test:8000"},
                 {"X-HubSpot-Signature-v3", sig},
                 {"X-HubSpot-Request-Timestamp", ts}});
  }

  std::unique_ptr<ConnectionPool> pool_;
  FakeDownstream fake_;
  std::ostringstream log_;
  Logger logger_{log_, "gateway", LogLevel::kError};
  MetricsRegistry metrics_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<GatewayService> gateway_;
};

TEST_F(GatewayDbTest, ForwardsMethodPathQueryAndRequestId) {
  make_gateway(options());
  const Response res =
      call("GET", "/api/v1/videos/42?limit=5", "",
           {{"Authorization", std::string("Bearer ") + kStaticKey}, {"X-Request-Id", "req-abc"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const json body = json::parse(res.body);
  EXPECT_EQ(body["target"], "/v1/videos/42?limit=5");
  EXPECT_EQ(body["request_id"], "req-abc");
  EXPECT_EQ(res.headers.get("X-Request-Id"), "req-abc");
  const Response generated = call("GET", "/api/v1/videos/7");
  EXPECT_EQ(json::parse(generated.body)["request_id"], generated.headers.get("X-Request-Id"));
  EXPECT_EQ(generated.headers.get("X-Request-Id").rfind("gw-", 0), 0U);
}

// The gateway's docs list HEAD among the retryable methods: it is forwarded as HEAD, and the
// answer declares GET's length without a body.
TEST_F(GatewayDbTest, ForwardsHeadAsHeadWithTheDeclaredLengthAndNoBody) {
  make_gateway(options());
  const Response res = call("HEAD", "/api/v1/videos/42");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "");
  EXPECT_GT(std::stoul(res.headers.get("Content-Length", "0")), 0U);
  EXPECT_EQ(fake_.count("/v1/videos/42"), 1U);
}

// Expect: 100-continue on an upload without a key: 401 before the body is read.
TEST_F(GatewayDbTest, RefusesAnUnauthorisedUploadBeforeItsBody) {
  make_gateway(options());
  Request r;
  r.method = "POST";
  r.target = "/api/v1/assets/upload";
  r.split_target();
  const std::optional<Response> early = router_->answer_before_body(r);
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->status, 401);
  EXPECT_EQ(early->headers.get("WWW-Authenticate"), "Bearer");
  r.headers.set("Authorization", std::string("Bearer ") + kStaticKey);
  EXPECT_FALSE(router_->answer_before_body(r).has_value());
  Request webhook;
  webhook.method = "POST";
  webhook.target = "/webhooks/hubspot";
  webhook.split_target();
  EXPECT_FALSE(router_->answer_before_body(webhook).has_value());  // signed, not keyed
}

TEST_F(GatewayDbTest, RefusesMissingAndUnknownKeysAndAcceptsDatabaseKeys) {
  make_gateway(options());
  EXPECT_EQ(call("GET", "/api/v1/videos/1", "", {}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/videos/1", "", {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/videos/1", "", {{"Authorization", "Basic Zm9vOmJhcg=="}}).status,
            401);
  EXPECT_EQ(
      call("GET", "/api/v1/videos/1", "", {{"Authorization", std::string("Bearer ") + kDbKey}})
          .status,
      200);
  EXPECT_EQ(call("GET", "/api/v1/videos/1", "", {{"X-API-Key", kDbKey}}).status, 200);
  EXPECT_EQ(fake_.count("/v1/videos/1"), 2U);  // refused requests never reached the downstream
}

TEST_F(GatewayDbTest, AnswersTooManyRequestsWithRetryAfterPerKey) {
  GatewayOptions o = options();
  o.rate_per_s = 0.5;
  o.burst = 2;
  make_gateway(o);
  EXPECT_EQ(call("GET", "/api/v1/videos/1").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/videos/1").status, 200);
  const Response limited = call("GET", "/api/v1/videos/1");
  EXPECT_EQ(limited.status, 429);
  const int retry_after = std::stoi(limited.headers.get("Retry-After", "0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);
  // Another key has its own bucket.
  EXPECT_EQ(
      call("GET", "/api/v1/videos/1", "", {{"Authorization", std::string("Bearer ") + kDbKey}})
          .status,
      200);
}

// POST /__admin/rate_limit lowers the per-key limit at run time (the heavy concurrency test's
// knob), refuses bad values naming them, and DELETE restores the flags' values.
TEST_F(GatewayDbTest, AdminRateLimitChangesAndRestoresThePerKeyLimit) {
  make_gateway(options());  // 100/s, burst 200
  const auto admin = [&](const std::string& method, const std::string& body = "") {
    return call(method, "/__admin/rate_limit", body, {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(json::parse(admin("GET").body), json::parse(R"({"rate_per_s":100.0,"burst":200.0})"));
  const Response set = admin("POST", R"({"rate_per_s":0.5,"burst":1})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body)["burst"], 1.0);
  EXPECT_EQ(call("GET", "/api/v1/videos/1").status, 200);
  const Response limited = call("GET", "/api/v1/videos/1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.get("Retry-After"), "2");

  const Response bad = admin("POST", R"({"rate_per_s":-1,"burst":"x","queue":3})");
  EXPECT_EQ(bad.status, 400);
  const std::string message = json::parse(bad.body)["error"]["message"];
  EXPECT_NE(message.find("burst must be a number, got \"x\""), std::string::npos) << message;
  EXPECT_NE(message.find("unknown field queue"), std::string::npos) << message;
  const Response negative = admin("POST", R"({"rate_per_s":-1})");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("rate_per_s must be > 0, got -1"), std::string::npos)
      << negative.body;
  EXPECT_EQ(json::parse(admin("GET").body)["rate_per_s"], 0.5);  // a refused change changes nothing

  EXPECT_EQ(json::parse(admin("DELETE").body)["rate_per_s"], 100.0);
  EXPECT_EQ(call("GET", "/api/v1/videos/1").status, 200);  // buckets start full again
  admin("POST", R"({"rate_per_s":1})");
  EXPECT_EQ(json::parse(admin("POST", R"({"reset":true})").body)["burst"], 200.0);
}

TEST_F(GatewayDbTest, RetriesOnlyIdempotentRequests) {
  make_gateway(options());
  EXPECT_EQ(call("POST", "/api/v1/predictions", "{}").status, 503);
  EXPECT_EQ(fake_.count("/v1/predictions"), 1U);  // a plain POST is sent once
  EXPECT_EQ(
      call("POST", "/api/v1/predictions", "{}",
           {{"Authorization", std::string("Bearer ") + kStaticKey}, {"Idempotency-Key", "k-1"}})
          .status,
      503);
  EXPECT_EQ(fake_.count("/v1/predictions"), 4U);  // three attempts with the key
  fake_.fail_predictions_ = false;
  EXPECT_EQ(call("POST", "/api/v1/predictions", "{}").status, 201);
}

TEST_F(GatewayDbTest, OpenBreakerAnswers503WithRetryAfterAndShowsInMetrics) {
  GatewayOptions o = options();
  o.downstream.breaker.failure_threshold = 3;
  o.downstream.retry.max_attempts = 1;
  make_gateway(o);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("POST", "/api/v1/predictions", "{}").status, 503);
  const Response open = call("POST", "/api/v1/predictions", "{}");
  EXPECT_EQ(open.status, 503);
  EXPECT_NE(open.body.find("circuit open"), std::string::npos);
  EXPECT_GE(std::stoi(open.headers.get("Retry-After", "0")), 1);
  EXPECT_EQ(fake_.count("/v1/predictions"), 3U);  // the open breaker kept the 4th away
  EXPECT_NE(metrics_.render().find("gateway_breaker_state{downstream=\"ml-service\"} 1"),
            std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/council", "").status, 503);  // titan-core is not configured
}

TEST_F(GatewayDbTest, HubSpotWebhookVerifiesSignaturesDedupsAndForwardsOnce) {
  make_gateway(options());
  const std::string body =
      R"([{"eventId":1,"objectId":5001,"propertyValue":"customer"},{"eventId":2,"objectId":5002},{"eventId":2,"objectId":5002}])";
  const auto now = std::chrono::system_clock::now();
  const Response first = webhook(body, now);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body)["new"], 2);
  const Response again = webhook(body, now);  // HubSpot redelivers
  EXPECT_EQ(json::parse(again.body)["new"], 0);
  EXPECT_EQ(json::parse(again.body)["duplicates"], 3);
  EXPECT_EQ(webhook(body, now, "wrong-secret").status, 401);
  EXPECT_EQ(webhook(body, now - 6min).status, 401);
  EXPECT_EQ(call("POST", "/webhooks/hubspot", body, {{"Host", "gw.test:8000"}}).status, 401);
  EXPECT_EQ(webhook("{\"not\":\"an array\"}", now).status, 400);
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_events WHERE source = 'hubspot'"), 2);

  EXPECT_EQ(gateway_->forward_webhooks_once(), 2);
  EXPECT_EQ(gateway_->forward_webhooks_once(), 0);
  EXPECT_EQ(fake_.count("/v1/feedback"), 2U);
  EXPECT_EQ(scalar("SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL AND "
                   "forward_status = 201"),
            2);
  webhook(body, now);
  EXPECT_EQ(gateway_->forward_webhooks_once(),
            0);  // a redelivery after forwarding is still a no-op
  EXPECT_EQ(fake_.count("/v1/feedback"), 2U);
}

TEST_F(GatewayDbTest, GenerationsRenderThroughVideoAgentAndArePollable) {
  std::ostringstream va_log;
  HttpServer va_server(local_server_options("video-agent"), va_log, LogLevel::kError);
  RenderJobStore store(*pool_);
  RenderWorkerOptions wo;
  wo.workers = 2;
  wo.cost_scale = 0.001;
  wo.poll_interval = 10ms;
  RenderWorkerPool workers(store, wo, va_server.metrics(), va_server.logger());
  VideoAgentService va(store, &workers, va_server.router(), va_server.metrics());
  va_server.start();
  workers.start();
  GatewayOptions o = options();
  o.service_urls["video-agent"] = "http://127.0.0.1:" + std::to_string(va_server.port());
  make_gateway(o);

  const Response created =
      call("POST", "/api/v1/generations", R"({"campaign_id":1,"prompt":"summer","duration_s":3})");
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string id = json::parse(created.body)["id"];
  EXPECT_TRUE(eventually(
      [&] {
        const Response r = call("GET", "/api/v1/generations/" + id);
        return r.status == 200 && json::parse(r.body)["status"] == "succeeded";
      },
      10s));
  const json done = json::parse(call("GET", "/api/v1/generations/" + id).body);
  EXPECT_EQ(done["video"]["duration_ms"], 3000);
  EXPECT_EQ(call("GET", "/api/v1/generations/" + id, "",
                 {{"Authorization", std::string("Bearer ") + kDbKey}})
                .status,
            404);
  EXPECT_EQ(call("POST", "/api/v1/generations", R"({"campaign_id":999,"prompt":"x"})").status, 422);
  EXPECT_EQ(call("POST", "/api/v1/generations", R"({"prompt":"x","colour":"red"})").status, 400);
  workers.stop();
  va_server.stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM render_jobs WHERE idempotency_key LIKE 'generation:%'"),
            1);
}

TEST_F(GatewayDbTest, AssetUploadRecordsTheHashAndRefusesEmptyBodies) {
  make_gateway(options());
  const Response up = call(
      "POST", "/api/v1/assets/upload?filename=a.txt", "hello",
      {{"Authorization", std::string("Bearer ") + kStaticKey}, {"Content-Type", "text/plain"}});
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(json::parse(up.body)["sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(json::parse(up.body)["filename"], "a.txt");
  EXPECT_EQ(call("POST", "/api/v1/assets/upload", "").status, 400);
  EXPECT_EQ(scalar("SELECT count(*) FROM assets WHERE size_bytes = 5"), 1);
  // JSON routes keep the 1 MiB limit even though the server accepts 10 MiB for uploads.
  EXPECT_EQ(call("POST", "/api/v1/predictions", std::string(1024 * 1024 + 1, 'x')).status, 413);
}

}  // namespace
}  // namespace gauntlet::mocks

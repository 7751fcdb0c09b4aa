// The webhook emitter against an in-process receiver on an ephemeral port: signatures verify,
// failed deliveries are retried, exhausted batches are counted as failed. The waits are bounded
// polls for completion, never timing assertions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/http_server.hpp"
#include "gauntlet/mocks/hubspot_signature.hpp"
#include "webhook_emitter.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

class HubSpotEmitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = std::make_unique<HttpServer>(ServerOptions{}, receiver_log_);
    receiver_->router().post("/hooks", [this](const Request& req) {
      const std::string uri = "http://" + req.headers.get("Host") + req.target;
      const auto check = HubSpotSignature("s3cret").verify_v3(
          "POST", uri, req.body, req.headers.get("X-HubSpot-Signature-v3"),
          req.headers.get("X-HubSpot-Request-Timestamp"), std::chrono::system_clock::now());
      const json events = json::parse(req.body);
      std::lock_guard lock(mutex_);
      if (check != SignatureCheck::kValid) ++bad_signatures_;
      if (!HubSpotSignature("s3cret").verify_v1(req.body, req.headers.get("X-HubSpot-Signature")))
        ++bad_signatures_;
      batch_sizes_.insert(events.size());
      last_events_ = events;
      for (const json& e : events) campaign_ids_.insert(e.value("campaignId", json()).dump());
      // Odd-numbered first attempts fail: every such batch needs exactly one retry.
      const bool fail = always_fail_ || (events[0]["attemptNumber"] == 0 &&
                                         events[0]["eventId"].get<std::int64_t>() % 2 == 1);
      return fail ? Response::error(500, "try again") : Response::no_content();
    });
    receiver_->start();
  }

  EmitPlan plan(std::uint64_t batches, std::uint32_t events) {
    return EmitPlan::from_json(
        {{"target_url", "http://127.0.0.1:" + std::to_string(receiver_->port()) + "/hooks"},
         {"rate_per_s", 2000},
         {"batches", batches},
         {"events_per_batch", events},
         {"secret", "s3cret"},
         {"retry_base_ms", 1},
         {"retry_cap_ms", 5}});
  }

  static void wait_idle(const WebhookEmitter& emitter) {
    for (int i = 0; i < 2000 && !emitter.idle(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(emitter.idle()) << "the emit job did not finish within 20 s";
  }

  // One stream per logger: the receiver's and the emitter's loggers each lock only themselves, so
  // sharing one ostringstream between them is a data race (ThreadSanitizer found it).
  std::ostringstream receiver_log_;
  std::ostringstream log_;
  std::unique_ptr<HttpServer> receiver_;
  MetricsRegistry metrics_;
  Logger logger_{log_, "hubspot-test", LogLevel::kWarn};
  std::mutex mutex_;
  int bad_signatures_ = 0;
  bool always_fail_ = false;
  std::set<std::size_t> batch_sizes_;
  json last_events_;
  std::set<std::string> campaign_ids_;  // "campaignId" of every event received, "null" if none
};

TEST_F(HubSpotEmitterTest, SignedBatchesAreRetriedUntilAcknowledged) {
  WebhookEmitter emitter(logger_, metrics_, 1, 1000);  // even first id: batch b starts at 1000 + 5b
  emitter.start(plan(10, 5));
  wait_idle(emitter);
  const json d = emitter.deliveries(true);
  EXPECT_EQ(d["acked"], 10);
  EXPECT_EQ(d["failed"], 0);
  EXPECT_EQ(d["retried"], 5);  // batches 1, 3, 5, 7, 9 start on an odd id
  EXPECT_EQ(d["attempts"], 15);
  const std::set<std::int64_t> acked = d["event_ids_acked"].get<std::set<std::int64_t>>();
  EXPECT_EQ(acked.size(), 50u);
  EXPECT_EQ(*acked.begin(), 1000);
  EXPECT_EQ(bad_signatures_, 0);
  EXPECT_EQ(batch_sizes_, std::set<std::size_t>{5});
}

TEST_F(HubSpotEmitterTest, EventsCarryTheJobsCampaignIdOnlyWhenGiven) {
  WebhookEmitter plain(logger_, metrics_, 1, 1000);
  plain.start(plan(2, 3));
  wait_idle(plain);
  EXPECT_EQ(campaign_ids_, std::set<std::string>{"null"});
  campaign_ids_.clear();
  EmitPlan with_campaign = plan(2, 3);
  with_campaign.campaign_id = 42;
  WebhookEmitter emitter(logger_, metrics_, 2, 2000);
  emitter.start(with_campaign);
  wait_idle(emitter);
  EXPECT_EQ(campaign_ids_, std::set<std::string>{"42"});
}

TEST(EmitPlan, ReadsAPositiveCampaignId) {
  const json base = {{"target_url", "http://127.0.0.1:9/hooks"}, {"secret", "s"}};
  json with = base;
  with["campaign_id"] = 7;
  EXPECT_EQ(EmitPlan::from_json(with).campaign_id, 7);
  EXPECT_EQ(EmitPlan::from_json(base).campaign_id, 0);
  with["campaign_id"] = 0;
  EXPECT_THROW(EmitPlan::from_json(with), ConfigError);
}

TEST_F(HubSpotEmitterTest, ExhaustedRetriesCountAsFailed) {
  always_fail_ = true;
  WebhookEmitter emitter(logger_, metrics_, 1, 1);
  EmitPlan p = plan(3, 1);
  p.max_retries = 2;
  emitter.start(p);
  wait_idle(emitter);
  const json d = emitter.deliveries(false);
  EXPECT_EQ(d["failed"], 3);
  EXPECT_EQ(d["acked"], 0);
  EXPECT_EQ(d["attempts"], 9);
  EXPECT_EQ(d["jobs"][0]["statuses"]["500"], 9);
}

TEST_F(HubSpotEmitterTest, UnreachableTargetIsAConnectError) {
  WebhookEmitter emitter(logger_, metrics_, 1, 1);
  EmitPlan p = plan(1, 1);
  receiver_->stop();  // nothing listens on that port any more
  p.max_retries = 1;
  emitter.start(p);
  wait_idle(emitter);
  const json d = emitter.deliveries(false);
  EXPECT_EQ(d["connect_errors"], 2);
  EXPECT_EQ(d["failed"], 1);
}

// HubSpot sends changeFlag on creations and deletions; propertyName/propertyValue only on
// property changes.
TEST_F(HubSpotEmitterTest, EventsCarryTheFieldsOfTheirSubscriptionType) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"contact.creation", {{"changeFlag", "CREATED"}}},
      {"deal.deletion", {{"changeFlag", "DELETED"}}},
      {"company.propertyChange",
       {{"propertyName", "lifecyclestage"}, {"propertyValue", "customer"}}}};
  for (const auto& [type, fields] : cases) {
    WebhookEmitter emitter(logger_, metrics_, 1, 1000);
    EmitPlan p = plan(1, 2);
    p.subscription_type = type;
    emitter.start(p);
    wait_idle(emitter);
    std::lock_guard lock(mutex_);
    ASSERT_EQ(last_events_.size(), 2u) << type;
    for (const json& event : last_events_) {
      EXPECT_EQ(event["subscriptionType"], type);
      for (const char* name : {"changeFlag", "propertyName", "propertyValue"}) {
        EXPECT_EQ(event.contains(name), fields.contains(name)) << type << " " << name;
        if (fields.contains(name)) {
          EXPECT_EQ(event[name], fields[name]) << type;
        }
      }
    }
  }
}

TEST(EmitPlan, RefusesAnUnknownSubscriptionTypeNamingTheKnownOnes) {
  try {
    EmitPlan::from_json({{"target_url", "http://127.0.0.1:1/hooks"},
                         {"secret", "s"},
                         {"subscription_type", "contact.teleported"}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr("\"contact.teleported\""));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("contact.creation"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("ticket.propertyChange"));
  }
}

TEST(EmitPlan, RefusesNonLoopbackTargetsOversizedBatchesAndMissingSecret) {
  try {
    EmitPlan::from_json(
        {{"target_url", "http://192.168.1.10:80/hooks"}, {"events_per_batch", 101}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3u) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr("loopback"));
  }
}

}  // namespace
}  // namespace gauntlet::mocks

// HubSpot webhooks: mock-hubspot delivers signed batches to the gateway, which records each event
// once and forwards it to ml-service as feedback, applied once per event.
#include <chrono>
#include <string>

#include "gauntlet/mocks/hubspot_signature.hpp"
#include "platform_e2e.hpp"

namespace gauntlet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr int kBatches = 3;
constexpr int kEventsPerBatch = 4;
constexpr int kEvents = kBatches * kEventsPerBatch;

// Sends `body` to the gateway's webhook signed as HubSpot does (v3).
Response deliver_signed(Client& client, const std::string& gateway_url, const std::string& secret,
                        const std::string& body) {
  const std::string uri = gateway_url + "/webhooks/hubspot";
  const std::string timestamp = std::to_string(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::string signature = mocks::HubSpotSignature(secret).sign_v3(
      "POST", mocks::HubSpotSignature::decode_v3_uri(uri), body, timestamp);
  return client.send({.method = "POST",
                      .url = uri,
                      .headers = {{"Content-Type", "application/json"},
                                  {"X-HubSpot-Request-Timestamp", timestamp},
                                  {"X-HubSpot-Signature-v3", signature}},
                      .body = body});
}

TEST_F(PlatformE2E, HubSpotWebhooksAreDeliveredDedupedAndAppliedOnce) {
  Client client = plain_client();
  const Response emit = client.post_json(url(Service::kHubSpot, "/__admin/emit"),
                                         {{"target_url", gateway("/webhooks/hubspot")},
                                          {"secret", platform().hubspot_secret()},
                                          {"rate_per_s", 100},
                                          {"batches", kBatches},
                                          {"events_per_batch", kEventsPerBatch},
                                          {"concurrency", 2}});
  ASSERT_EQ(emit.status, 202) << emit.body;
  const json job = emit.json().value_or(json());
  const auto job_id = job["job_id"].get<std::int64_t>();
  const auto first_event = job["first_event_id"].get<std::int64_t>();
  ASSERT_EQ(job["events"], kEvents);

  json summary;
  ASSERT_TRUE(eventually(
      [&] {
        const json all =
            client.get(url(Service::kHubSpot, "/__admin/deliveries?ids=0")).json().value_or(json());
        for (const json& j : all.value("jobs", json::array())) {
          if (j.value("job_id", 0) == job_id) summary = j;
        }
        return summary.value("state", "") == "done";
      },
      milliseconds(20'000)))
      << "mock-hubspot never finished: " << summary.dump();
  EXPECT_EQ(summary["acked"], kBatches) << summary.dump();
  EXPECT_EQ(summary["failed"], 0) << summary.dump();

  const std::string first = std::to_string(first_event);
  const std::string last = std::to_string(first_event + kEvents - 1);
  // Event ids are numbers stored as text: compare them as numbers.
  const std::string in_job = "event_id::bigint BETWEEN $1::bigint AND $2::bigint";
  EXPECT_EQ(
      scalar<int>("SELECT count(*) FROM webhook_events WHERE source = 'hubspot' AND " + in_job,
                  first, last),
      kEvents);
  ASSERT_TRUE(eventually(
      [&] {
        return scalar<int>(
                   "SELECT count(*) FROM feedback_events WHERE applied_at IS NOT NULL "
                   "AND event_id LIKE 'hubspot:%' AND "
                   "substr(event_id, 9)::bigint BETWEEN $1::bigint AND $2::bigint",
                   first, last) == kEvents;
      },
      milliseconds(20'000)))
      << "not every event became applied feedback";

  // HubSpot redelivers: the same event again is recorded as a duplicate, and nothing is applied
  // a second time.
  const std::string payload = scalar<std::string>(
      "SELECT payload::text FROM webhook_events WHERE source = 'hubspot' AND event_id = $1", first);
  const Response redelivered = deliver_signed(client, platform().url(Service::kGateway),
                                              platform().hubspot_secret(), "[" + payload + "]");
  ASSERT_EQ(redelivered.status, 200) << redelivered.body;
  const json answer = redelivered.json().value_or(json());
  EXPECT_EQ(answer["new"], 0) << redelivered.body;
  EXPECT_EQ(answer["duplicates"], 1) << redelivered.body;

  // Applied once, per arm: alpha + beta - 2 is exactly the number of applied events of the arm.
  const pqxx::result arms = query(
      "SELECT a.arm_id, a.alpha + a.beta - 2, (SELECT count(*) FROM feedback_events f "
      "  WHERE f.campaign_id = a.campaign_id AND f.arm_id = a.arm_id AND f.applied_at IS NOT NULL) "
      "FROM sampler_arms a WHERE (a.campaign_id, a.arm_id) IN (SELECT campaign_id, arm_id "
      "  FROM feedback_events WHERE event_id LIKE 'hubspot:%' AND "
      "  substr(event_id, 9)::bigint BETWEEN $1::bigint AND $2::bigint)",
      first, last);
  ASSERT_FALSE(arms.empty());
  for (const auto& row : arms) {
    EXPECT_DOUBLE_EQ(row[1].as<double>(), row[2].as<double>()) << "arm " << row[0].c_str();
  }
}

TEST_F(PlatformE2E, WebhookWithABadSignatureIsRefused) {
  Client client = plain_client();
  const Response r = deliver_signed(client, platform().url(Service::kGateway), "not-the-secret",
                                    R"([{"eventId":1,"objectId":5}])");
  EXPECT_EQ(r.status, 401) << r.body;
}

}  // namespace
}  // namespace gauntlet

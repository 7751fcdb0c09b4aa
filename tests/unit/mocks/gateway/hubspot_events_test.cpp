// The gateway's HubSpot webhook logic without a database: parsing, in-delivery dedup, the
// signed URI and the feedback mapping.
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"
#include "hubspot_webhook.hpp"

namespace gauntlet::mocks {
namespace {

TEST(HubSpotEvents, ParsesIntegerAndStringEventIds) {
  const auto events = parse_hubspot_events(R"([{"eventId":101,"objectId":5},{"eventId":"abc"}])");
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].event_id, "101");
  EXPECT_EQ(events[0].payload["objectId"], 5);
  EXPECT_EQ(events[1].event_id, "abc");
}

TEST(HubSpotEvents, RefusesBodiesThatAreNotEventArrays) {
  EXPECT_THROW(parse_hubspot_events("{}"), ConfigError);
  EXPECT_THROW(parse_hubspot_events("not json"), ConfigError);
  EXPECT_THROW(parse_hubspot_events(R"([{"objectId":1}])"), ConfigError);
  EXPECT_THROW(parse_hubspot_events(R"([{"eventId":1.5}])"), ConfigError);
  EXPECT_TRUE(parse_hubspot_events("[]").empty());
}

TEST(HubSpotEvents, DedupKeepsTheFirstOfEachEventIdInOrder) {
  auto events = parse_hubspot_events(
      R"([{"eventId":3,"n":1},{"eventId":1},{"eventId":3,"n":2},{"eventId":2},{"eventId":1}])");
  const auto unique = unique_events(std::move(events));
  ASSERT_EQ(unique.size(), 3U);
  EXPECT_EQ(unique[0].event_id, "3");
  EXPECT_EQ(unique[0].payload["n"], 1);
  EXPECT_EQ(unique[1].event_id, "1");
  EXPECT_EQ(unique[2].event_id, "2");
}

TEST(HubSpotEvents, SignedUriIsSchemeHostAndTargetWithHubSpotEscapesDecoded) {
  Request req;
  req.method = "POST";
  req.target = "/webhooks/hubspot?portal%3A1=x%20y";
  req.headers.set("Host", "127.0.0.1:8000");
  EXPECT_EQ(signed_uri(req), "http://127.0.0.1:8000/webhooks/hubspot?portal:1=x%20y");
  req.headers.set("X-Forwarded-Proto", "https");
  EXPECT_EQ(signed_uri(req), "https://127.0.0.1:8000/webhooks/hubspot?portal:1=x%20y");
}

TEST(HubSpotEvents, SignatureFromTheMockSignerVerifiesAndATamperedBodyDoesNot) {
  const HubSpotSignature signer("s3cret");
  Request req;
  req.method = "POST";
  req.target = "/webhooks/hubspot";
  req.headers.set("Host", "localhost:9");
  const std::string body = R"([{"eventId":1}])";
  const auto now = std::chrono::system_clock::now();
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::string sig = signer.sign_v3("POST", "http://localhost:9/webhooks/hubspot", body, ts);
  EXPECT_EQ(signer.verify_v3("POST", signed_uri(req), body, sig, ts, now), SignatureCheck::kValid);
  EXPECT_EQ(signer.verify_v3("POST", signed_uri(req), body + " ", sig, ts, now),
            SignatureCheck::kMismatch);
  EXPECT_EQ(signer.verify_v3("POST", signed_uri(req), body, sig, ts, now + std::chrono::minutes(6)),
            SignatureCheck::kExpired);
}

TEST(HubSpotEvents, FeedbackMapsCustomersToRewardOneAndUsesTheDefaultCampaign) {
  const auto events = parse_hubspot_events(
      R"([{"eventId":7,"objectId":5007,"propertyValue":"customer"},{"eventId":8,"objectId":9,"propertyValue":"lead","campaignId":4,"armId":"v2"}])");
  const auto a = feedback_for(events[0], {.default_campaign_id = 12});
  EXPECT_EQ(a["event_id"], "hubspot:7");
  EXPECT_EQ(a["campaign_id"], 12);
  EXPECT_EQ(a["arm_id"], "hubspot-5007");
  EXPECT_EQ(a["reward"], 1.0);
  const auto b = feedback_for(events[1], {.default_campaign_id = 12});
  EXPECT_EQ(b["campaign_id"], 4);
  EXPECT_EQ(b["arm_id"], "v2");
  EXPECT_EQ(b["reward"], 0.0);
}

}  // namespace
}  // namespace gauntlet::mocks

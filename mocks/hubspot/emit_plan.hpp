#pragma once
// One webhook emission job, as POSTed to /__admin/emit, validated up front.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gauntlet/mocks/backoff.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {

struct EmitPlan {
  Url target;                // loopback only
  std::string target_url;    // as given
  double rate_per_s = 10.0;  // new batches per second (retries come on top)
  std::uint64_t batches = 1;
  std::uint32_t events_per_batch = 10;  // HubSpot sends at most 100 events per request
  std::string secret;                   // the app's client secret, the HMAC key of the signatures
  std::int64_t app_id = 1;
  std::int64_t portal_id = 62515;
  std::string subscription_type = "contact.propertyChange";
  // When set (> 0), every event carries "campaignId": the platform files its feedback under that
  // campaign instead of its default one, so a test can keep its events among its own entities.
  std::int64_t campaign_id = 0;
  // The scaled-down HubSpot retry policy: HubSpot retries up to 10 times over 24 hours with a
  // 5 s timeout; here up to max_retries with full-jitter backoff of retry_base_ms doubling to
  // retry_cap_ms (defaults: 10 retries within about 30 s) and a 2 s timeout.
  std::uint32_t max_retries = 10;
  BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(5000), 2.0};
  std::chrono::milliseconds timeout{2000};
  int concurrency = 4;  // deliveries in flight at once

  static constexpr std::uint32_t kMaxEventsPerBatch = 100;

  // The subscription types the mock can shape faithfully: <object>.creation, .deletion and
  // .propertyChange for contact, company, deal and ticket.
  static const std::vector<std::string>& known_subscription_types();

  // Reads and validates the /__admin/emit body. Throws ConfigError listing every problem:
  // missing target_url/secret, a non-loopback target, events_per_batch outside 1..100, ...
  static EmitPlan from_json(const nlohmann::json& body);
  nlohmann::json to_json() const;
  // The fields an event of this plan's subscription type carries besides the common ones, as
  // HubSpot sends them: changeFlag CREATED or DELETED on creations and deletions, propertyName
  // and propertyValue only on property changes.
  nlohmann::json change_fields() const;
};

}  // namespace gauntlet::mocks

#pragma once
// POST /webhooks/hubspot: HubSpot v3 signature check (gauntlet/mocks/hubspot_signature.hpp),
// then each event is recorded once in webhook_events (INSERT ... ON CONFLICT DO NOTHING on
// (source, event_id), so a redelivered event is a no-op), and the webhook is answered at once.
// Forwarding the new events to ml-service happens later, in WebhookForwarder.
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/mocks/hubspot_signature.hpp"
#include "gauntlet/mocks/request.hpp"
#include "gauntlet/mocks/response.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct HubSpotEvent {
  std::string event_id;  // HubSpot's eventId, as text
  nlohmann::json payload;
};

// The events of a webhook body: a JSON array of objects, each with an integer or string eventId.
// Throws ConfigError naming the first bad element (the caller answers 400).
std::vector<HubSpotEvent> parse_hubspot_events(std::string_view body);
// The events with repeats of an eventId within one delivery removed (the first one is kept),
// in their original order.
std::vector<HubSpotEvent> unique_events(std::vector<HubSpotEvent> events);
// The URI a v3 signature covers: scheme (X-Forwarded-Proto, else http), the Host header and the
// request target, with HubSpot's escapes decoded.
std::string signed_uri(const Request& req);

struct FeedbackMapping {
  std::int64_t default_campaign_id = 1;  // when the event names no campaignId
};
// ml-service's feedback body for one event: event_id "hubspot:<eventId>", campaign_id (the
// event's campaignId, else the default), arm_id (the event's armId, else "hubspot-<objectId>"),
// reward 1 when propertyValue is customer / closedwon / won, else 0.
nlohmann::json feedback_for(const HubSpotEvent& event, const FeedbackMapping& mapping);

class HubSpotWebhook {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // An empty `secret` refuses every delivery with 401 (nothing can be verified).
  HubSpotWebhook(std::string secret, ConnectionPool& pool, WallClock wall_clock);

  // 401 for a missing, stale (> 5 min) or wrong signature; 400 for a body that is not an event
  // array; else 200 {"received":n,"new":n,"duplicates":n}.
  Response handle(const Request& req);
  // Inserts the events not seen before; returns how many were new.
  int record(const std::vector<HubSpotEvent>& events);

 private:
  std::string secret_;
  HubSpotSignature signer_;
  ConnectionPool& pool_;
  WallClock wall_clock_;
};

}  // namespace gauntlet::mocks

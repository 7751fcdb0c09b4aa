#include "hubspot_webhook.hpp"

#include <pqxx/pqxx>
#include <set>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

std::string event_id_of(const json& event, std::size_t index) {
  const json id = event.is_object() ? event.value("eventId", json()) : json();
  if (id.is_number_integer()) return std::to_string(id.get<std::int64_t>());
  if (id.is_string() && !id.get<std::string>().empty() && id.get<std::string>().size() <= 200)
    return id.get<std::string>();
  throw ConfigError("webhook event " + std::to_string(index) +
                    " must be an object with an integer or string eventId, got " +
                    event.dump().substr(0, 200));
}

}  // namespace

std::vector<HubSpotEvent> parse_hubspot_events(std::string_view body) {
  const json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (!parsed.is_array())
    throw ConfigError("the webhook body must be a JSON array of events, got " +
                      std::string(body.substr(0, 200)));
  std::vector<HubSpotEvent> events;
  events.reserve(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i)
    events.push_back({event_id_of(parsed[i], i), parsed[i]});
  return events;
}

std::vector<HubSpotEvent> unique_events(std::vector<HubSpotEvent> events) {
  std::set<std::string> seen;
  std::vector<HubSpotEvent> out;
  for (auto& e : events) {
    if (seen.insert(e.event_id).second) out.push_back(std::move(e));
  }
  return out;
}

std::string signed_uri(const Request& req) {
  const std::string scheme = req.headers.get("X-Forwarded-Proto", "http");
  return HubSpotSignature::decode_v3_uri(scheme + "://" + req.headers.get("Host") + req.target);
}

json feedback_for(const HubSpotEvent& event, const FeedbackMapping& mapping) {
  const json& p = event.payload;
  std::int64_t campaign = mapping.default_campaign_id;
  if (p.contains("campaignId") && p["campaignId"].is_number_integer())
    campaign = p["campaignId"].get<std::int64_t>();
  std::string arm = "hubspot-";
  if (p.contains("armId") && p["armId"].is_string()) {
    arm = p["armId"].get<std::string>();
  } else {
    arm += p.contains("objectId") ? (p["objectId"].is_string() ? p["objectId"].get<std::string>()
                                                               : p["objectId"].dump())
                                  : "unknown";
  }
  const std::string value = p.contains("propertyValue") && p["propertyValue"].is_string()
                                ? p["propertyValue"].get<std::string>()
                                : "";
  const double reward = value == "customer" || value == "closedwon" || value == "won" ? 1.0 : 0.0;
  return {{"event_id", "hubspot:" + event.event_id},
          {"campaign_id", campaign},
          {"arm_id", arm.substr(0, 100)},
          {"reward", reward}};
}

HubSpotWebhook::HubSpotWebhook(std::string secret, ConnectionPool& pool, WallClock wall_clock)
    : secret_(secret), signer_(std::move(secret)), pool_(pool), wall_clock_(std::move(wall_clock)) {
  if (!wall_clock_) wall_clock_ = [] { return std::chrono::system_clock::now(); };
}

Response HubSpotWebhook::handle(const Request& req) {
  if (secret_.empty())
    throw HttpError(401, "the gateway has no --hubspot-secret, so no signature can be valid");
  const SignatureCheck check = signer_.verify_v3(
      req.method, signed_uri(req), req.body, req.headers.get("X-HubSpot-Signature-v3"),
      req.headers.get("X-HubSpot-Request-Timestamp"), wall_clock_());
  if (check != SignatureCheck::kValid) {
    throw HttpError(401, "HubSpot signature v3 check failed: " + std::string(to_string(check)));
  }
  const std::vector<HubSpotEvent> events = parse_hubspot_events(req.body);
  const std::vector<HubSpotEvent> unique = unique_events(events);
  const int fresh = record(unique);
  return Response::json(200, {{"received", events.size()},
                              {"new", fresh},
                              {"duplicates", static_cast<int>(events.size()) - fresh}});
}

int HubSpotWebhook::record(const std::vector<HubSpotEvent>& events) {
  if (events.empty()) return 0;
  json rows = json::array();
  for (const auto& e : events) rows.push_back({{"id", e.event_id}, {"payload", e.payload}});
  return in_transaction(pool_, [&](pqxx::work& tx) {
    // One statement for the whole delivery; ON CONFLICT decides which events are new.
    const pqxx::result r = tx.exec_params(
        "INSERT INTO webhook_events (source, event_id, payload) "
        "SELECT 'hubspot', e->>'id', e->'payload' FROM jsonb_array_elements($1::jsonb) e "
        "ON CONFLICT (source, event_id) DO NOTHING",
        rows.dump());
    return static_cast<int>(r.affected_rows());
  });
}

}  // namespace gauntlet::mocks

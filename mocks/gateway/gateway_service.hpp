#pragma once
// The gateway (docs/platform-api/gateway.md): the platform's public API. Every /api/ request is
// given a request id (X-Request-Id, kept when the caller sent a sane one), authenticated (bearer
// token or X-API-Key: 401), rate-limited per key (token bucket: 429 + Retry-After), then either
// served here (generations, assets) or forwarded by the RouteTable to a downstream service
// through its circuit breaker (503 + Retry-After while open) with retries for idempotent
// requests. POST /webhooks/hubspot is authenticated by HubSpot's v3 signature instead.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_key_auth.hpp"
#include "downstream.hpp"
#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "generation_api.hpp"
#include "hubspot_webhook.hpp"
#include "key_rate_limiter.hpp"
#include "route_table.hpp"
#include "webhook_forwarder.hpp"

namespace gauntlet::mocks {

struct GatewayOptions {
  std::vector<std::string> api_keys;                // static bearer tokens
  std::string hubspot_secret;                       // the HubSpot app's client secret
  std::map<std::string, std::string> service_urls;  // "drive-intel" -> "http://127.0.0.1:8001"
  double rate_per_s = 100.0;                        // per key
  double burst = 200.0;
  DownstreamOptions downstream;
  std::size_t max_json_body_bytes = 1024 * 1024;  // for everything but asset uploads
  std::string assets_dir;
  ForwarderOptions forwarder;
  std::uint64_t seed = 1;

  // The services the RouteTable knows; "" means not configured (its routes answer 503).
  static std::vector<std::string> service_names();
};

class GatewayService {
 public:
  // Registers every route on `router` and the gateway's series on `metrics`. `pool` may be null:
  // then only static keys authenticate, and generations, assets and the webhook answer 503.
  // Throws ConfigError for a bad service URL or option.
  GatewayService(GatewayOptions options, ConnectionPool* pool, Router& router,
                 MetricsRegistry& metrics, Logger& logger);
  ~GatewayService();

  // Starts/stops the webhook forwarder thread.
  void start();
  void stop();
  nlohmann::json stats();
  // For tests: run one forwarding batch synchronously.
  int forward_webhooks_once() { return forwarder_ ? forwarder_->forward_once() : 0; }

 private:
  struct Caller {
    std::string key_id;  // SHA-256 hex of the token
    std::string request_id;
  };
  using GuardedHandler = std::function<Response(const Request&, const Caller&)>;

  void register_routes(Router& router);
  // GET/POST/DELETE /__admin/rate_limit: read, change ({"rate_per_s","burst"}, or
  // {"reset":true}) or restore the flags' per-key rate limit at run time.
  void register_admin_routes(Router& router);
  nlohmann::json rate_limit_json() const;
  void register_metrics(MetricsRegistry& metrics);
  // Request id, auth, rate limit and body-size check around `handler`; errors become JSON
  // responses that still carry X-Request-Id.
  Handler guarded(GuardedHandler handler, std::size_t max_body);
  Response guard(const Request& req, const GuardedHandler& handler, std::size_t max_body);
  // 401 with WWW-Authenticate, counted in gateway_auth_failures_total.
  Response unauthorized(const std::string& request_id);
  // The router's precheck (Expect: 100-continue): 401 before the body of an /api/ request
  // without a valid key.
  std::optional<Response> precheck(const Request& req);
  Response proxy(const Request& req, const Caller& caller);
  Response webhook(const Request& req);
  // The generation API, or HttpError(503) naming `feature` when there is no database.
  GenerationApi& generation_api(const std::string& feature);
  std::string request_id_for(const Request& req);
  Response error(int status, const std::string& message, const std::string& request_id) const;
  Downstream* downstream(const std::string& service) const;

  GatewayOptions options_;
  ConnectionPool* pool_;
  Router& router_;
  MetricsRegistry& metrics_;
  Logger& logger_;
  RouteTable routes_;
  ApiKeyAuth auth_;
  KeyRateLimiter limiter_;
  std::map<std::string, std::unique_ptr<Downstream>> downstreams_;
  std::unique_ptr<GenerationApi> generations_;
  std::unique_ptr<HubSpotWebhook> webhook_;
  std::unique_ptr<WebhookForwarder> forwarder_;
  std::atomic<std::uint64_t> next_request_id_{1};
  Counter& auth_failures_;
  Counter& rate_limited_;
  Counter& webhook_new_;
  Counter& webhook_duplicates_;
};

}  // namespace gauntlet::mocks

#include "gateway_service.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/pg/pool_timeout.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kMaxProxyDepth =
    4;  // segments below a resource prefix: /api/v1/videos/{a}/{b}/{c}/{d}

std::string retry_after_seconds(std::chrono::nanoseconds d) {
  const auto s = static_cast<long long>(std::ceil(std::chrono::duration<double>(d).count()));
  return std::to_string(std::max(1LL, s));
}

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> GatewayOptions::service_names() {
  return {"drive-intel", "video-agent", "meta-publisher", "ml-service", "titan-core"};
}

GatewayService::GatewayService(GatewayOptions options, ConnectionPool* pool, Router& router,
                               MetricsRegistry& metrics, Logger& logger)
    : options_(std::move(options)),
      pool_(pool),
      router_(router),
      metrics_(metrics),
      logger_(logger),
      routes_(RouteTable::platform()),
      auth_(options_.api_keys, pool),
      limiter_(options_.rate_per_s, options_.burst),
      auth_failures_(metrics.counter("gateway_auth_failures_total", "Requests refused with 401.")),
      rate_limited_(metrics.counter("gateway_rate_limited_total", "Requests refused with 429.")),
      webhook_new_(metrics.counter("gateway_webhook_events_total", "HubSpot events received.",
                                   {{"result", "new"}})),
      webhook_duplicates_(metrics.counter("gateway_webhook_events_total",
                                          "HubSpot events received.", {{"result", "duplicate"}})) {
  std::uint64_t seed = options_.seed;
  for (const auto& [service, url] : options_.service_urls) {
    if (url.empty()) continue;
    Url base = Url::parse(url);
    base.target = "/";
    downstreams_[service] =
        std::make_unique<Downstream>(service, base, options_.downstream, ++seed);
  }
  if (pool_) {
    generations_ =
        std::make_unique<GenerationApi>(*pool_, downstream("video-agent"), options_.assets_dir);
    webhook_ = std::make_unique<HubSpotWebhook>(options_.hubspot_secret, *pool_, nullptr);
    forwarder_ = std::make_unique<WebhookForwarder>(*pool_, downstream("ml-service"),
                                                    options_.forwarder, logger_);
  }
  std::random_device rd;
  next_request_id_ = (static_cast<std::uint64_t>(rd()) << 32) & 0xffffffff00000000ULL;
  register_routes(router);
  register_metrics(metrics);
}

GatewayService::~GatewayService() { stop(); }

void GatewayService::start() {
  if (forwarder_) forwarder_->start();
}

void GatewayService::stop() {
  if (forwarder_) forwarder_->stop();
}

Downstream* GatewayService::downstream(const std::string& service) const {
  const auto it = downstreams_.find(service);
  return it == downstreams_.end() ? nullptr : it->second.get();
}

json GatewayService::rate_limit_json() const {
  return {{"rate_per_s", limiter_.rate_per_s()}, {"burst", limiter_.burst()}};
}

void GatewayService::register_admin_routes(Router& router) {
  router.get("/__admin/rate_limit",
             [this](const Request&) { return Response::json(200, rate_limit_json()); });
  router.post("/__admin/rate_limit", [this](const Request& req) {
    const json body = req.json_body();
    if (!body.is_object()) {
      throw ConfigError("the rate_limit body must be a JSON object, got " + body.dump());
    }
    Problems problems;
    double rate = limiter_.rate_per_s();
    double burst = limiter_.burst();
    for (const auto& [field, value] : body.items()) {
      if (field == "reset") {
        if (value != true) problems.add("reset must be true, got " + value.dump());
        rate = options_.rate_per_s;
        burst = options_.burst;
      } else if (field != "rate_per_s" && field != "burst") {
        problems.add("unknown field " + field + " (known: rate_per_s, burst, reset)");
      } else if (!value.is_number()) {
        problems.add(field + " must be a number, got " + value.dump());
      }
    }
    problems.throw_if_any();
    if (!body.contains("reset")) {
      rate = body.value("rate_per_s", rate);
      burst = body.value("burst", burst);
    }
    limiter_.configure(rate, burst);  // ConfigError (400) names a value out of range
    logger_.info("rate limit set", {{"rate_per_s", rate}, {"burst", burst}});
    return Response::json(200, rate_limit_json());
  });
  router.del("/__admin/rate_limit", [this](const Request&) {
    limiter_.configure(options_.rate_per_s, options_.burst);
    return Response::json(200, rate_limit_json());
  });
}

void GatewayService::register_routes(Router& router) {
  register_admin_routes(router);
  const std::size_t json_limit = options_.max_json_body_bytes;
  const Handler proxied =
      guarded([this](const Request& r, const Caller& c) { return proxy(r, c); }, json_limit);
  for (const auto& entry : routes_.entries()) {
    std::string pattern = entry.public_prefix;
    for (int depth = 0; depth <= kMaxProxyDepth; ++depth) {
      for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"})
        router.add(method, pattern, proxied);
      pattern += "/{p" + std::to_string(depth) + "}";
    }
  }
  router.post("/api/v1/generations",
              guarded(
                  [this](const Request& r, const Caller& c) {
                    return generation_api("generations").create(r, c.key_id, c.request_id);
                  },
                  json_limit));
  router.get("/api/v1/generations/{id}",
             guarded(
                 [this](const Request& r, const Caller& c) {
                   return generation_api("generations").get(r, c.key_id, c.request_id);
                 },
                 json_limit));
  router.post("/api/v1/assets/upload", guarded(
                                           [this](const Request& r, const Caller& c) {
                                             return generation_api("uploads").upload_asset(
                                                 r, c.key_id);
                                           },
                                           GenerationApi::kMaxAssetBytes));
  router.post("/webhooks/hubspot", [this](const Request& r) { return webhook(r); });
  // A client that waits (Expect: 100-continue) before sending a body nobody will read hears 401
  // at once instead.
  router.set_precheck([this](const Request& r) { return precheck(r); });
}

GenerationApi& GatewayService::generation_api(const std::string& feature) {
  if (!generations_) {
    throw HttpError(503,
                    "the gateway runs without --database-url; " + feature + " are unavailable");
  }
  return *generations_;
}

void GatewayService::register_metrics(MetricsRegistry& metrics) {
  for (const auto& [service, d] : downstreams_) {
    Downstream* ds = d.get();
    metrics.gauge_callback(
        "gateway_breaker_state", "Circuit breaker per downstream: 0 closed, 1 open, 2 half-open.",
        {{"downstream", service}}, [ds] { return static_cast<double>(ds->state()); });
    metrics.gauge_callback("gateway_breaker_opened", "Times the downstream's breaker opened.",
                           {{"downstream", service}},
                           [ds] { return static_cast<double>(ds->times_opened()); });
  }
}

std::string GatewayService::request_id_for(const Request& req) {
  const std::string incoming = req.headers.get("X-Request-Id");
  if (sane_request_id(incoming)) return incoming;
  char buf[32];
  std::snprintf(buf, sizeof buf, "gw-%016llx",
                static_cast<unsigned long long>(next_request_id_.fetch_add(1)));
  return buf;
}

Response GatewayService::error(int status, const std::string& message,
                               const std::string& request_id) const {
  Response res = router_.error_response(status, message);
  res.headers.set("X-Request-Id", request_id);
  return res;
}

Response GatewayService::unauthorized(const std::string& request_id) {
  auth_failures_.inc();
  Response res = error(
      401, "a valid API key is required (Authorization: Bearer <key> or X-API-Key)", request_id);
  res.headers.set("WWW-Authenticate", "Bearer");
  return res;
}

std::optional<Response> GatewayService::precheck(const Request& req) {
  if (req.route.rfind("/api/", 0) != 0) return std::nullopt;  // only /api/ routes are guarded
  try {
    if (!auth_.authenticate(req.headers, Steady::now())) return unauthorized(request_id_for(req));
  } catch (const std::exception&) {
    return std::nullopt;  // a database failure: read the body and let the handler answer 503
  }
  return std::nullopt;
}

Handler GatewayService::guarded(GuardedHandler handler, std::size_t max_body) {
  return [this, handler = std::move(handler), max_body](const Request& req) {
    return guard(req, handler, max_body);
  };
}

Response GatewayService::guard(const Request& req, const GuardedHandler& handler,
                               std::size_t max_body) {
  Caller caller{"", request_id_for(req)};
  try {
    const auto now = Steady::now();
    const auto key = auth_.authenticate(req.headers, now);
    if (!key) return unauthorized(caller.request_id);
    caller.key_id = *key;
    if (const auto wait = limiter_.admit(caller.key_id, now)) {
      rate_limited_.inc();
      Response res = error(429, "the rate limit of this API key is exhausted", caller.request_id);
      res.headers.set("Retry-After", retry_after_seconds(*wait));
      return res;
    }
    if (req.body.size() > max_body) {
      return error(413,
                   "the body may be at most " + std::to_string(max_body) + " bytes here, got " +
                       std::to_string(req.body.size()),
                   caller.request_id);
    }
    Response res = handler(req, caller);
    res.headers.set("X-Request-Id", caller.request_id);
    return res;
  } catch (const HttpError& e) {
    return error(e.status(), e.what(), caller.request_id);
  } catch (const ConfigError& e) {
    return error(400, e.what(), caller.request_id);
  } catch (const nlohmann::json::exception& e) {
    return error(400, std::string("malformed JSON: ") + e.what(), caller.request_id);
  } catch (const PoolTimeout& e) {
    return error(503, e.what(), caller.request_id);
  } catch (const std::exception& e) {
    logger_.error("gateway handler failed",
                  {{"request_id", caller.request_id}, {"error", e.what()}});
    return error(500, "internal error", caller.request_id);
  }
}

Response GatewayService::proxy(const Request& req, const Caller& caller) {
  const auto target = routes_.resolve(req.target);
  if (!target) throw HttpError(404, "no route for " + req.path);
  Downstream* ds = downstream(target->service);
  if (!ds)
    throw HttpError(503, "downstream " + target->service + " is not configured (--" +
                             target->service + "-url)");
  Headers headers{{"X-Request-Id", caller.request_id}, {"X-Gateway-Key-Id", caller.key_id}};
  for (const char* name : {"Content-Type", "Accept", "Idempotency-Key"}) {
    if (const auto v = req.headers.find(name)) headers.set(name, std::string(*v));
  }
  if (!req.remote_address.empty()) headers.set("X-Forwarded-For", req.remote_address);
  const DownstreamResult r = ds->call(req.method, target->target, req.body, headers,
                                      is_retryable(req.method, req.headers));
  metrics_
      .counter("gateway_downstream_requests_total", "Forwarded requests by downstream and outcome.",
               {{"downstream", target->service},
                {"outcome", r.kind == DownstreamResult::Kind::kResponse
                                ? (r.response.status >= 500 ? "5xx" : "ok")
                            : r.kind == DownstreamResult::Kind::kBreakerOpen ? "breaker_open"
                                                                             : "unavailable"}})
      .inc();
  if (r.kind == DownstreamResult::Kind::kBreakerOpen) {
    Response res = error(503, "downstream " + target->service + " is unavailable (circuit open)",
                         caller.request_id);
    res.headers.set("Retry-After", retry_after_seconds(r.retry_after));
    return res;
  }
  if (r.kind == DownstreamResult::Kind::kUnavailable) {
    return error(r.timed_out ? 504 : 502, "downstream " + target->service + " failed: " + r.error,
                 caller.request_id);
  }
  Response res;
  res.status = r.response.status;
  res.body = r.response.body;
  res.content_type = r.response.headers.get("Content-Type", "application/json");
  for (const char* name : {"Location", "Retry-After", "ETag"}) {
    if (const auto v = r.response.headers.find(name)) res.headers.set(name, std::string(*v));
  }
  // A HEAD answer has no body but declares GET's length; the server sends it on.
  if (const auto v = r.response.headers.find("Content-Length"); v && req.method == "HEAD") {
    res.headers.set("Content-Length", std::string(*v));
  }
  return res;
}

Response GatewayService::webhook(const Request& req) {
  const std::string request_id = request_id_for(req);
  try {
    if (!webhook_)
      throw HttpError(503, "the gateway runs without --database-url; webhooks are unavailable");
    Response res = webhook_->handle(req);
    const json body = json::parse(res.body);
    webhook_new_.inc(body["new"].get<std::uint64_t>());
    webhook_duplicates_.inc(body["duplicates"].get<std::uint64_t>());
    if (body["new"].get<int>() > 0 && forwarder_) forwarder_->wake();
    res.headers.set("X-Request-Id", request_id);
    return res;
  } catch (const HttpError& e) {
    if (e.status() == 401) auth_failures_.inc();
    return error(e.status(), e.what(), request_id);
  } catch (const ConfigError& e) {
    return error(400, e.what(), request_id);
  } catch (const PoolTimeout& e) {
    return error(503, e.what(), request_id);
  }
}

json GatewayService::stats() {
  json breakers = json::object();
  for (const auto& [service, d] : downstreams_) {
    breakers[service] = {{"state", to_string(d->state())},
                         {"opened", d->times_opened()},
                         {"url", d->base().to_string()}};
  }
  return {{"downstreams", breakers},
          {"rate_limited_keys", limiter_.tracked_keys()},
          {"auth_failures", auth_failures_.value()},
          {"rate_limited", rate_limited_.value()},
          {"webhook_events",
           {{"new", webhook_new_.value()}, {"duplicates", webhook_duplicates_.value()}}}};
}

}  // namespace gauntlet::mocks

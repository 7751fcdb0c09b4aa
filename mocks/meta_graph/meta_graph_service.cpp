#include "meta_graph_service.hpp"

#include <algorithm>
#include <tuple>

#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/url.hpp"
#include "graph_insights.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
constexpr const char* kVersioned = "/v{version}";

// Query parameters, then the body: JSON object or application/x-www-form-urlencoded (the Graph
// API's usual encoding). Body fields win over query fields of the same name.
json params_of(const Request& req) {
  json params = json::object();
  for (const auto& [k, v] : req.query) params[k] = v;
  if (req.body.empty()) return params;
  const bool is_json =
      req.headers.get("Content-Type").find("json") != std::string::npos || req.body.front() == '{';
  if (is_json) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::parse_error& e) {
      throw GraphError::invalid_parameter(std::string("The request body is not valid JSON: ") +
                                          e.what());
    }
    if (!body.is_object())
      throw GraphError::invalid_parameter("The request body must be a JSON object");
    for (auto& [k, v] : body.items()) params[k] = v;
  } else {
    for (const auto& [k, v] : parse_query(req.body)) params[k] = v;
  }
  return params;
}

std::string idempotency_key(const Request& req) {
  if (auto k = req.headers.find("Idempotency-Key")) return std::string(*k);
  if (auto k = req.headers.find("X-Idempotency-Key")) return std::string(*k);
  return {};
}

bool has_token(const Request& req, const json& params) {
  if (params.contains("access_token") && params["access_token"].is_string() &&
      !params["access_token"].get<std::string>().empty()) {
    return true;
  }
  const std::string auth = req.headers.get("Authorization");
  return auth.rfind("Bearer ", 0) == 0 || auth.rfind("OAuth ", 0) == 0;
}

std::size_t page_limit(const json& params) {
  if (!params.contains("limit")) return 25;
  const std::string text =
      params["limit"].is_string() ? params["limit"].get<std::string>() : params["limit"].dump();
  const bool digits =
      !text.empty() && text.size() < 6 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::size_t limit = digits ? std::stoul(text) : 0;
  if (limit < 1 || limit > 500)
    throw GraphError::invalid_parameter("Param limit must be an integer in 1..500, got " + text);
  return limit;
}

// Keeps only the requested fields (and id), as ?fields=a,b does on the real API; without fields
// the real API answers only the id.
json select_fields(const json& object, const json& params) {
  json out = {{"id", object["id"]}};
  if (!params.contains("fields") || !params["fields"].is_string()) return out;
  std::string_view rest = params["fields"].get_ref<const std::string&>();
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string name(rest.substr(0, comma));
    if (object.contains(name)) out[name] = object[name];
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// A paging link as the real API writes it: the request's whole query (access_token, fields,
// limit...) with the page's cursor in place of the request's own.
std::string paging_url(const Request& req, const json& params, const char* cursor_name,
                       const std::string& cursor) {
  std::map<std::string, std::string> query;
  for (const auto& [name, value] : params.items()) {
    if (name == "after" || name == "before") continue;
    query[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  query[cursor_name] = cursor;
  return "http://" + req.headers.get("Host", "127.0.0.1") + req.path + "?" + build_query(query);
}

ObjectKind kind_of_edge(const std::string& edge) {
  return edge == "campaigns" ? ObjectKind::kCampaign
                             : (edge == "adsets" ? ObjectKind::kAdSet : ObjectKind::kAd);
}

// The batch parameter: a JSON array (or its text) of 1..max items.
json batch_items(const json& params, std::size_t max) {
  if (!params.contains("batch")) {
    throw GraphError::invalid_parameter("The parameter batch is required");
  }
  json items = params["batch"];
  if (items.is_string()) {
    try {
      items = json::parse(items.get<std::string>());
    } catch (const json::parse_error&) {
      throw GraphError::invalid_parameter("The parameter batch must be a JSON array");
    }
  }
  if (!items.is_array() || items.empty()) {
    throw GraphError::invalid_parameter("The parameter batch must be a non-empty JSON array");
  }
  if (items.size() > max) {
    throw GraphError::invalid_parameter(
        "Too many requests in batch message. Maximum batch size is " + std::to_string(max));
  }
  return items;
}

// One batch item as a request of its own, carrying the batch's credentials.
Request batch_part(const json& item, const Request& outer, const json& params,
                   const std::string& version) {
  if (!item.is_object() || !item.contains("relative_url") || !item["relative_url"].is_string()) {
    throw GraphError::invalid_parameter("Each batch item needs a relative_url string");
  }
  Request part;
  part.method = item.value("method", "GET");
  std::transform(part.method.begin(), part.method.end(), part.method.begin(), ::toupper);
  std::string rel = item["relative_url"];
  if (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  const bool has_version = rel.size() > 1 && rel[0] == 'v' && rel[1] >= '0' && rel[1] <= '9';
  part.target = "/" + (has_version ? rel : version + "/" + rel);
  part.split_target();
  part.body = item.value("body", "");
  part.headers.set("Content-Type", "application/x-www-form-urlencoded");
  if (auto auth = outer.headers.find("Authorization")) {
    part.headers.set("Authorization", std::string(*auth));
  }
  if (params.contains("access_token") && params["access_token"].is_string() &&
      !part.query.contains("access_token")) {
    part.query["access_token"] = params["access_token"].get<std::string>();
  }
  const json headers = item.value("headers", json::array());
  for (const auto& h : headers.is_array() ? headers : json::array()) {
    part.headers.set(h.value("name", ""), h.value("value", ""));
  }
  if (headers.is_object()) {
    for (const auto& [name, value] : headers.items()) {
      if (value.is_string()) part.headers.set(name, value.get<std::string>());
    }
  }
  return part;
}

}  // namespace

MetaGraphService::MetaGraphService(MetaGraphOptions options, Router& router,
                                   MetricsRegistry& metrics)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      limiter_(options_.limits),
      rng_(options_.seed) {
  router_.set_error_formatter([this](int status, std::string_view message) {
    // Errors raised outside a Graph handler (404, 413, malformed HTTP, injected faults) still
    // wear Meta's envelope. 5xx map to the transient codes 1 and 2.
    int code = 100;
    if (status == 404 || status == 405) code = 2500;
    if (status == 429) code = 4;
    if (status >= 500) code = status == 500 ? 1 : 2;
    return error_response(GraphError(status, code, 0, "OAuthException", std::string(message)));
  });
  metrics_.gauge_callback("meta_graph_objects", "Objects in the store.", {{"kind", "all"}}, [this] {
    const json c = store_.counts();
    return c["campaigns"].get<double>() + c["adsets"].get<double>() + c["ads"].get<double>();
  });
  register_graph_routes();
  register_admin_routes();
}

std::string MetaGraphService::fbtrace_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::lock_guard lock(mutex_);
  std::string id(11, 'A');
  for (char& c : id) c = kAlphabet[rng_() % (sizeof kAlphabet - 1)];
  return id;
}

Response MetaGraphService::error_response(const GraphError& e) {
  return Response::json(e.http_status(), {{"error",
                                           {{"message", e.what()},
                                            {"type", e.type()},
                                            {"code", e.code()},
                                            {"error_subcode", e.subcode()},
                                            {"is_transient", e.is_transient()},
                                            {"fbtrace_id", fbtrace_id()}}}});
}

void MetaGraphService::record_idempotency(const Request& req, int status, const json& result,
                                          int code, const Headers& usage, const json& params) {
  const std::string key = idempotency_key(req);
  if (key.empty()) return;
  const auto at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  json sent = params.is_object() ? params : json::object();
  sent.erase("access_token");
  const std::int64_t wait_ms =
      code == 0 ? 0 : stated_wait_ms(usage, limiter_.config().regain_minute);
  std::lock_guard lock(mutex_);
  KeyUse& use = idempotency_[key];
  ++use.count;
  use.requests.push_back({{"method", req.method},
                          {"path", req.path},
                          {"status", status},
                          {"object_id", result.is_object() ? result.value("id", "") : ""},
                          {"code", code},
                          {"at_ms", at_ms},
                          {"wait_ms", wait_ms},
                          {"params", std::move(sent)}});
}

Handler MetaGraphService::graph(CallType type, AccountFrom from, Body body) {
  return [this, type, from, body = std::move(body)](const Request& req) {
    Headers usage;
    int status = 200;
    int code = 0;
    json result;
    json params;
    Response res;
    try {
      params = params_of(req);
      if (options_.require_token && !has_token(req, params)) {
        throw GraphError(400, 190, 0, "OAuthException", "Invalid OAuth access token.");
      }
      fail_if_failing_object(req);
      std::string account;
      if (from == AccountFrom::kRoute) account = req.param("account");
      if (from == AccountFrom::kObjectId) account = store_.account_of(req.param("id"));
      auto verdict = limiter_.admit(account, type, std::chrono::steady_clock::now());
      usage = std::move(verdict.headers);
      if (verdict.refusal) {
        metrics_
            .counter("meta_graph_throttled_total", "Calls refused by rate limiting.",
                     {{"code", std::to_string(verdict.refusal->code())}})
            .inc();
        throw *verdict.refusal;
      }
      result = body(req, params, account);
      res = Response::json(200, result);
    } catch (const GraphError& e) {
      status = e.http_status();
      code = e.code();
      res = error_response(e);
    }
    for (const auto& [name, value] : usage) res.headers.set(name, value);
    record_idempotency(req, status, result, code, usage, params);
    return res;
  };
}

void MetaGraphService::fail_if_failing_object(const Request& req) const {
  if (!req.params.contains("id")) return;
  std::lock_guard lock(mutex_);
  if (failing_objects_.contains(req.param("id"))) {
    throw GraphError(503, 2, 0, "OAuthException",
                     "(#2) Service temporarily unavailable (failing object " + req.param("id") +
                         ", /__admin/failing_objects)");
  }
}

json MetaGraphService::list(ObjectKind kind, const Request& req, const json& params,
                            const std::string& account, const std::string& parent) const {
  const std::size_t limit = page_limit(params);
  const auto cursor = [&](const char* name) {
    return params.contains(name) && params[name].is_string() ? params[name].get<std::string>()
                                                             : std::string();
  };
  const GraphPage page =
      store_.list(kind, account, parent, limit, cursor("after"), cursor("before"));
  json data = json::array();
  for (const auto& object : page.data) data.push_back(select_fields(object, params));
  json paging = {{"cursors", {{"before", page.before}, {"after", page.after}}}};
  if (page.has_more) paging["next"] = paging_url(req, params, "after", page.after);
  if (page.has_previous) paging["previous"] = paging_url(req, params, "before", page.before);
  return {{"data", data}, {"paging", paging}};
}

std::vector<InsightsSubject> MetaGraphService::insights_subjects(const std::string& account,
                                                                 const std::string& object_id,
                                                                 const std::string& level) const {
  const json act_ids = {{"account_id", account}, {"account_name", "Mock ad account " + account}};
  const bool whole_account = object_id.rfind("act_", 0) == 0;
  if (level == "account" || (level.empty() && whole_account)) {
    if (!whole_account) {
      throw GraphError::invalid_parameter("Param level account is above the level of object " +
                                          object_id);
    }
    return {InsightsSubject{object_id, act_ids}};
  }
  const ObjectKind kind = level.empty() ? store_.kind_of(object_id)
                          : level == "campaign"
                              ? ObjectKind::kCampaign
                              : (level == "adset" ? ObjectKind::kAdSet : ObjectKind::kAd);
  std::vector<InsightsSubject> out;
  for (const json& object : store_.descendants(account, whole_account ? "" : object_id, kind)) {
    json ids = act_ids;
    const auto name_of = [this](const json& o, const char* field) {
      return store_.get(o[field].get<std::string>())["name"];
    };
    if (object.contains("campaign_id")) {
      ids["campaign_id"] = object["campaign_id"];
      ids["campaign_name"] = name_of(object, "campaign_id");
    }
    if (object.contains("adset_id")) {
      ids["adset_id"] = object["adset_id"];
      ids["adset_name"] = name_of(object, "adset_id");
    }
    const std::string prefix =
        kind == ObjectKind::kCampaign ? "campaign" : (kind == ObjectKind::kAdSet ? "adset" : "ad");
    ids[prefix + "_id"] = object["id"];
    ids[prefix + "_name"] = object["name"];
    out.push_back({object["id"].get<std::string>(), std::move(ids)});
  }
  return out;
}

json MetaGraphService::insights(const Request& req, const json& params,
                                const std::string& account) {
  const auto now = std::chrono::system_clock::now();
  std::string object_id = req.params.contains("id") ? req.param("id") : "act_" + account;
  json query_params = params;
  if (req.params.contains("id") && store_.is_report_run(req.param("id"))) {
    std::tie(object_id, query_params) =
        store_.report_run_source(req.param("id"), std::chrono::steady_clock::now());
  }
  const InsightsQuery query = InsightsQuery::parse(query_params, now);
  return synthesize_insights(insights_subjects(account, object_id, query.level), query);
}

json MetaGraphService::create_report_run(const Request& req, const json& params,
                                         const std::string& account) {
  const std::string object_id = req.params.contains("id") ? req.param("id") : "act_" + account;
  // Validate now: a report that cannot be run is refused at creation, as Meta does.
  const InsightsQuery query = InsightsQuery::parse(params, std::chrono::system_clock::now());
  insights_subjects(account, object_id, query.level);
  bool fails = false;
  {
    std::lock_guard lock(mutex_);
    fails = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < options_.report_fail_rate;
  }
  const std::string id =
      store_.create_report_run(account, object_id, params, std::chrono::steady_clock::now(),
                               options_.report_duration, fails);
  return {{"report_run_id", id}};
}

void MetaGraphService::register_graph_routes() {
  const std::string v = kVersioned;
  for (const std::string edge : {"campaigns", "adsets", "ads"}) {
    const ObjectKind kind = kind_of_edge(edge);
    router_.post(
        v + "/act_{account}/" + edge,
        graph(CallType::kAdsManagement, AccountFrom::kRoute,
              [this, kind](const Request&, const json& params, const std::string& account) {
                return json{{"id", store_.create(kind, account, params,
                                                 std::chrono::system_clock::now())["id"]}};
              }));
    router_.get(
        v + "/act_{account}/" + edge,
        graph(CallType::kAdsManagement, AccountFrom::kRoute,
              [this, kind](const Request& req, const json& params, const std::string& account) {
                return list(kind, req, params, account, "");
              }));
    if (kind == ObjectKind::kCampaign) continue;
    router_.get(
        v + "/{id}/" + edge,
        graph(CallType::kAdsManagement, AccountFrom::kObjectId,
              [this, kind](const Request& req, const json& params, const std::string& account) {
                return list(kind, req, params, account, req.param("id"));
              }));
  }
  router_.post("/", [this](const Request& req) { return batch(req); });
  router_.post(v, [this](const Request& req) { return batch(req); });
  register_object_routes();
  register_insights_routes();
}

void MetaGraphService::register_object_routes() {
  const std::string v = kVersioned;
  router_.get(v + "/act_{account}",
              graph(CallType::kAdsManagement, AccountFrom::kRoute,
                    [](const Request&, const json&, const std::string& account) {
                      return json{{"id", "act_" + account},
                                  {"account_id", account},
                                  {"account_status", 1},
                                  {"currency", "USD"},
                                  {"name", "Mock ad account " + account}};
                    }));
  router_.get(v + "/{id}",
              graph(CallType::kAdsManagement, AccountFrom::kObjectId,
                    [this](const Request& req, const json& params, const std::string&) {
                      const std::string& id = req.param("id");
                      if (store_.is_report_run(id)) {
                        // A report run answers its status fields unasked, as Meta does.
                        const json status =
                            store_.report_run_status(id, std::chrono::steady_clock::now());
                        return params.contains("fields") ? select_fields(status, params) : status;
                      }
                      return select_fields(store_.get(id), params);
                    }));
  router_.post(v + "/{id}",
               graph(CallType::kAdsManagement, AccountFrom::kObjectId,
                     [this](const Request& req, const json& params, const std::string&) {
                       store_.update(req.param("id"), params, std::chrono::system_clock::now());
                       return json{{"success", true}};
                     }));
  router_.del(v + "/{id}", graph(CallType::kAdsManagement, AccountFrom::kObjectId,
                                 [this](const Request& req, const json&, const std::string&) {
                                   store_.remove(req.param("id"), std::chrono::system_clock::now());
                                   return json{{"success", true}};
                                 }));
}

void MetaGraphService::register_insights_routes() {
  const std::string v = kVersioned;
  for (const std::string owner : {"/act_{account}", "/{id}"}) {
    const AccountFrom from = owner == "/{id}" ? AccountFrom::kObjectId : AccountFrom::kRoute;
    router_.get(v + owner + "/insights",
                graph(CallType::kInsights, from,
                      [this](const Request& req, const json& params, const std::string& account) {
                        return insights(req, params, account);
                      }));
    router_.post(v + owner + "/insights",
                 graph(CallType::kReportRun, from,
                       [this](const Request& req, const json& params, const std::string& account) {
                         return create_report_run(req, params, account);
                       }));
  }
}

Response MetaGraphService::batch(const Request& req) {
  try {
    const json params = params_of(req);
    const json items = batch_items(params, options_.max_batch);
    const std::string version =
        req.params.contains("version") ? "v" + req.param("version") : "v19.0";
    json out = json::array();
    for (const json& item : items) {
      Request part = batch_part(item, req, params, version);
      const Response r = router_.dispatch(part);
      json headers = json::array({{{"name", "Content-Type"}, {"value", r.content_type}}});
      for (const auto& [name, value] : r.headers) {
        headers.push_back({{"name", name}, {"value", value}});
      }
      out.push_back({{"code", r.status}, {"headers", headers}, {"body", r.body}});
    }
    return Response::json(200, out);
  } catch (const GraphError& e) {
    return error_response(e);
  }
}

void MetaGraphService::register_admin_routes() {
  router_.get("/__admin/idempotency", [this](const Request&) {
    std::lock_guard lock(mutex_);
    json keys = json::object();
    std::uint64_t total = 0;
    for (const auto& [key, use] : idempotency_) {
      keys[key] = {{"count", use.count}, {"requests", use.requests}};
      total += use.count;
    }
    return Response::json(200, {{"total", total},
                                {"distinct", idempotency_.size()},
                                {"duplicates", total - idempotency_.size()},
                                {"keys", keys}});
  });
  router_.get("/__admin/rate_limits",
              [this](const Request&) { return Response::json(200, limiter_.config().to_json()); });
  router_.post("/__admin/rate_limits", [this](const Request& req) {
    limiter_.configure(RateLimitConfig::from_json(req.json_body(), limiter_.config()));
    return Response::json(200, limiter_.config().to_json());
  });
  register_forced_fault_routes();
  router_.get("/__admin/objects", [this](const Request& req) {
    json out = store_.counts();
    if (auto kind = req.query_value("kind")) {
      if (*kind != "campaign" && *kind != "adset" && *kind != "ad") {
        throw HttpError(400, "kind must be campaign, adset or ad, got " + *kind);
      }
      const ObjectKind k = *kind == "campaign"
                               ? ObjectKind::kCampaign
                               : (*kind == "adset" ? ObjectKind::kAdSet : ObjectKind::kAd);
      out["objects"] = store_.dump(k);
    }
    return Response::json(200, out);
  });
  router_.del("/__admin/state", [this](const Request&) {
    store_.clear();
    limiter_.configure(limiter_.config());
    limiter_.clear_forced();
    std::lock_guard lock(mutex_);
    idempotency_.clear();
    failing_objects_.clear();
    return Response::json(200, {{"cleared", true}});
  });
}

void MetaGraphService::register_forced_fault_routes() {
  router_.get("/__admin/throttle", [this](const Request&) {
    return Response::json(200, {{"forced", limiter_.forced(std::chrono::steady_clock::now())}});
  });
  router_.post("/__admin/throttle", [this](const Request& req) {
    const json body = req.json_body();
    if (!body.is_object()) throw HttpError(400, "the throttle body must be a JSON object");
    const json code = body.value("code", json());
    const json for_ms = body.value("for_ms", json());
    if (!code.is_number_integer() || !for_ms.is_number_integer()) {
      throw HttpError(400, "throttle.code and throttle.for_ms must be integers, got " +
                               code.dump() + " and " + for_ms.dump());
    }
    std::string account = body.value("account", "");
    if (account.rfind("act_", 0) == 0) account.erase(0, 4);
    const auto now = std::chrono::steady_clock::now();
    limiter_.force(account, code.get<int>(), std::chrono::milliseconds(for_ms.get<std::int64_t>()),
                   now);
    return Response::json(200, {{"forced", limiter_.forced(now)}});
  });
  router_.del("/__admin/throttle", [this](const Request&) {
    limiter_.clear_forced();
    return Response::json(200, {{"forced", json::array()}});
  });
  const auto failing = [this] {
    std::lock_guard lock(mutex_);
    return json{{"ids", failing_objects_}};
  };
  router_.get("/__admin/failing_objects",
              [failing](const Request&) { return Response::json(200, failing()); });
  router_.post("/__admin/failing_objects", [this, failing](const Request& req) {
    const json body = req.json_body();
    const json ids = body.is_object() ? body.value("ids", json()) : json();
    if (!ids.is_array() || !std::all_of(ids.begin(), ids.end(), [](const json& id) {
          return id.is_string() && !id.get<std::string>().empty();
        })) {
      throw HttpError(
          400, "failing_objects.ids must be an array of object id strings, got " + ids.dump());
    }
    {
      std::lock_guard lock(mutex_);
      for (const json& id : ids) failing_objects_.insert(id.get<std::string>());
    }
    return Response::json(200, failing());
  });
  router_.del("/__admin/failing_objects", [this, failing](const Request&) {
    {
      std::lock_guard lock(mutex_);
      failing_objects_.clear();
    }
    return Response::json(200, failing());
  });
}

json MetaGraphService::stats() const {
  json out = store_.counts();
  out["rate_limits"] = limiter_.stats();
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [key, use] : idempotency_) total += use.count;
  out["idempotency"] = {{"total", total}, {"distinct", idempotency_.size()}};
  return out;
}

}  // namespace gauntlet::mocks

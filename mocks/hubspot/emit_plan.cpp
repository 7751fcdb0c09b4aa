#include "emit_plan.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

template <typename T>
void read_int(const json& body, const char* name, T& out, std::int64_t min, std::int64_t max,
              Problems& problems) {
  if (!body.contains(name)) return;
  const json& v = body.at(name);
  if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
    problems.add(std::string("emit.") + name + " must be an integer in " + std::to_string(min) +
                 ".." + std::to_string(max) + ", got " + v.dump());
    return;
  }
  out = static_cast<T>(v.get<std::int64_t>());
}

void read_text(const json& body, const char* name, std::string& out, Problems& problems) {
  if (!body.contains(name)) return;
  if (!body.at(name).is_string() || body.at(name).get<std::string>().empty()) {
    problems.add(std::string("emit.") + name + " must be a non-empty string, got " +
                 body.at(name).dump());
    return;
  }
  out = body.at(name).get<std::string>();
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(),
                                                      suffix.data(), suffix.size()) == 0;
}

}  // namespace

const std::vector<std::string>& EmitPlan::known_subscription_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> out;
    for (const char* object : {"contact", "company", "deal", "ticket"}) {
      for (const char* change : {"creation", "deletion", "propertyChange"}) {
        out.push_back(std::string(object) + "." + change);
      }
    }
    return out;
  }();
  return kTypes;
}

json EmitPlan::change_fields() const {
  if (ends_with(subscription_type, ".creation")) return {{"changeFlag", "CREATED"}};
  if (ends_with(subscription_type, ".deletion")) return {{"changeFlag", "DELETED"}};
  return {{"propertyName", "lifecyclestage"}, {"propertyValue", "customer"}};
}

EmitPlan EmitPlan::from_json(const json& body) {
  if (!body.is_object())
    throw ConfigError("the emit body must be a JSON object, got " + body.dump());
  static const std::set<std::string> kKnown = {
      "target_url",   "rate_per_s", "batches",           "events_per_batch", "secret",
      "app_id",       "portal_id",  "subscription_type", "max_retries",      "retry_base_ms",
      "retry_cap_ms", "timeout_ms", "concurrency",       "campaign_id"};
  Problems problems;
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key)) problems.add("emit." + key + " is not a known field");
  }
  EmitPlan p;
  for (const char* required : {"target_url", "secret"}) {
    if (!body.contains(required)) problems.add(std::string("emit.") + required + " is required");
  }
  read_text(body, "target_url", p.target_url, problems);
  read_text(body, "secret", p.secret, problems);
  read_text(body, "subscription_type", p.subscription_type, problems);
  const auto& types = known_subscription_types();
  if (std::find(types.begin(), types.end(), p.subscription_type) == types.end()) {
    std::string known;
    for (const auto& t : types) known += (known.empty() ? "" : ", ") + t;
    problems.add("emit.subscription_type must be one of " + known + ", got \"" +
                 p.subscription_type + "\"");
  }
  if (body.contains("rate_per_s")) {
    const json& v = body.at("rate_per_s");
    if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() > 10000) {
      problems.add("emit.rate_per_s must be a number in (0, 10000], got " + v.dump());
    } else {
      p.rate_per_s = v.get<double>();
    }
  }
  read_int(body, "batches", p.batches, 1, 10'000'000, problems);
  read_int(body, "events_per_batch", p.events_per_batch, 1, kMaxEventsPerBatch, problems);
  read_int(body, "app_id", p.app_id, 1, INT64_MAX, problems);
  read_int(body, "portal_id", p.portal_id, 1, INT64_MAX, problems);
  read_int(body, "campaign_id", p.campaign_id, 1, INT64_MAX, problems);
  read_int(body, "max_retries", p.max_retries, 0, 100, problems);
  std::int64_t base_ms = 200, cap_ms = 5000, timeout_ms = 2000;
  read_int(body, "retry_base_ms", base_ms, 1, 3'600'000, problems);
  read_int(body, "retry_cap_ms", cap_ms, 1, 3'600'000, problems);
  read_int(body, "timeout_ms", timeout_ms, 1, 600'000, problems);
  read_int(body, "concurrency", p.concurrency, 1, 64, problems);
  if (cap_ms < base_ms) {
    problems.add("emit.retry_cap_ms must be >= retry_base_ms (" + std::to_string(base_ms) +
                 "), got " + std::to_string(cap_ms));
  }
  p.backoff =
      BackoffPolicy{std::chrono::milliseconds(base_ms), std::chrono::milliseconds(cap_ms), 2.0};
  p.timeout = std::chrono::milliseconds(timeout_ms);
  if (!p.target_url.empty()) {
    try {
      p.target = Url::parse(p.target_url);
      if (!p.target.is_loopback()) {
        problems.add(
            "emit.target_url must be a loopback address (127.0.0.0/8, ::1, localhost), got " +
            p.target_url);
      }
    } catch (const ConfigError& e) {
      problems.add("emit.target_url: " + std::string(e.what()));
    }
  }
  problems.throw_if_any();
  return p;
}

json EmitPlan::to_json() const {
  return {
      {"target_url", target_url},
      {"rate_per_s", rate_per_s},
      {"batches", batches},
      {"events_per_batch", events_per_batch},
      {"app_id", app_id},
      {"portal_id", portal_id},
      {"subscription_type", subscription_type},
      {"max_retries", max_retries},
      {"retry_base_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(backoff.base).count()},
      {"retry_cap_ms", std::chrono::duration_cast<std::chrono::milliseconds>(backoff.cap).count()},
      {"timeout_ms", timeout.count()},
      {"concurrency", concurrency},
      {"campaign_id", campaign_id == 0 ? json() : json(campaign_id)}};
}

}  // namespace gauntlet::mocks

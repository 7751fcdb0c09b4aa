#include "graph_rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

int percent(SlidingWindowLimiter& w, GraphRateLimiter::SteadyTime now) {
  return static_cast<int>(std::lround(100.0 * w.usage_fraction(now)));
}

std::int64_t ceil_units(std::chrono::nanoseconds d, std::chrono::nanoseconds unit) {
  return (d.count() + unit.count() - 1) / unit.count();
}

// `held`: the least wait to state (a forced throttle's time left).
json buc_entry(const char* type, SlidingWindowLimiter& w, GraphRateLimiter::SteadyTime now,
               std::chrono::nanoseconds held, std::chrono::milliseconds minute) {
  const int p = percent(w, now);
  return {
      {"type", type},
      {"call_count", p},
      {"total_cputime", p},
      {"total_time", p},
      {"estimated_time_to_regain_access", ceil_units(std::max(w.retry_after(now), held), minute)},
      {"ads_api_access_tier", "standard_access"}};
}

}  // namespace

RateLimitConfig RateLimitConfig::from_json(const json& body, const RateLimitConfig& base) {
  if (!body.is_object())
    throw ConfigError("the rate_limits body must be a JSON object, got " + body.dump());
  Problems problems;
  RateLimitConfig c = base;
  const std::map<std::string, std::uint64_t*> fields = {
      {"app_limit", &c.app_limit},
      {"account_limit", &c.account_limit},
      {"ads_management_limit", &c.ads_management_limit},
      {"insights_limit", &c.insights_limit},
      {"report_run_limit", &c.report_run_limit}};
  for (const auto& [key, value] : body.items()) {
    const bool known = fields.contains(key) || key == "window_ms" || key == "regain_minute_ms";
    if (!known) {
      problems.add("rate_limits." + key + " is not a known limit");
    } else if (!value.is_number_integer() || value.get<std::int64_t>() < 1) {
      problems.add("rate_limits." + key + " must be an integer >= 1, got " + value.dump());
    } else if (key == "window_ms") {
      c.window = std::chrono::milliseconds(value.get<std::int64_t>());
    } else if (key == "regain_minute_ms") {
      c.regain_minute = std::chrono::milliseconds(value.get<std::int64_t>());
    } else {
      *fields.at(key) = value.get<std::uint64_t>();
    }
  }
  problems.throw_if_any();
  return c;
}

json RateLimitConfig::to_json() const {
  return {{"app_limit", app_limit},
          {"account_limit", account_limit},
          {"ads_management_limit", ads_management_limit},
          {"insights_limit", insights_limit},
          {"report_run_limit", report_run_limit},
          {"window_ms", window.count()},
          {"regain_minute_ms", regain_minute.count()}};
}

GraphRateLimiter::GraphRateLimiter(RateLimitConfig config) { configure(config); }

void GraphRateLimiter::configure(const RateLimitConfig& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
  app_ = std::make_unique<SlidingWindowLimiter>(config.app_limit, config.window);
  accounts_.clear();
}

RateLimitConfig GraphRateLimiter::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

GraphRateLimiter::Windows& GraphRateLimiter::windows_for(const std::string& account) {
  auto& slot = accounts_[account];
  if (!slot) {
    slot = std::make_unique<Windows>(
        Windows{SlidingWindowLimiter(config_.account_limit, config_.window),
                SlidingWindowLimiter(config_.ads_management_limit, config_.window),
                SlidingWindowLimiter(config_.insights_limit, config_.window),
                SlidingWindowLimiter(config_.report_run_limit, config_.window)});
  }
  return *slot;
}

bool is_forcible_throttle_code(int code) noexcept {
  return code == 4 || code == 17 || code == 613 || code == 80000 || code == 80004;
}

void GraphRateLimiter::force(const std::string& account, int code,
                             std::chrono::milliseconds duration, SteadyTime now) {
  Problems problems;
  if (!is_forcible_throttle_code(code)) {
    problems.add("throttle.code must be one of 4, 17, 613, 80000, 80004, got " +
                 std::to_string(code));
  }
  if (duration.count() < 1) {
    problems.add("throttle.for_ms must be an integer >= 1, got " +
                 std::to_string(duration.count()));
  }
  if (code != 4 && account.empty()) {
    problems.add("throttle.account is required for code " + std::to_string(code) +
                 " (only #4 holds the whole app)");
  }
  problems.throw_if_any();
  std::lock_guard lock(mutex_);
  forced_[code == 4 ? std::string() : account] = Forced{code, now + duration};
}

void GraphRateLimiter::clear_forced() {
  std::lock_guard lock(mutex_);
  forced_.clear();
}

json GraphRateLimiter::forced(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  json out = json::array();
  for (const auto& [account, f] : forced_) {
    if (f.until <= now) continue;
    out.push_back({{"scope", account.empty() ? "app" : "act_" + account},
                   {"code", f.code},
                   {"remaining_ms",
                    std::chrono::duration_cast<std::chrono::milliseconds>(f.until - now).count()}});
  }
  return out;
}

std::optional<GraphRateLimiter::Forced> GraphRateLimiter::forced_for(const std::string& account,
                                                                     SteadyTime now) const {
  for (const std::string& scope : {std::string(), account}) {
    const auto it = forced_.find(scope);
    if (it != forced_.end() && it->second.until > now) return it->second;
  }
  return std::nullopt;
}

std::int64_t stated_wait_ms(const Headers& usage, std::chrono::milliseconds regain_minute) {
  std::int64_t wait = 0;
  const nlohmann::json account =
      nlohmann::json::parse(usage.get("X-Ad-Account-Usage", "{}"), nullptr, false);
  if (account.is_object() && account.value("reset_time_duration", json()).is_number()) {
    wait = std::max(wait, account["reset_time_duration"].get<std::int64_t>() * 1000);
  }
  const nlohmann::json buc =
      nlohmann::json::parse(usage.get("X-Business-Use-Case-Usage", "{}"), nullptr, false);
  if (!buc.is_object()) return wait;
  for (const auto& [key, entries] : buc.items()) {
    if (!entries.is_array()) continue;
    for (const nlohmann::json& e : entries) {
      if (e.is_object() && e.value("estimated_time_to_regain_access", json()).is_number()) {
        wait = std::max(
            wait, e["estimated_time_to_regain_access"].get<std::int64_t>() * regain_minute.count());
      }
    }
  }
  return wait;
}

Headers GraphRateLimiter::usage_headers(const std::string& account, Windows& w, SteadyTime now,
                                        const std::optional<Forced>& held) {
  const std::chrono::nanoseconds left = held ? held->until - now : std::chrono::nanoseconds(0);
  const std::chrono::nanoseconds account_left =
      held && held->code == 17 ? left : std::chrono::nanoseconds(0);
  const std::chrono::milliseconds minute = config_.regain_minute;
  Headers h;
  const int app = percent(*app_, now);
  h.set("X-App-Usage",
        json{{"call_count", app}, {"total_cputime", app}, {"total_time", app}}.dump());
  h.set("X-Ad-Account-Usage",
        json{{"acc_id_util_pct", percent(w.account, now)},
             {"reset_time_duration", ceil_units(std::max(w.account.retry_after(now), account_left),
                                                std::chrono::seconds(1))},
             {"ads_api_access_tier", "standard_access"}}
            .dump());
  h.set("X-Business-Use-Case-Usage",
        json{{account, json::array({buc_entry("ads_management", w.management, now, left, minute),
                                    buc_entry("ads_insights", w.insights, now, left, minute)})}}
            .dump());
  return h;
}

GraphError GraphRateLimiter::refusal(int code, SteadyTime /*now*/) {
  ++throttled_[code];
  switch (code) {
    case 4:
      return GraphError(400, 4, 0, "OAuthException", "(#4) Application request limit reached");
    case 17:
      return GraphError(400, 17, 2446079, "OAuthException", "(#17) User request limit reached");
    case 80004:
      return GraphError(400, 80004, 2446079, "OAuthException",
                        "(#80004) There have been too many calls to this ad-account. Wait a bit "
                        "and try again.");
    case 80000:
      return GraphError(400, 80000, 2446079, "OAuthException",
                        "(#80000) There have been too many calls from this ad-account. Wait a bit "
                        "and try again.");
    default:
      return GraphError(400, 613, 1487742, "OAuthException",
                        "(#613) Calls to this api have exceeded the rate limit.");
  }
}

GraphRateLimiter::Verdict GraphRateLimiter::admit(const std::string& account, CallType type,
                                                  SteadyTime now) {
  std::lock_guard lock(mutex_);
  Windows& w = windows_for(account);
  SlidingWindowLimiter& buc = type == CallType::kAdsManagement ? w.management : w.insights;
  const auto full = [now](SlidingWindowLimiter& l) { return l.retry_after(now).count() > 0; };
  Verdict v;
  const std::optional<Forced> held = forced_for(account, now);
  // Check every window first, then take from all: a refused call is charged nowhere.
  if (held) {
    v.refusal = refusal(held->code, now);
  } else if (full(*app_)) {
    v.refusal = refusal(4, now);
  } else if (full(w.account)) {
    v.refusal = refusal(17, now);
  } else if (full(buc)) {
    v.refusal = refusal(type == CallType::kAdsManagement ? 80004 : 80000, now);
  } else if (type == CallType::kReportRun && full(w.runs)) {
    v.refusal = refusal(613, now);
  } else {
    app_->try_acquire(now);
    w.account.try_acquire(now);
    buc.try_acquire(now);
    if (type == CallType::kReportRun) w.runs.try_acquire(now);
  }
  v.headers = usage_headers(account, w, now, held);
  return v;
}

json GraphRateLimiter::stats() const {
  std::lock_guard lock(mutex_);
  json throttled = json::object();
  for (const auto& [code, n] : throttled_) throttled[std::to_string(code)] = n;
  return {{"throttled", throttled}, {"accounts", accounts_.size()}};
}

}  // namespace gauntlet::mocks

#include "meta_outcome.hpp"

#include <algorithm>
#include <cmath>

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

json parse_or_null(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

double number_or_zero(const json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_number()) return 0.0;
  return std::max(0.0, object[field].get<double>());
}

// Largest estimated_time_to_regain_access (minutes) over every entry of every account.
double buc_minutes(const Headers& headers) {
  const auto text = headers.find("X-Business-Use-Case-Usage");
  if (!text) return 0.0;
  const json buc = parse_or_null(*text);
  if (!buc.is_object()) return 0.0;
  double minutes = 0.0;
  for (const auto& [account, entries] : buc.items()) {
    if (!entries.is_array()) continue;
    for (const json& e : entries)
      minutes = std::max(minutes, number_or_zero(e, "estimated_time_to_regain_access"));
  }
  return minutes;
}

double account_reset_seconds(const Headers& headers) {
  const auto text = headers.find("X-Ad-Account-Usage");
  return text ? number_or_zero(parse_or_null(*text), "reset_time_duration") : 0.0;
}

}  // namespace

bool is_throttle_code(int code) noexcept {
  return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80014);
}

std::chrono::milliseconds throttle_wait(const Headers& headers, const ThrottlePolicy& policy) {
  // Only the minutes are scaled: the mock's windows are seconds long but it counts regain time in
  // whole (scaled) minutes; reset_time_duration is already in real seconds.
  const double estimate_ms = std::max(buc_minutes(headers) * 60'000.0 * policy.regain_scale,
                                      account_reset_seconds(headers) * 1000.0);
  const auto scaled = std::chrono::milliseconds(std::llround(std::ceil(estimate_ms)));
  return std::clamp(scaled, policy.min_wait, std::max(policy.min_wait, policy.max_wait));
}

MetaOutcome classify_meta_response(int http_status, const Headers& headers, const std::string& body,
                                   const ThrottlePolicy& policy) {
  MetaOutcome out;
  out.http_status = http_status;
  out.response = parse_or_null(body);
  if (http_status >= 200 && http_status < 300) {
    out.kind = MetaOutcomeKind::kApplied;
    return out;
  }
  const json error = out.response.is_object() ? out.response.value("error", json()) : json();
  if (error.is_object()) {
    if (error.contains("code") && error["code"].is_number_integer())
      out.code = error["code"].get<int>();
    if (error.contains("message") && error["message"].is_string())
      out.message = error["message"].get<std::string>();
  }
  if (out.message.empty())
    out.message = "HTTP " + std::to_string(http_status) + ": " + body.substr(0, 200);
  if (is_throttle_code(out.code) || http_status == 429) {
    out.kind = MetaOutcomeKind::kThrottled;
    out.wait = throttle_wait(headers, policy);
    out.app_wide = out.code == 4;
  } else if (http_status >= 500 || out.code == 1 || out.code == 2 || !error.is_object()) {
    out.kind = MetaOutcomeKind::kTransient;
  } else {
    out.kind = MetaOutcomeKind::kPermanent;
  }
  return out;
}

}  // namespace gauntlet::mocks

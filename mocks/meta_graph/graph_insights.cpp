#include "graph_insights.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "graph_error.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;

struct DayTotals {
  std::int64_t impressions = 0, reach = 0, clicks = 0, spend_cents = 0;
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

DayTotals day_totals(const std::string& object_id, std::int64_t day) {
  const std::uint64_t h = fnv1a(object_id + ":" + std::to_string(day));
  DayTotals t;
  t.impressions = 1000 + static_cast<std::int64_t>(h % 50000);
  t.reach = t.impressions * (60 + static_cast<std::int64_t>((h >> 16) % 31)) / 100;
  t.clicks = t.impressions * (5 + static_cast<std::int64_t>((h >> 24) % 26)) / 1000;
  t.spend_cents = t.impressions * (200 + static_cast<std::int64_t>((h >> 32) % 1001)) / 1000;
  return t;
}

std::string date_of(std::int64_t day) {
  const std::time_t secs = static_cast<std::time_t>(day * 86400);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string money(std::int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100),
                static_cast<long long>(cents % 100));
  return buf;
}

std::string ratio(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

const std::set<std::string>& metric_fields() {
  static const std::set<std::string> kMetrics = {"impressions", "reach", "clicks", "spend",
                                                 "ctr",         "cpc",   "cpm"};
  return kMetrics;
}

const std::set<std::string>& id_fields() {
  static const std::set<std::string> kIds = {"account_id",    "account_name", "campaign_id",
                                             "campaign_name", "adset_id",     "adset_name",
                                             "ad_id",         "ad_name"};
  return kIds;
}

std::vector<std::string> requested_fields(const json& params) {
  std::string text = params.contains("fields") && params["fields"].is_string()
                         ? params["fields"].get<std::string>()
                         : "impressions,clicks,spend";
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string f; std::getline(ss, f, ',');) {
    if (f.empty()) continue;
    if (!metric_fields().contains(f) && !id_fields().contains(f))
      throw GraphError::invalid_parameter("Insights field " + f + " is not supported");
    out.push_back(f);
  }
  return out;
}

// [first, last] day numbers (days since the epoch) of a preset.
std::pair<std::int64_t, std::int64_t> preset_range(const json& params, std::int64_t today) {
  static const std::map<std::string, std::pair<int, int>> kPresets = {
      {"today", {0, 0}},     {"yesterday", {1, 1}}, {"last_3d", {3, 1}},  {"last_7d", {7, 1}},
      {"last_14d", {14, 1}}, {"last_30d", {30, 1}}, {"last_90d", {90, 1}}};
  const std::string preset = params.value("date_preset", std::string("last_30d"));
  const auto it = kPresets.find(preset);
  if (it == kPresets.end())
    throw GraphError::invalid_parameter("date_preset " + preset + " is not supported");
  return {today - it->second.first, today - it->second.second};
}

// time_increment: an integer 1..90 (a JSON number, as the SDKs send it, or its text) or
// "all_days"; absent means all_days. Returns the days per row, 0 for all_days.
std::int64_t days_per_row(const json& params) {
  if (!params.contains("time_increment")) return 0;
  const json& v = params["time_increment"];
  if (v == "all_days") return 0;
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  const bool digits =
      !text.empty() && text.size() <= 2 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::int64_t days = digits ? std::stoll(text) : 0;
  if (days < 1 || days > 90) {
    throw GraphError::invalid_parameter(
        "Param time_increment must be an integer in 1..90 or all_days, got " + v.dump());
  }
  return days;
}

std::string level_of(const json& params) {
  if (!params.contains("level")) return "";
  static const std::set<std::string> kLevels = {"account", "campaign", "adset", "ad"};
  const json& v = params["level"];
  if (!v.is_string() || !kLevels.contains(v.get<std::string>())) {
    throw GraphError::invalid_parameter(
        "Param level must be one of account, campaign, adset, ad, got " + v.dump());
  }
  return v.get<std::string>();
}

json row(const std::vector<std::string>& fields, const DayTotals& t, const json& ids) {
  json r = json::object();
  for (const auto& f : fields) {
    if (f == "impressions") r[f] = std::to_string(t.impressions);
    if (f == "reach") r[f] = std::to_string(t.reach);
    if (f == "clicks") r[f] = std::to_string(t.clicks);
    if (f == "spend") r[f] = money(t.spend_cents);
    if (f == "ctr") r[f] = ratio(t.impressions ? 100.0 * t.clicks / t.impressions : 0);
    if (f == "cpc") r[f] = ratio(t.clicks ? t.spend_cents / 100.0 / t.clicks : 0);
    if (f == "cpm") r[f] = ratio(t.impressions ? t.spend_cents * 10.0 / t.impressions : 0);
    if (id_fields().contains(f) && ids.contains(f)) r[f] = ids[f];
  }
  return r;
}

}  // namespace

InsightsQuery InsightsQuery::parse(const json& params,
                                   std::chrono::system_clock::time_point today) {
  InsightsQuery q;
  q.fields = requested_fields(params);
  const std::int64_t today_day =
      std::chrono::duration_cast<std::chrono::hours>(today.time_since_epoch()).count() / 24;
  std::tie(q.first_day, q.last_day) = preset_range(params, today_day);
  q.increment_days = days_per_row(params);
  q.level = level_of(params);
  return q;
}

json synthesize_insights(const std::vector<InsightsSubject>& subjects, const InsightsQuery& q) {
  const std::int64_t step = q.increment_days > 0 ? q.increment_days : q.last_day - q.first_day + 1;
  json data = json::array();
  for (const InsightsSubject& subject : subjects) {
    for (std::int64_t start = q.first_day; start <= q.last_day; start += step) {
      const std::int64_t stop = std::min(q.last_day, start + step - 1);
      DayTotals total;
      for (std::int64_t day = start; day <= stop; ++day) {
        const DayTotals t = day_totals(subject.key, day);
        total.impressions += t.impressions;
        total.reach += t.reach;
        total.clicks += t.clicks;
        total.spend_cents += t.spend_cents;
      }
      json r = row(q.fields, total, subject.ids);
      r["date_start"] = date_of(start);
      r["date_stop"] = date_of(stop);
      data.push_back(std::move(r));
    }
  }
  return {{"data", data}, {"paging", {{"cursors", {{"before", "MAZDZD"}, {"after", "MAZDZD"}}}}}};
}

}  // namespace gauntlet::mocks

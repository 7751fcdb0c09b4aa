#pragma once
// Synthetic but deterministic insights: the numbers for (object, day) depend only on the object
// id and the day, so repeated reads (sync, async, batch) agree and checkers can recompute them.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gauntlet::mocks {

// An insights request's parameters, validated.
struct InsightsQuery {
  std::vector<std::string> fields;  // metrics and id/name fields, in the order asked
  std::int64_t first_day = 0;       // days since the epoch (UTC), inclusive
  std::int64_t last_day = 0;        // inclusive
  std::int64_t increment_days = 0;  // rows per this many days; 0: one row for the whole range
  std::string level;                // account, campaign, adset, ad; "" for the object's own

  // From request `params`: fields (metrics impressions, reach, clicks, spend, ctr, cpc, cpm; ids
  // and names account_id, account_name, campaign_id, campaign_name, adset_id, adset_name, ad_id,
  // ad_name; default impressions,clicks,spend), date_preset (today, yesterday, last_3d, last_7d,
  // last_14d, last_30d (default), last_90d), time_increment (an integer 1..90 as a JSON number or
  // text, or "all_days") and level. `today` is the current time. Throws GraphError (#100)
  // naming the parameter, the value and what is accepted.
  static InsightsQuery parse(const nlohmann::json& params,
                             std::chrono::system_clock::time_point today);
};

// One thing the rows describe at the requested level: `key` (the numbers depend on it and the
// day) and `ids`, the id and name fields a row may carry ({"account_id":..,"campaign_id":..}).
struct InsightsSubject {
  std::string key;
  nlohmann::json ids;
};

// {"data":[rows],"paging":{...}}: for each subject, one row per time increment, each with the
// requested fields (id fields only where the subject has them) plus date_start and date_stop.
nlohmann::json synthesize_insights(const std::vector<InsightsSubject>& subjects,
                                   const InsightsQuery& query);

}  // namespace gauntlet::mocks

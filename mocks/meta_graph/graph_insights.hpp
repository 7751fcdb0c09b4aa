#pragma once
// Synthetic but deterministic insights: the numbers for (object, day) depend only on the object
// id and the day, so repeated reads (sync, async, batch) agree and checkers can recompute them.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace gauntlet::mocks {

// Rows for `object_id` (a campaign/ad set/ad id, or "act_<account>") from request `params`:
// fields (impressions, reach, clicks, spend, ctr, cpc, cpm; default impressions,clicks,spend),
// date_preset (today, yesterday, last_3d, last_7d, last_14d, last_30d (default), last_90d) and
// time_increment ("1" for a row per day, otherwise one row for the range). `today` is the
// current UTC date. Throws GraphError (#100) for an unknown field or preset.
nlohmann::json synthesize_insights(const std::string& object_id, const std::string& account,
                                   const nlohmann::json& params,
                                   std::chrono::system_clock::time_point today);

}  // namespace gauntlet::mocks

#include "gauntlet/metrics/timeline_entry.hpp"

namespace gauntlet {

void to_json(nlohmann::json& j, const TimelineEntry& e) {
  j = {{"at_s", e.at_s},
       {"until_s", e.until_s ? nlohmann::json(*e.until_s) : nlohmann::json(nullptr)},
       {"action", e.action},
       {"outcome", e.outcome}};
}

void from_json(const nlohmann::json& j, TimelineEntry& e) {
  e.at_s = j.at("at_s").get<double>();
  const nlohmann::json& until = j.at("until_s");
  e.until_s = until.is_null() ? std::nullopt : std::optional<double>(until.get<double>());
  e.action = j.at("action").get<std::string>();
  e.outcome = j.at("outcome").get<std::string>();
}

}  // namespace gauntlet

#pragma once
// One timed action of a run's fault timeline and what came of it (faults/fault_timeline.hpp runs
// them). Plain data; the canonical result's "timeline" array holds one per action, in plan order.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gauntlet {

struct TimelineEntry {
  double at_s = 0;                // when the action ran, seconds since the run's start
  std::optional<double> until_s;  // when its end action ran (a "from .. to" action); else none
  std::string action;             // "kill video-agent"
  std::string outcome;            // "ok: pid 4242 killed", "failed: ...", "not run: ..."
};

// {"at_s", "until_s" (null or a number), "action", "outcome"}.
void to_json(nlohmann::json& j, const TimelineEntry& e);
void from_json(const nlohmann::json& j, TimelineEntry& e);

}  // namespace gauntlet

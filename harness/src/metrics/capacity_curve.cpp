#include "gauntlet/metrics/capacity_curve.hpp"

namespace gauntlet {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::optional<double> read_optional(const nlohmann::json& v) {
  return v.is_null() ? std::nullopt : std::optional<double>(v.get<double>());
}

}  // namespace

void to_json(nlohmann::json& j, const CapacityCurve& c) {
  nlohmann::json levels = nlohmann::json::array();
  for (const LevelOutcome& l : c.levels) {
    levels.push_back({{"level", l.level},
                      {"p50_ms", l.p50_ms},
                      {"p95_ms", l.p95_ms},
                      {"p99_ms", l.p99_ms},
                      {"error_rate", l.error_rate},
                      {"achieved_rate", l.achieved_rate},
                      {"passed", l.passed},
                      {"note", l.note},
                      {"generator_limited", l.generator_limited}});
  }
  j = {{"highest_sustainable", optional_number(c.highest_sustainable)},
       {"knee", optional_number(c.knee)},
       {"unit", c.unit},
       {"levels", std::move(levels)},
       {"note", c.note}};
}

void from_json(const nlohmann::json& j, CapacityCurve& c) {
  c = CapacityCurve{};
  c.highest_sustainable = read_optional(j.at("highest_sustainable"));
  c.knee = read_optional(j.at("knee"));
  c.unit = j.at("unit").get<std::string>();
  c.note = j.value("note", std::string());
  for (const auto& l : j.at("levels")) {
    c.levels.push_back({l.at("level").get<double>(), l.at("p50_ms").get<double>(),
                        l.at("p95_ms").get<double>(), l.at("p99_ms").get<double>(),
                        l.at("error_rate").get<double>(), l.at("achieved_rate").get<double>(),
                        l.at("passed").get<bool>(), l.value("note", std::string()),
                        l.value("generator_limited", false)});
  }
}

}  // namespace gauntlet

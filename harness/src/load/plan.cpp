#include "gauntlet/load/plan.hpp"

#include <nlohmann/json.hpp>

#include "checks.hpp"
#include "gauntlet/load/limits.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// A problem for each malformed or repeated metric name.
void check_metrics(const std::vector<MetricDeclaration>& metrics, Problems& problems) {
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const std::string field = detail::indexed("plan.metrics", i) + ".name";
    if (!is_metric_name(metrics[i].name)) {
      problems.add(field +
                   " must be letters, digits, '_', '.' or '-', starting with a letter, got \"" +
                   metrics[i].name + "\"");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (metrics[j].name == metrics[i].name) {
        problems.add(field + " must be unique, got \"" + metrics[i].name + "\" again (also " +
                     detail::indexed("plan.metrics", j) + ")");
      }
    }
  }
}

}  // namespace

std::vector<std::string> Plan::validate() const {
  Problems problems;
  if (name.empty()) problems.add("plan.name must not be empty, got \"\"");
  std::visit([&](const auto& m) { m.validate(problems); }, model);
  if (graceful_stop) {
    detail::check_duration(problems, "plan.graceful_stop", *graceful_stop,
                           detail::Lower::kNonNegative, kMaxGracefulStop, "kMaxGracefulStop");
  }
  if (max_duration) {
    detail::check_duration(problems, "plan.max_duration", *max_duration, detail::Lower::kPositive,
                           kMaxDuration, "kMaxDuration");
  }
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    if (thresholds[i].find_first_not_of(" \t") == std::string::npos) {
      problems.add(detail::indexed("plan.thresholds", i) + " must not be empty, got \"" +
                   thresholds[i] + "\"");
    }
  }
  check_metrics(metrics, problems);
  return problems.list();
}

Plan Plan::with_defaults() const {
  Plan out = *this;
  if (!out.graceful_stop) out.graceful_stop = kDefaultGracefulStop;
  if (auto* open = std::get_if<OpenModel>(&out.model)) {
    if (!open->max_wait) open->max_wait = kDefaultMaxWait;
    if (!out.max_duration) out.max_duration = open->profile.duration();
  } else if (!out.max_duration) {
    const auto& closed = std::get<ClosedModel>(out.model);
    out.max_duration = closed.nominal_duration().value_or(kDefaultIterationsMaxDuration);
  }
  return out;
}

std::string_view Plan::model_kind() const noexcept {
  return std::holds_alternative<ClosedModel>(model) ? "closed" : "open";
}

nlohmann::json Plan::to_json() const {
  nlohmann::json out = {{"name", name},
                        {"model", model_kind()},
                        {"graceful_stop_s", nullptr},
                        {"max_duration_s", nullptr},
                        {"thresholds", thresholds},
                        {"metrics", nlohmann::json::array()}};
  for (const MetricDeclaration& m : metrics) {
    out["metrics"].push_back({{"name", m.name}, {"kind", to_string(m.kind)}});
  }
  out[std::string(model_kind())] = std::visit([](const auto& m) { return m.to_json(); }, model);
  if (graceful_stop) out["graceful_stop_s"] = seconds(*graceful_stop);
  if (max_duration) out["max_duration_s"] = seconds(*max_duration);
  return out;
}

std::string Plan::describe() const {
  std::string out = name + " (" + std::string(model_kind()) + "): ";
  out += std::visit([](const auto& m) { return m.describe(); }, model);
  if (graceful_stop) out += "; graceful stop " + format_duration(*graceful_stop);
  if (max_duration) out += "; max duration " + format_duration(*max_duration);
  if (!thresholds.empty()) out += "; " + std::to_string(thresholds.size()) + " thresholds";
  return out;
}

}  // namespace gauntlet

#pragma once
// A Plan: what one run will do, as pure data (k6: executor config separate from the runner).
// Three steps, kept apart: build it, fill defaults (with_defaults(), which validate() never does),
// validate (every problem at once, each naming field, value and limit). Executors take a valid
// plan with its defaults filled; run_plan() performs both steps.
#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gauntlet/load/closed_model.hpp"
#include "gauntlet/load/open_model.hpp"
#include "gauntlet/metrics/custom_metric.hpp"

namespace gauntlet {

// Time in-flight iterations get to finish after the load ends or a stop (k6's default too).
inline constexpr std::chrono::nanoseconds kDefaultGracefulStop = std::chrono::seconds(30);
// Open model: how long an arrival may wait for a free virtual user before it is dropped.
inline constexpr std::chrono::nanoseconds kDefaultMaxWait = std::chrono::seconds(1);
// max_duration of a closed model bounded only by iterations (otherwise its nominal duration).
inline constexpr std::chrono::nanoseconds kDefaultIterationsMaxDuration = std::chrono::hours(1);

struct Plan {
  std::string name{};
  std::variant<ClosedModel, OpenModel> model{};
  // After the load ends (or is stopped), in-flight iterations get this long before the run gives
  // up on them. nullopt until with_defaults().
  std::optional<std::chrono::nanoseconds> graceful_stop{};
  // Hard bound on the load phase (the graceful stop comes on top, as k6's maxDuration): a plan
  // cut short by it is reported incomplete. nullopt until with_defaults().
  std::optional<std::chrono::nanoseconds> max_duration{};
  // Threshold expressions ("p(95)<500ms"), parsed and evaluated elsewhere; only checked to be
  // non-empty here.
  std::vector<std::string> thresholds{};
  // The custom metrics the thresholds name (counters, gauges and trends the scenario records,
  // figures the test attaches after the load). A threshold naming an undeclared metric is a
  // ConfigError before any load is sent. Recording an undeclared name is allowed: it is reported.
  std::vector<MetricDeclaration> metrics{};

  // Every problem of the plan, model and profile; empty when valid. Never changes the plan.
  std::vector<std::string> validate() const;
  // A copy with unset optional fields filled: graceful_stop = kDefaultGracefulStop,
  // max_duration = the model's nominal duration (kDefaultIterationsMaxDuration for a closed
  // model bounded by iterations only), open max_wait = kDefaultMaxWait.
  Plan with_defaults() const;

  // "closed" or "open".
  std::string_view model_kind() const noexcept;
  // For the result file: name, model kind, every field (durations in seconds), thresholds.
  nlohmann::json to_json() const;
  // One line for humans: "checkout (open): constant 100/s for 10s (1000 arrivals), 10..100 VUs,
  // max wait 1s; graceful stop 30s, max duration 10s".
  std::string describe() const;
};

}  // namespace gauntlet

#pragma once
// The closed load model: C virtual users, each running the scenario back to back (with an
// optional think time), bounded by an iteration count (shared or per user), a duration, or
// stages that ramp the number of active users (k6 ramping-vus). Pure data; the closed executor
// runs it. Validation messages name fields "closed.<field>".
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

// Over `duration`, the active user count moves linearly from the previous stage's target (or
// ClosedModel::vus for the first stage) to target_vus.
struct Stage {
  std::chrono::nanoseconds duration{};
  std::int64_t target_vus = 0;
};

// Members all have default initializers, so designated initializers may name only the ones
// they set: ClosedModel{.vus = 10, .duration = 1min}.
struct ClosedModel {
  // Virtual users; with stages, the count at t = 0 (may then be 0).
  std::int64_t vus = 0;
  // At most one of iterations (shared by all users) and iterations_per_vu.
  std::optional<std::int64_t> iterations{};
  std::optional<std::int64_t> iterations_per_vu{};
  // At most one of duration and stages (whose durations add up to the run's length). At least
  // one of iterations, iterations_per_vu, duration and stages bounds the run.
  std::optional<std::chrono::nanoseconds> duration{};
  std::vector<Stage> stages{};
  // Pause of a user after each iteration.
  std::chrono::nanoseconds think_time{};

  // Adds one problem per invalid field or combination; never throws, never changes the model.
  void validate(Problems& problems) const;

  // Threads the executor needs: vus, or the largest stage target if larger.
  std::int64_t max_vus() const noexcept;
  // duration, or the sum of the stages; nullopt when only iterations bound the run.
  std::optional<std::chrono::nanoseconds> nominal_duration() const noexcept;
  // Active users at offset t: vus without stages; with stages the linear interpolation, rounded
  // down (0 -> 10 over 10s has 1 user from 1s, 5 from 5s); after the last stage, its target.
  std::int64_t target_vus_at(std::chrono::nanoseconds t) const noexcept;
  // The earliest offset >= from at which target_vus_at() > count, or nullopt if it never is
  // again: when a parked user with 0-based index `count` becomes active.
  std::optional<std::chrono::nanoseconds> next_time_above(
      std::int64_t count, std::chrono::nanoseconds from) const noexcept;

  nlohmann::json to_json() const;
  // "10 VUs, 1000 iterations shared, think time 100ms".
  std::string describe() const;
};

}  // namespace gauntlet

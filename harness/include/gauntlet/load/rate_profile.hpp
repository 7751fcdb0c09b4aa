#pragma once
// Open-model arrival-rate profiles: pure data describing the intended arrival rate over time.
// RateCurve (rate_curve.hpp) turns a valid profile into the rate function and its integral;
// ArrivalSchedule (arrival_schedule.hpp) turns that into exact intended start times.
//
// Every rate is in arrivals per second; every duration is a std::chrono::nanoseconds. Validation
// messages name fields "<kind>.<field>" ("ramp.duration must be > 0s, got 0s").
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

// rate_per_s for the whole duration.
struct ConstantRate {
  double rate_per_s = 0;
  std::chrono::nanoseconds duration{};
};

// Linear from from_per_s to to_per_s over duration (either end may be 0, not both).
struct RampRate {
  double from_per_s = 0;
  double to_per_s = 0;
  std::chrono::nanoseconds duration{};
};

struct RateStep {
  double rate_per_s = 0;
  std::chrono::nanoseconds duration{};
};

// Constant rates one after another (a step may be 0/s; at least one must be above 0).
struct StepsRate {
  std::vector<RateStep> steps{};
};

// Each period runs at base_per_s, then for its last burst_length at burst_per_s; the profile
// starts at base so a system under test warms up before the first burst.
struct BurstRate {
  double base_per_s = 0;
  double burst_per_s = 0;
  std::chrono::nanoseconds burst_length{};
  std::chrono::nanoseconds period{};
  std::chrono::nanoseconds duration{};
};

// mean + amplitude * sin(2 pi t / period); amplitude <= mean, so the rate never goes negative.
struct WaveRate {
  double mean_per_s = 0;
  double amplitude_per_s = 0;
  std::chrono::nanoseconds period{};
  std::chrono::nanoseconds duration{};
};

// baseline for lead, linear up to peak over rise, peak for hold, linear down over fall, baseline
// for tail. rise, fall, lead and tail may be 0 (a 0s rise is a jump).
struct SpikeRate {
  double baseline_per_s = 0;
  double peak_per_s = 0;
  std::chrono::nanoseconds lead{};
  std::chrono::nanoseconds rise{};
  std::chrono::nanoseconds hold{};
  std::chrono::nanoseconds fall{};
  std::chrono::nanoseconds tail{};
};

// A random walk of the rate, reproducible from its seed: it starts at the middle of
// [min_per_s, max_per_s] and every interval moves by a uniform step in [-max_step, +max_step],
// reflected at the bounds; constant within an interval. Uses std::mt19937_64 and explicit
// arithmetic (no std:: distribution), so a seed gives the same walk on every platform.
struct ChaosRate {
  double min_per_s = 0;
  double max_per_s = 0;
  double max_step_per_s = 0;
  std::chrono::nanoseconds interval{};
  std::chrono::nanoseconds duration{};
  std::uint64_t seed = 0;
};

class RateProfile {
 public:
  using Shape =
      std::variant<ConstantRate, RampRate, StepsRate, BurstRate, WaveRate, SpikeRate, ChaosRate>;

  // A constant 0/s over 0s: invalid until a shape is assigned.
  RateProfile() = default;
  // Implicit from any shape, so that OpenModel{ConstantRate{100, 10s}, ...} reads naturally.
  template <class T>
  requires(!std::is_same_v<std::remove_cvref_t<T>, RateProfile> &&
           std::is_constructible_v<Shape, T&&>)
      RateProfile(T&& shape)  // NOLINT(google-explicit-constructor)
      : shape_(std::forward<T>(shape)) {}

  const Shape& shape() const noexcept { return shape_; }
  // "constant", "ramp", "steps", "burst", "wave", "spike" or "chaos".
  std::string_view kind() const noexcept;
  // The sum of the shape's parts; saturates at kMaxDuration + 1ns for absurd sums.
  std::chrono::nanoseconds duration() const noexcept;

  // Adds one problem per invalid field (and for invalid combinations) to problems; never throws,
  // never changes the profile. Fields are named "<kind>.<field>".
  void validate(Problems& problems) const;
  // {"kind": "ramp", "from_per_s": 0, "to_per_s": 100, "duration_s": 10}: durations in seconds.
  nlohmann::json to_json() const;
  // "ramp 0/s -> 100/s over 10s".
  std::string describe() const;

 private:
  Shape shape_;
};

}  // namespace gauntlet

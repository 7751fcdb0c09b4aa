#pragma once
// The intended start offsets of an open-model run, one after another: what the open executor's
// scheduler walks. Pure and exact (see RateCurve for the arithmetic), so schedules are unit-tested
// without a clock: count arrivals in a window, check the first ones.
#include <chrono>
#include <cstdint>
#include <optional>

#include "gauntlet/load/rate_curve.hpp"
#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

class ArrivalSchedule {
 public:
  // Throws ConfigError listing every problem when the profile is invalid.
  explicit ArrivalSchedule(const RateProfile& profile) : curve_(profile) {}
  explicit ArrivalSchedule(RateCurve curve) : curve_(std::move(curve)) {}

  // The offset (from the start of the run) of the next arrival, or nullopt once the profile has
  // ended. Offsets never decrease.
  std::optional<std::chrono::nanoseconds> next() {
    auto t = curve_.arrival_time(emitted_);
    if (t) ++emitted_;
    return t;
  }
  // Arrivals returned by next() so far; also the index of the next one.
  std::int64_t emitted() const noexcept { return emitted_; }
  const RateCurve& curve() const noexcept { return curve_; }

 private:
  RateCurve curve_;
  std::int64_t emitted_ = 0;
};

}  // namespace gauntlet

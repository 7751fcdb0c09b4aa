#pragma once
// The mathematics of a valid RateProfile: the intended arrival rate r(t), its integral A(t) (the
// expected number of arrivals in [0, t)) and the inverse, the exact intended time of the n-th
// arrival. Pure: no clock, no threads.
//
// Piecewise-linear shapes (constant, ramp, steps, burst, spike, chaos) are solved analytically
// (a quadratic per piece). The wave's integral is closed-form and inverted by bisection to below
// a nanosecond. Arrival n (0-based) is at the first time t at which A(t) > n, rounded to the
// nanosecond: constant 100/s puts arrivals at 0, 10ms, 20ms, ...; a step at 0/s delays the first
// arrival to the first moment the rate is above 0; an arrival that would fall exactly on the end
// of the profile is not part of it. So a constant 100/s for 10s makes exactly 1000 arrivals and a
// ramp 0 -> 100/s over 10s exactly 500.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

class RateCurve {
 public:
  // Throws ConfigError listing every problem when the profile is invalid. A chaos profile's walk
  // is drawn here, once, from its seed.
  explicit RateCurve(const RateProfile& profile);

  std::chrono::nanoseconds duration() const noexcept { return duration_; }
  // Intended arrivals per second at t; 0 outside [0, duration).
  double rate_at(std::chrono::nanoseconds t) const noexcept;
  // Expected arrivals in [0, t), t clamped to [0, duration].
  double arrivals_by(std::chrono::nanoseconds t) const noexcept;
  // Expected arrivals over the whole profile.
  double total_arrivals() const noexcept { return total_; }
  // total_arrivals() / duration in seconds: the requested mean rate.
  double mean_rate_per_s() const noexcept;
  // Offset from the start of the profile at which arrival n (0-based) is intended to start, or
  // nullopt when there is no such arrival before the end. Non-decreasing in n. O(log pieces).
  std::optional<std::chrono::nanoseconds> arrival_time(std::int64_t n) const;

 private:
  // A linear piece of the rate: from_per_s at start_ns to to_per_s at start_ns + length_ns.
  struct Piece {
    std::int64_t start_ns = 0;
    std::int64_t length_ns = 0;
    double from_per_s = 0;
    double to_per_s = 0;
    double before = 0;  // expected arrivals before this piece
    double after = 0;   // expected arrivals up to its end
  };
  struct Wave {
    double mean_per_s = 0;
    double amplitude_per_s = 0;
    double period_s = 0;
  };

  void add_piece(std::int64_t start_ns, std::int64_t length_ns, double from, double to);
  void build(const RateProfile& profile);
  double wave_arrivals_by(double t_s) const noexcept;
  std::optional<std::chrono::nanoseconds> wave_arrival_time(double n) const;
  std::optional<std::chrono::nanoseconds> piece_arrival_time(double n) const;

  std::vector<Piece> pieces_;
  std::optional<Wave> wave_;
  std::chrono::nanoseconds duration_{};
  double total_ = 0;
};

}  // namespace gauntlet

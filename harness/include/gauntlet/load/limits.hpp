#pragma once
// The limits beyond which a plan value is absurd rather than ambitious. Validation names them in
// its messages ("... must be <= 100000 (kMaxVus), got 250000"), so a user who really needs more
// finds the constant to change.
#include <chrono>
#include <cstdint>

namespace gauntlet {

// Virtual users (threads) of one process; beyond this, split the plan into segments.
inline constexpr std::int64_t kMaxVus = 100'000;
// Arrival rate of an open-model profile, per second.
inline constexpr double kMaxRatePerS = 10'000'000.0;
// Length of a profile, of a closed model, of a stage list and of a run's max_duration.
inline constexpr std::chrono::nanoseconds kMaxDuration = std::chrono::hours(24);
// Think time between two iterations of one closed-model virtual user.
inline constexpr std::chrono::nanoseconds kMaxThinkTime = std::chrono::hours(1);
// How long an open-model arrival may wait for a free virtual user before it is dropped.
inline constexpr std::chrono::nanoseconds kMaxWait = std::chrono::hours(1);
// Time in-flight iterations get to finish after a run ends or is stopped.
inline constexpr std::chrono::nanoseconds kMaxGracefulStop = std::chrono::hours(1);
// Iterations of a closed model, in total or per virtual user.
inline constexpr std::int64_t kMaxIterations = 1'000'000'000;
// Closed-model stages.
inline constexpr std::int64_t kMaxStages = 10'000;
// Pieces of a compiled rate profile (steps, burst periods x 2, chaos intervals): bounds the memory
// of a RateCurve (32 bytes a piece).
inline constexpr std::int64_t kMaxProfileSegments = 1'000'000;

}  // namespace gauntlet

#pragma once
// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
// the delay before retry `attempt` (0-based) is uniform in [0, min(cap, base *
// multiplier^attempt)]. Seeded, so a run is reproducible. Not synchronised: one per retrying
// caller.
#include <chrono>
#include <cstdint>
#include <random>

namespace gauntlet::mocks {

struct BackoffPolicy {
  std::chrono::nanoseconds base = std::chrono::milliseconds(100);
  std::chrono::nanoseconds cap = std::chrono::seconds(10);
  double multiplier = 2.0;

  // Throws ConfigError: base > 0, cap >= base, multiplier >= 1.
  void validate() const;
};

class Backoff {
 public:
  // Validates the policy (ConfigError).
  Backoff(BackoffPolicy policy, std::uint64_t seed);

  // The upper bound of the delay before retry `attempt`: min(cap, base * multiplier^attempt).
  std::chrono::nanoseconds ceiling(std::uint32_t attempt) const;
  // A delay drawn uniformly from [0, ceiling(attempt)].
  std::chrono::nanoseconds next_delay(std::uint32_t attempt);

  const BackoffPolicy& policy() const noexcept { return policy_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace gauntlet::mocks

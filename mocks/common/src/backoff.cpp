#include "gauntlet/mocks/backoff.hpp"

#include <cmath>
#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

void BackoffPolicy::validate() const {
  Problems problems;
  if (base <= std::chrono::nanoseconds(0)) {
    problems.add("backoff base must be > 0ns, got " + std::to_string(base.count()) + "ns");
  }
  if (cap < base) {
    problems.add("backoff cap must be >= base (" + std::to_string(base.count()) + "ns), got " +
                 std::to_string(cap.count()) + "ns");
  }
  if (!(multiplier >= 1.0)) {
    problems.add("backoff multiplier must be >= 1, got " + std::to_string(multiplier));
  }
  problems.throw_if_any();
}

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), rng_(seed) {
  policy_.validate();
}

std::chrono::nanoseconds Backoff::ceiling(std::uint32_t attempt) const {
  // In floating point, so a large attempt saturates at the cap instead of overflowing.
  const double grown = static_cast<double>(policy_.base.count()) *
                       std::pow(policy_.multiplier, static_cast<double>(attempt));
  const auto cap = static_cast<double>(policy_.cap.count());
  return std::chrono::nanoseconds(static_cast<std::int64_t>(grown < cap ? grown : cap));
}

std::chrono::nanoseconds Backoff::next_delay(std::uint32_t attempt) {
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling(attempt).count());
  return std::chrono::nanoseconds(pick(rng_));
}

}  // namespace gauntlet::mocks

#include "budget_step.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace gauntlet::mocks {

BudgetStep plan_budget_step(std::int64_t current_cents, std::int64_t target_cents, double step_cap,
                            double fuzz, double u) {
  if (current_cents <= 0 || target_cents == current_cents) return {target_cents, false};
  const double current = static_cast<double>(current_cents);
  const auto hi = static_cast<std::int64_t>(std::floor(current * (1.0 + step_cap)));
  const auto lo = static_cast<std::int64_t>(std::ceil(current * (1.0 - step_cap)));
  if (target_cents <= hi && target_cents >= lo) return {target_cents, false};
  const std::int64_t bound = target_cents > hi ? hi : lo;
  const double full_step = static_cast<double>(bound - current_cents);
  auto step = static_cast<std::int64_t>(std::llround(full_step * (1.0 - fuzz * u)));
  if (step == 0) step = target_cents > current_cents ? 1 : -1;  // always make progress
  std::int64_t apply = current_cents + step;
  apply =
      target_cents > current_cents ? std::min(apply, target_cents) : std::max(apply, target_cents);
  return {apply, apply != target_cents};
}

double unit_draw(const char* text, std::size_t size) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(text[i]);
    h *= 1099511628211ULL;
  }
  // Mix the low bits up before taking the top 53 (FNV's high bits change little for short text).
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<double>(h >> 11) / 9007199254740992.0;  // 2^53
}

}  // namespace gauntlet::mocks

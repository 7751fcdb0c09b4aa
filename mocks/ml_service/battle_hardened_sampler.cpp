#include "battle_hardened_sampler.hpp"

#include <stdexcept>

#include "gauntlet/config_error.hpp"
#include "largest_remainder.hpp"

namespace gauntlet::mocks {
namespace {

void check_arms(const std::vector<ArmPosterior>& arms) {
  if (arms.empty()) throw std::invalid_argument("at least one arm is needed, got none");
  for (const auto& arm : arms) {
    if (!(arm.alpha > 0.0) || !(arm.beta > 0.0)) {
      throw std::invalid_argument("arm " + arm.arm_id + " must have alpha > 0 and beta > 0, got " +
                                  std::to_string(arm.alpha) + " and " + std::to_string(arm.beta));
    }
  }
}

}  // namespace

BattleHardenedSampler::BattleHardenedSampler(std::uint64_t seed, int samples)
    : rng_(seed), samples_(samples) {
  if (samples < 1 || samples > 100'000) {
    throw ConfigError("samples must be in 1..100000, got " + std::to_string(samples));
  }
}

double BattleHardenedSampler::draw(const ArmPosterior& arm) {
  const double x = std::gamma_distribution<double>(arm.alpha, 1.0)(rng_);
  const double y = std::gamma_distribution<double>(arm.beta, 1.0)(rng_);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

std::size_t BattleHardenedSampler::choose(const std::vector<ArmPosterior>& arms) {
  check_arms(arms);
  std::size_t best = 0;
  double best_draw = -1.0;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const double d = draw(arms[i]);
    if (d > best_draw) {
      best_draw = d;
      best = i;
    }
  }
  return best;
}

std::vector<double> BattleHardenedSampler::win_probabilities(
    const std::vector<ArmPosterior>& arms) {
  check_arms(arms);
  std::vector<double> wins(arms.size(), 0.0);
  for (int s = 0; s < samples_; ++s) wins[choose(arms)] += 1.0;
  for (double& w : wins) w /= samples_;
  return wins;
}

std::vector<ArmAllocation> BattleHardenedSampler::allocate(const std::vector<ArmPosterior>& arms,
                                                           std::int64_t budget_minor) {
  const std::vector<double> p = win_probabilities(arms);
  const std::vector<std::int64_t> parts = split_by_largest_remainder(budget_minor, p);
  std::vector<ArmAllocation> out(arms.size());
  for (std::size_t i = 0; i < arms.size(); ++i) out[i] = {arms[i].arm_id, parts[i], p[i]};
  return out;
}

}  // namespace gauntlet::mocks

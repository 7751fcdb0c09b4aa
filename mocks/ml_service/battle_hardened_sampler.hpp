#pragma once
// The BattleHardenedSampler: Thompson sampling over Beta(alpha, beta) posteriors, one per arm (a
// creative variant of a campaign). allocate() estimates each arm's probability of being the best
// by drawing every posterior `samples` times, and splits a budget in minor units by those
// probabilities with largest-remainder rounding, so the parts always sum to the budget exactly.
// Pure and seeded: the same seed and posteriors give the same allocation.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gauntlet::mocks {

struct ArmPosterior {
  std::string arm_id;
  double alpha = 1.0;  // 1 + sum of rewards
  double beta = 1.0;   // 1 + sum of (1 - reward)

  double mean() const noexcept { return alpha / (alpha + beta); }
  // Folds one observation in: reward in [0, 1] (a click is 1, no click 0).
  void observe(double reward) noexcept {
    alpha += reward;
    beta += 1.0 - reward;
  }
};

struct ArmAllocation {
  std::string arm_id;
  std::int64_t amount_minor = 0;
  double win_probability = 0.0;
};

class BattleHardenedSampler {
 public:
  static constexpr int kDefaultSamples = 1000;

  // Throws ConfigError when samples is outside 1..100000.
  explicit BattleHardenedSampler(std::uint64_t seed, int samples = kDefaultSamples);

  // One draw from Beta(alpha, beta) (as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta)).
  double draw(const ArmPosterior& arm);
  // One Thompson step: the index of the arm whose draw is highest (ties: the lower index).
  std::size_t choose(const std::vector<ArmPosterior>& arms);
  // P(arm is best), estimated from `samples` joint draws; sums to 1.
  std::vector<double> win_probabilities(const std::vector<ArmPosterior>& arms);
  // Splits budget_minor by the win probabilities. Throws std::invalid_argument for no arms, a
  // negative budget, or a posterior with alpha or beta <= 0.
  std::vector<ArmAllocation> allocate(const std::vector<ArmPosterior>& arms,
                                      std::int64_t budget_minor);

 private:
  std::mt19937_64 rng_;
  int samples_;
};

}  // namespace gauntlet::mocks

// The BattleHardenedSampler and largest-remainder rounding: budgets split into integer minor
// units that always sum to the budget, reproducible from the seed, converging on the best arm.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "battle_hardened_sampler.hpp"
#include "gauntlet/config_error.hpp"
#include "largest_remainder.hpp"

namespace gauntlet::mocks {
namespace {

std::int64_t sum(const std::vector<std::int64_t>& parts) {
  return std::accumulate(parts.begin(), parts.end(), std::int64_t{0});
}

TEST(LargestRemainder, SumsExactlyAndStaysWithinOneUnitOfTheQuota) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 5000; ++trial) {
    const std::size_t n = 1 + rng() % 20;
    std::vector<double> w(n);
    for (auto& x : w) x = rng() % 4 == 0 ? 0.0 : std::uniform_real_distribution<>(0, 1)(rng);
    const std::int64_t total = static_cast<std::int64_t>(rng() % 1'000'000'000'000ULL);
    const auto parts = split_by_largest_remainder(total, w);
    ASSERT_EQ(sum(parts), total) << "trial " << trial;
    const double wsum = std::accumulate(w.begin(), w.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_GE(parts[i], 0);
      const double quota = wsum > 0 ? double(total) * w[i] / wsum : double(total) / double(n);
      // 1 unit, plus the double rounding of quotas near 10^12.
      ASSERT_LT(std::abs(double(parts[i]) - quota), 1.0 + 1e-3) << "trial " << trial;
    }
  }
}

TEST(LargestRemainder, GivesLeftoverUnitsToTheLargestRemainders) {
  EXPECT_EQ(split_by_largest_remainder(10, {0, 0, 0}), (std::vector<std::int64_t>{4, 3, 3}));
  EXPECT_EQ(split_by_largest_remainder(100, {0.335, 0.335, 0.33}),
            (std::vector<std::int64_t>{34, 33, 33}));
  EXPECT_EQ(split_by_largest_remainder(7, {1, 0, 0}), (std::vector<std::int64_t>{7, 0, 0}));
  EXPECT_EQ(split_by_largest_remainder(0, {1, 2}), (std::vector<std::int64_t>{0, 0}));
}

TEST(LargestRemainder, RejectsWhatCannotBeSplit) {
  EXPECT_THROW(split_by_largest_remainder(10, {}), std::invalid_argument);
  EXPECT_THROW(split_by_largest_remainder(-1, {1}), std::invalid_argument);
  EXPECT_THROW(split_by_largest_remainder(10, {1, -0.5}), std::invalid_argument);
  EXPECT_THROW(split_by_largest_remainder(10, {NAN}), std::invalid_argument);
}

TEST(BattleHardenedSampler, AllocationsSumExactlyToTheBudgetForRandomArmsAndBudgets) {
  std::mt19937_64 rng(7);
  BattleHardenedSampler sampler(1, 100);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<ArmPosterior> arms(1 + rng() % 12);
    for (std::size_t i = 0; i < arms.size(); ++i) {
      arms[i] = {"arm" + std::to_string(i), 1.0 + double(rng() % 50), 1.0 + double(rng() % 50)};
    }
    const std::int64_t budget = static_cast<std::int64_t>(rng() % 10'000'000'000ULL);
    const auto out = sampler.allocate(arms, budget);
    ASSERT_EQ(out.size(), arms.size());
    std::int64_t total = 0;
    double p = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].arm_id, arms[i].arm_id);
      EXPECT_GE(out[i].amount_minor, 0);
      total += out[i].amount_minor;
      p += out[i].win_probability;
    }
    ASSERT_EQ(total, budget) << "trial " << trial;
    EXPECT_NEAR(p, 1.0, 1e-9);
  }
}

TEST(BattleHardenedSampler, TheSameSeedGivesTheSameAllocation) {
  const std::vector<ArmPosterior> arms = {{"a", 3, 5}, {"b", 4, 4}, {"c", 2, 7}};
  BattleHardenedSampler one(99), two(99), other(100);
  const auto x = one.allocate(arms, 1'000'003);
  const auto y = two.allocate(arms, 1'000'003);
  const auto z = other.allocate(arms, 1'000'003);
  bool differs = false;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    EXPECT_EQ(x[i].amount_minor, y[i].amount_minor);
    differs = differs || x[i].amount_minor != z[i].amount_minor;
  }
  EXPECT_TRUE(differs) << "another seed should draw differently";
}

// Simulated campaign: each round the sampler picks an arm (one Thompson draw), the arm converts
// with its true rate, and the posterior is updated. The best arm must end with the largest share.
std::vector<ArmAllocation> simulate(const std::vector<double>& true_rates, int rounds,
                                    std::uint64_t seed) {
  std::vector<ArmPosterior> arms;
  for (std::size_t i = 0; i < true_rates.size(); ++i) arms.push_back({"arm" + std::to_string(i)});
  BattleHardenedSampler sampler(seed);
  std::mt19937_64 world(seed + 1);
  for (int r = 0; r < rounds; ++r) {
    const std::size_t pick = sampler.choose(arms);
    arms[pick].observe(std::bernoulli_distribution(true_rates[pick])(world) ? 1.0 : 0.0);
  }
  return sampler.allocate(arms, 1'000'000);
}

TEST(BattleHardenedSampler, ConvergesToTheBestArm) {
  for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    for (const auto& rates : std::vector<std::vector<double>>{
             {0.3, 0.5, 0.7}, {0.04, 0.06, 0.02, 0.03}, {0.6, 0.45, 0.5}}) {
      const auto out = simulate(rates, 3000, seed);
      const std::size_t best = std::max_element(rates.begin(), rates.end()) - rates.begin();
      const auto top = std::max_element(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.amount_minor < b.amount_minor;
      });
      EXPECT_EQ(std::size_t(top - out.begin()), best) << "seed " << seed;
      EXPECT_GT(out[best].amount_minor, 500'000) << "seed " << seed;
    }
  }
}

TEST(BattleHardenedSampler, FeedbackMovesThePosterior) {
  ArmPosterior arm{"a"};
  arm.observe(1.0);
  arm.observe(0.0);
  arm.observe(0.25);
  EXPECT_DOUBLE_EQ(arm.alpha, 2.25);
  EXPECT_DOUBLE_EQ(arm.beta, 2.75);
  EXPECT_DOUBLE_EQ(arm.mean(), 2.25 / 5.0);
}

TEST(BattleHardenedSampler, RejectsBadConfigurationAndPosteriors) {
  EXPECT_THROW(BattleHardenedSampler(1, 0), ConfigError);
  BattleHardenedSampler sampler(1);
  EXPECT_THROW(sampler.allocate({}, 10), std::invalid_argument);
  EXPECT_THROW(sampler.allocate({{"a", 0.0, 1.0}}, 10), std::invalid_argument);
  EXPECT_THROW(sampler.allocate({{"a", 1.0, 1.0}}, -1), std::invalid_argument);
}

}  // namespace
}  // namespace gauntlet::mocks

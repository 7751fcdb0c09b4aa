#include "gauntlet/mocks/backoff.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;

BackoffPolicy policy() {
  BackoffPolicy p;
  p.base = 100ms;
  p.cap = 2s;
  p.multiplier = 2.0;
  return p;
}

TEST(Backoff, CeilingGrowsExponentiallyUntilTheCap) {
  const Backoff b(policy(), 1);
  EXPECT_EQ(b.ceiling(0), 100ms);
  EXPECT_EQ(b.ceiling(1), 200ms);
  EXPECT_EQ(b.ceiling(4), 1600ms);
  EXPECT_EQ(b.ceiling(5), 2s);
  EXPECT_EQ(b.ceiling(1000), 2s);  // no overflow for absurd attempts
}

TEST(Backoff, FullJitterStaysWithinZeroAndTheCeiling) {
  Backoff b(policy(), 42);
  for (std::uint32_t attempt = 0; attempt < 8; ++attempt) {
    std::chrono::nanoseconds low = b.ceiling(attempt), high{0};
    for (int i = 0; i < 500; ++i) {
      const auto d = b.next_delay(attempt);
      ASSERT_GE(d, 0ns);
      ASSERT_LE(d, b.ceiling(attempt));
      low = std::min(low, d);
      high = std::max(high, d);
    }
    // Full jitter spreads over the whole range, not just near the ceiling.
    EXPECT_LT(low, b.ceiling(attempt) / 4) << "attempt " << attempt;
    EXPECT_GT(high, b.ceiling(attempt) * 3 / 4) << "attempt " << attempt;
  }
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff a(policy(), 7), b(policy(), 7), c(policy(), 8);
  bool differs = false;
  for (std::uint32_t i = 0; i < 20; ++i) {
    const auto da = a.next_delay(i % 6);
    EXPECT_EQ(da, b.next_delay(i % 6));
    differs = differs || da != c.next_delay(i % 6);
  }
  EXPECT_TRUE(differs);
}

TEST(Backoff, RejectsCapBelowBaseAndShrinkingMultiplier) {
  BackoffPolicy p = policy();
  p.cap = 50ms;
  p.multiplier = 0.5;
  try {
    Backoff b(p, 1);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 2u);
  }
}

}  // namespace
}  // namespace gauntlet::mocks

// Token bucket and sliding window on fake time (plain time_point values, never the wall clock).
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/sliding_window_limiter.hpp"
#include "gauntlet/mocks/token_bucket.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
const std::chrono::steady_clock::time_point kT0{std::chrono::hours(1)};

TEST(TokenBucket, StartsFullAndRefusesPastCapacity) {
  TokenBucket bucket(3, 1, kT0);
  EXPECT_TRUE(bucket.try_acquire(kT0));
  EXPECT_TRUE(bucket.try_acquire(kT0));
  EXPECT_TRUE(bucket.try_acquire(kT0));
  EXPECT_FALSE(bucket.try_acquire(kT0));
}

TEST(TokenBucket, RefillsAtTheConfiguredRateUpToCapacity) {
  TokenBucket bucket(2, 10, kT0);  // 10 tokens/s: one per 100 ms
  ASSERT_TRUE(bucket.try_acquire(kT0, 2));
  EXPECT_FALSE(bucket.try_acquire(kT0 + 99ms));
  EXPECT_TRUE(bucket.try_acquire(kT0 + 100ms));
  EXPECT_DOUBLE_EQ(bucket.available(kT0 + 10s), 2.0);  // capped, not 100
}

TEST(TokenBucket, TimeUntilAvailableIsTheRetryAfter) {
  TokenBucket bucket(1, 2, kT0);  // one token per 500 ms
  ASSERT_TRUE(bucket.try_acquire(kT0));
  EXPECT_EQ(bucket.time_until_available(kT0), 500ms);
  EXPECT_EQ(bucket.time_until_available(kT0 + 200ms), 300ms);
  EXPECT_EQ(bucket.time_until_available(kT0 + 500ms), 0ns);
}

TEST(TokenBucket, TimeGoingBackwardsMintsNothing) {
  TokenBucket bucket(1, 1, kT0);
  ASSERT_TRUE(bucket.try_acquire(kT0));
  EXPECT_FALSE(bucket.try_acquire(kT0 - 10s));
  EXPECT_FALSE(bucket.try_acquire(kT0 + 999ms));
}

TEST(TokenBucket, RejectsNonPositiveSettingsNamingBoth) {
  try {
    TokenBucket bucket(0, -1, kT0);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 2u);
  }
}

TEST(SlidingWindowLimiter, AdmitsUpToTheLimitWithinAWindow) {
  SlidingWindowLimiter limiter(3, 1s);
  EXPECT_TRUE(limiter.try_acquire(kT0));
  EXPECT_TRUE(limiter.try_acquire(kT0 + 100ms));
  EXPECT_TRUE(limiter.try_acquire(kT0 + 200ms));
  EXPECT_FALSE(limiter.try_acquire(kT0 + 300ms));
  EXPECT_DOUBLE_EQ(limiter.usage_fraction(kT0 + 300ms), 1.0);
}

TEST(SlidingWindowLimiter, OldCallsSlideOutOneByOne) {
  SlidingWindowLimiter limiter(2, 1s);
  ASSERT_TRUE(limiter.try_acquire(kT0));
  ASSERT_TRUE(limiter.try_acquire(kT0 + 400ms));
  EXPECT_FALSE(limiter.try_acquire(kT0 + 999ms));
  EXPECT_EQ(limiter.retry_after(kT0 + 999ms), 1ms);  // the first call expires at kT0 + 1s
  EXPECT_TRUE(limiter.try_acquire(kT0 + 1s));
  EXPECT_FALSE(limiter.try_acquire(kT0 + 1s));
  EXPECT_EQ(limiter.used(kT0 + 1400ms), 1u);
}

TEST(SlidingWindowLimiter, RefusedCallsDoNotExtendThePenalty) {
  SlidingWindowLimiter limiter(1, 1s);
  ASSERT_TRUE(limiter.try_acquire(kT0));
  for (int i = 1; i < 10; ++i) EXPECT_FALSE(limiter.try_acquire(kT0 + i * 100ms));
  EXPECT_TRUE(limiter.try_acquire(kT0 + 1s));
}

TEST(SlidingWindowLimiter, WeightedCostsCountTowardTheLimit) {
  SlidingWindowLimiter limiter(10, 1s);
  EXPECT_TRUE(limiter.try_acquire(kT0, 7));
  EXPECT_FALSE(limiter.try_acquire(kT0, 4));
  EXPECT_TRUE(limiter.try_acquire(kT0, 3));
  EXPECT_DOUBLE_EQ(limiter.usage_fraction(kT0), 1.0);
  EXPECT_FALSE(limiter.try_acquire(kT0, 11));
}

}  // namespace
}  // namespace gauntlet::mocks

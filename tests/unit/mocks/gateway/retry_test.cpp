// The gateway's retry decision (should_retry) and per-key rate limiter, on fake time. The
// full-jitter delays themselves are mocks::Backoff's, tested in tests/unit/mocks/backoff_test.cpp.
#include <gtest/gtest.h>

#include "downstream.hpp"
#include "key_rate_limiter.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;

TEST(GatewayRetry, RetriesTransportFailuresAndGatewayErrorsOfRetryableRequestsOnly) {
  const RetryPolicy p{.max_attempts = 3};
  EXPECT_TRUE(should_retry(1, p, true, std::nullopt));
  EXPECT_TRUE(should_retry(1, p, true, 503));
  EXPECT_TRUE(should_retry(2, p, true, 502));
  EXPECT_TRUE(should_retry(1, p, true, 504));
  EXPECT_FALSE(should_retry(1, p, true, 500));  // an application error, not a transient one
  EXPECT_FALSE(should_retry(1, p, true, 200));
  EXPECT_FALSE(should_retry(1, p, true, 429));
  EXPECT_FALSE(should_retry(1, p, false, std::nullopt));  // a plain POST is never repeated
  EXPECT_FALSE(should_retry(3, p, true, 503));            // out of attempts
}

TEST(GatewayRateLimit, EachKeyGetsItsOwnBurstThenRefusesWithAWait) {
  KeyRateLimiter limiter(10.0, 3.0);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.admit("a", t0));
  const auto wait = limiter.admit("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, 0ns);
  EXPECT_LE(*wait, 100ms);
  EXPECT_FALSE(limiter.admit("b", t0));          // another key is unaffected
  EXPECT_FALSE(limiter.admit("a", t0 + 100ms));  // refilled one token at 10/s
  EXPECT_TRUE(limiter.admit("a", t0 + 100ms));
}

TEST(GatewayRateLimit, ForgetsQuietKeysWhenTheMapIsFull) {
  KeyRateLimiter limiter(10.0, 2.0, 2);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  limiter.admit("a", t0);
  limiter.admit("b", t0);
  limiter.admit("c", t0 + 10s);  // a and b are full again: evicted
  EXPECT_LE(limiter.tracked_keys(), 2U);
}

}  // namespace
}  // namespace gauntlet::mocks

#include "gauntlet/mocks/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
const std::chrono::steady_clock::time_point kT0{std::chrono::hours(1)};

CircuitBreakerOptions options() {
  CircuitBreakerOptions o;
  o.failure_threshold = 3;
  o.open_duration = 2s;
  o.half_open_max_calls = 1;
  o.success_threshold = 2;
  return o;
}

void fail_n(CircuitBreaker& b, int n, std::chrono::steady_clock::time_point t) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.allow(t));
    b.record_failure(t);
  }
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker b(options());
  fail_n(b, 2, kT0);
  b.record_success(kT0);  // resets the streak
  fail_n(b, 2, kT0);
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);
  fail_n(b, 1, kT0);
  EXPECT_EQ(b.state(kT0), BreakerState::kOpen);
  EXPECT_FALSE(b.allow(kT0 + 1s));
  EXPECT_EQ(b.retry_after(kT0 + 500ms), 1500ms);
  EXPECT_EQ(b.times_opened(), 1u);
}

TEST(CircuitBreaker, HalfOpenAfterOpenDurationAdmitsLimitedProbes) {
  CircuitBreaker b(options());
  fail_n(b, 3, kT0);
  EXPECT_EQ(b.state(kT0 + 1999ms), BreakerState::kOpen);
  EXPECT_EQ(b.state(kT0 + 2s), BreakerState::kHalfOpen);
  EXPECT_TRUE(b.allow(kT0 + 2s));
  EXPECT_FALSE(b.allow(kT0 + 2s));  // the one probe slot is taken
}

TEST(CircuitBreaker, ClosesAfterEnoughProbeSuccesses) {
  CircuitBreaker b(options());
  fail_n(b, 3, kT0);
  const auto t = kT0 + 2s;
  ASSERT_TRUE(b.allow(t));
  b.record_success(t);
  EXPECT_EQ(b.state(t), BreakerState::kHalfOpen);  // 1 of 2 successes
  ASSERT_TRUE(b.allow(t));
  b.record_success(t);
  EXPECT_EQ(b.state(t), BreakerState::kClosed);
  EXPECT_TRUE(b.allow(t));
}

TEST(CircuitBreaker, ProbeFailureReopensAndRestartsTheTimer) {
  CircuitBreaker b(options());
  fail_n(b, 3, kT0);
  const auto t = kT0 + 3s;
  ASSERT_TRUE(b.allow(t));
  b.record_failure(t);
  EXPECT_EQ(b.state(t), BreakerState::kOpen);
  EXPECT_EQ(b.state(t + 1999ms), BreakerState::kOpen);
  EXPECT_EQ(b.state(t + 2s), BreakerState::kHalfOpen);
  EXPECT_EQ(b.times_opened(), 2u);
}

TEST(CircuitBreaker, StateNamesAreTheMetricLabels) {
  EXPECT_EQ(to_string(BreakerState::kClosed), "closed");
  EXPECT_EQ(to_string(BreakerState::kOpen), "open");
  EXPECT_EQ(to_string(BreakerState::kHalfOpen), "half_open");
}

TEST(CircuitBreaker, RejectsZeroThresholdsNamingEach) {
  CircuitBreakerOptions o;
  o.failure_threshold = 0;
  o.success_threshold = 0;
  o.half_open_max_calls = 0;
  o.open_duration = 0s;
  try {
    CircuitBreaker b(o);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 4u);
  }
}

}  // namespace
}  // namespace gauntlet::mocks

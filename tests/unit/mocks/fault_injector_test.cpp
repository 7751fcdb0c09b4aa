#include "gauntlet/mocks/fault_injector.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
const std::chrono::steady_clock::time_point kT0{std::chrono::hours(1)};

// FaultInjector holds a mutex, so it is neither copied nor moved: tests hold it by pointer.
std::unique_ptr<FaultInjector> with(const json& knobs, std::uint64_t seed = 1) {
  auto f = std::make_unique<FaultInjector>(seed);
  f->set(FaultConfig::from_json(knobs, FaultConfig{}), kT0);
  return f;
}

TEST(FaultInjector, NoKnobsNoFaults) {
  FaultInjector f(1);
  const FaultDecision d = f.decide(kT0);
  EXPECT_FALSE(d.crash || d.drop || d.error_status.has_value());
  EXPECT_EQ(d.delay, 0ms);
}

TEST(FaultInjector, StallHoldsRequestsUntilTheWindowEnds) {
  auto f = with({{"stall_ms", 300}, {"period_ms", 1000}});
  EXPECT_EQ(f->decide(kT0).delay, 300ms);
  EXPECT_EQ(f->decide(kT0 + 250ms).delay, 50ms);
  EXPECT_EQ(f->decide(kT0 + 300ms).delay, 0ms);
  EXPECT_EQ(f->decide(kT0 + 999ms).delay, 0ms);
  const FaultDecision next = f->decide(kT0 + 2100ms);  // the third window
  EXPECT_EQ(next.delay, 200ms);
  EXPECT_TRUE(next.stalled);
}

TEST(FaultInjector, LatencyPlusJitterStaysInRange) {
  auto f = with({{"latency_ms", 20}, {"jitter_ms", 10}});
  for (int i = 0; i < 200; ++i) {
    const auto d = f->decide(kT0).delay;
    ASSERT_GE(d, 20ms);
    ASSERT_LE(d, 30ms);
  }
}

TEST(FaultInjector, ErrorRateIsHonouredRoughlyAndExactlyAtTheEnds) {
  auto all = with({{"error_rate", 1.0}, {"error_status", 503}});
  for (int i = 0; i < 100; ++i) ASSERT_EQ(all->decide(kT0).error_status, 503);
  auto half = with({{"error_rate", 0.5}}, 99);
  int errors = 0;
  for (int i = 0; i < 2000; ++i) errors += half->decide(kT0).error_status.has_value() ? 1 : 0;
  EXPECT_GT(errors, 850);  // binomial(2000, 0.5): +-150 is > 6 sigma
  EXPECT_LT(errors, 1150);
}

TEST(FaultInjector, CrashAfterCountsFromTheLastSet) {
  auto f = with({{"crash_after", 2}});
  EXPECT_FALSE(f->decide(kT0).crash);
  EXPECT_FALSE(f->decide(kT0).crash);
  EXPECT_TRUE(f->decide(kT0).crash);
  f->set(FaultConfig::from_json({{"crash_after", 1}}, FaultConfig{}), kT0);
  EXPECT_FALSE(f->decide(kT0).crash);
  EXPECT_TRUE(f->decide(kT0).crash);
}

TEST(FaultInjector, FromJsonReportsEveryBadKnob) {
  try {
    FaultConfig::from_json({{"error_status", 200}, {"stall_ms", 10}, {"drop_rate", -0.1}, {"x", 1}},
                           FaultConfig{});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 4u) << e.what();
  }
}

TEST(FaultInjector, ConfigRoundTripsThroughJson) {
  const FaultConfig c = FaultConfig::from_json({{"latency_ms", 5},
                                                {"error_rate", 0.25},
                                                {"stall_ms", 10},
                                                {"period_ms", 100},
                                                {"crash_after", 9}},
                                               FaultConfig{});
  const FaultConfig back = FaultConfig::from_json(c.to_json(), FaultConfig{});
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_TRUE(back.any());
}

}  // namespace
}  // namespace gauntlet::mocks

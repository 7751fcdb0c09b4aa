#include "gauntlet/load/arrival_schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

std::vector<nanoseconds> all_arrivals(const RateProfile& profile) {
  ArrivalSchedule schedule(profile);
  std::vector<nanoseconds> out;
  while (auto t = schedule.next()) out.push_back(*t);
  return out;
}

// Arrivals with from <= t < to.
std::int64_t count_in(const std::vector<nanoseconds>& arrivals, nanoseconds from, nanoseconds to) {
  std::int64_t n = 0;
  for (nanoseconds t : arrivals) n += (t >= from && t < to) ? 1 : 0;
  return n;
}

TEST(ArrivalSchedule, Constant100PerSecondFor10SecondsIs1000ArrivalsEvery10ms) {
  const auto arrivals = all_arrivals(ConstantRate{100, 10s});
  ASSERT_EQ(arrivals.size(), 1000u);
  for (std::size_t k = 0; k < arrivals.size(); ++k) {
    ASSERT_EQ(arrivals[k], nanoseconds(10ms) * static_cast<std::int64_t>(k)) << "arrival " << k;
  }
}

TEST(ArrivalSchedule, ConstantMillionPerSecondIsExactToTheMicrosecond) {
  const auto arrivals = all_arrivals(ConstantRate{1e6, 1s});
  ASSERT_EQ(arrivals.size(), 1'000'000u);
  EXPECT_EQ(arrivals[1], 1us);
  EXPECT_EQ(arrivals[999'999], 999'999us);
  EXPECT_EQ(count_in(arrivals, 250ms, 500ms), 250'000);
}

TEST(ArrivalSchedule, RampFromZeroTo100Over10SecondsIs500Arrivals) {
  const auto arrivals = all_arrivals(RampRate{0, 100, 10s});
  ASSERT_EQ(arrivals.size(), 500u);
  // A(t) = 5 t^2: arrival k is at sqrt(k / 5) s.
  EXPECT_EQ(arrivals[0], 0s);
  EXPECT_EQ(arrivals[5], 1s);
  EXPECT_EQ(arrivals[20], 2s);
  EXPECT_EQ(count_in(arrivals, 0s, 5s), 125);
  EXPECT_EQ(count_in(arrivals, 5s, 10s), 375);
}

TEST(ArrivalSchedule, RampDownMirrorsRampUp) {
  const auto arrivals = all_arrivals(RampRate{100, 0, 10s});
  ASSERT_EQ(arrivals.size(), 500u);
  EXPECT_EQ(count_in(arrivals, 0s, 5s), 375);
  EXPECT_EQ(arrivals[0], 0s);
  // 100 t - 5 t^2 = 1: t = 2 / (100 + sqrt(9980)) s.
  EXPECT_EQ(arrivals[1], 10'005'005ns);
}

TEST(ArrivalSchedule, StepAtZeroDelaysTheFirstArrival) {
  const auto arrivals = all_arrivals(StepsRate{{{0, 1s}, {10, 1s}, {0, 1s}, {20, 500ms}}});
  ASSERT_EQ(arrivals.size(), 20u);
  EXPECT_EQ(arrivals[0], 1s);
  EXPECT_EQ(arrivals[9], 1900ms);
  EXPECT_EQ(arrivals[10], 3s);  // the 0/s step makes none
  EXPECT_EQ(arrivals[19], 3450ms);
}

TEST(ArrivalSchedule, BurstPutsItsBurstAtTheEndOfEachPeriod) {
  const auto arrivals = all_arrivals(BurstRate{10, 100, 1s, 5s, 10s});
  ASSERT_EQ(arrivals.size(), 280u);  // 2 x (4s x 10/s + 1s x 100/s)
  EXPECT_EQ(count_in(arrivals, 0s, 4s), 40);
  EXPECT_EQ(count_in(arrivals, 4s, 5s), 100);
  EXPECT_EQ(count_in(arrivals, 5s, 9s), 40);
  EXPECT_EQ(count_in(arrivals, 9s, 10s), 100);
}

TEST(ArrivalSchedule, BurstTruncatedByItsDurationEndsMidPeriod) {
  const auto arrivals = all_arrivals(BurstRate{10, 100, 1s, 5s, 7s});
  EXPECT_EQ(arrivals.size(), 160u);  // 4s x 10 + 1s x 100 + 2s x 10
}

TEST(ArrivalSchedule, WaveIntegratesTheSinusoid) {
  const auto arrivals = all_arrivals(WaveRate{100, 50, 10s, 10s});
  // Whole periods average the mean: 1000. The first half-period adds 50 x 10 / pi.
  EXPECT_EQ(arrivals.size(), 1000u);
  EXPECT_EQ(count_in(arrivals, 0s, 5s), 660);  // ceil(500 + 159.15)
  EXPECT_EQ(count_in(arrivals, 5s, 10s), 340);
  EXPECT_EQ(arrivals[0], 0s);
}

TEST(ArrivalSchedule, SpikeFollowsBaselinePeakBaseline) {
  const auto arrivals = all_arrivals(SpikeRate{10, 100, 2s, 1s, 2s, 1s, 2s});
  ASSERT_EQ(arrivals.size(), 350u);  // 20 + 55 + 200 + 55 + 20
  EXPECT_EQ(count_in(arrivals, 0s, 2s), 20);
  EXPECT_EQ(count_in(arrivals, 2s, 3s), 55);
  EXPECT_EQ(count_in(arrivals, 3s, 5s), 200);
  EXPECT_EQ(count_in(arrivals, 5s, 6s), 55);
  EXPECT_EQ(count_in(arrivals, 6s, 8s), 20);
}

TEST(ArrivalSchedule, OffsetsNeverDecrease) {
  for (const RateProfile& profile : {RateProfile(ChaosRate{0, 500, 200, 100ms, 10s, 7}),
                                     RateProfile(WaveRate{300, 300, 3s, 10s}),
                                     RateProfile(SpikeRate{0, 400, 0s, 1s, 1s, 1s, 0s})}) {
    const auto arrivals = all_arrivals(profile);
    ASSERT_FALSE(arrivals.empty()) << profile.describe();
    for (std::size_t k = 1; k < arrivals.size(); ++k) {
      ASSERT_LE(arrivals[k - 1], arrivals[k]) << profile.describe() << " arrival " << k;
    }
    EXPECT_LT(arrivals.back(), profile.duration());
  }
}

TEST(ArrivalSchedule, ChaosIsReproducibleFromItsSeed) {
  const ChaosRate chaos{10, 100, 30, 100ms, 10s, 42};
  EXPECT_EQ(all_arrivals(chaos), all_arrivals(chaos));
  ChaosRate other = chaos;
  other.seed = 43;
  EXPECT_NE(all_arrivals(chaos), all_arrivals(other));
}

TEST(ArrivalSchedule, ChaosWalksWithinItsBounds) {
  const ChaosRate chaos{10, 100, 30, 100ms, 60s, 1234};
  const RateCurve curve{RateProfile(chaos)};
  double lowest = 1e9, highest = 0;
  int changes = 0;
  double previous = curve.rate_at(0s);
  EXPECT_EQ(previous, 55);  // starts in the middle of the band
  for (nanoseconds t = 0s; t < 60s; t += 100ms) {
    const double rate = curve.rate_at(t);
    ASSERT_GE(rate, 10);
    ASSERT_LE(rate, 100);
    ASSERT_LE(std::abs(rate - previous), 30 + 1e-9);
    lowest = std::min(lowest, rate);
    highest = std::max(highest, rate);
    changes += rate != previous ? 1 : 0;
    previous = rate;
  }
  EXPECT_GT(changes, 500);          // it moves every interval
  EXPECT_GT(highest - lowest, 45);  // and wanders over most of the band
}

TEST(ArrivalSchedule, ChaosStepWiderThanTheBandStaysInside) {
  const RateCurve curve{RateProfile(ChaosRate{10, 20, 1000, 10ms, 10s, 9})};
  for (nanoseconds t = 0s; t < 10s; t += 10ms) {
    ASSERT_GE(curve.rate_at(t), 10);
    ASSERT_LE(curve.rate_at(t), 20);
  }
}

TEST(ArrivalSchedule, CountsEmittedArrivals) {
  ArrivalSchedule schedule(ConstantRate{2, 2s});
  EXPECT_EQ(schedule.next(), 0s);
  EXPECT_EQ(schedule.next(), 500ms);
  EXPECT_EQ(schedule.emitted(), 2);
  EXPECT_EQ(schedule.next(), 1s);
  EXPECT_EQ(schedule.next(), 1500ms);
  EXPECT_EQ(schedule.next(), std::nullopt);
  EXPECT_EQ(schedule.emitted(), 4);
}

TEST(ArrivalSchedule, InvalidProfileThrowsEveryProblem) {
  try {
    ArrivalSchedule schedule(RampRate{-1, -1, 0s});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3u);
  }
}

TEST(RateCurve, RateAndIntegralAgree) {
  const RateCurve ramp{RateProfile(RampRate{0, 100, 10s})};
  EXPECT_DOUBLE_EQ(ramp.rate_at(5s), 50);
  EXPECT_DOUBLE_EQ(ramp.rate_at(10s), 0);  // outside [0, duration)
  EXPECT_DOUBLE_EQ(ramp.arrivals_by(5s), 125);
  EXPECT_DOUBLE_EQ(ramp.total_arrivals(), 500);
  EXPECT_DOUBLE_EQ(ramp.mean_rate_per_s(), 50);
  const RateCurve spike{RateProfile(SpikeRate{10, 100, 2s, 1s, 2s, 1s, 2s})};
  EXPECT_DOUBLE_EQ(spike.rate_at(2500ms), 55);
  EXPECT_DOUBLE_EQ(spike.rate_at(4s), 100);
  EXPECT_DOUBLE_EQ(spike.rate_at(7s), 10);
  const RateCurve wave{RateProfile(WaveRate{100, 50, 4s, 8s})};
  EXPECT_NEAR(wave.rate_at(1s), 150, 1e-9);
  EXPECT_NEAR(wave.rate_at(3s), 50, 1e-9);
  EXPECT_NEAR(wave.total_arrivals(), 800, 1e-9);
}

}  // namespace
}  // namespace gauntlet

// The harness measured against in-process targets whose latency is known: proof that the numbers
// gauntlet reports can be trusted. Labels: stress, selftest.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/load/closed_model.hpp"
#include "gauntlet/load/open_model.hpp"

using namespace std::chrono_literals;

namespace gauntlet {
namespace {

class SelfTest : public StressFixture {};

// Exact order statistic of the samples (nearest rank), in microseconds.
double exact_percentile_us(std::vector<double> samples_us, double percentile) {
  const auto rank = static_cast<std::size_t>(
      std::ceil(percentile / 100.0 * static_cast<double>(samples_us.size())));
  const std::size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(samples_us.begin(), samples_us.begin() + static_cast<std::ptrdiff_t>(index),
                   samples_us.end());
  return samples_us[index];
}

// The target sleeps a seeded log-normal time (median about 3 ms) and measures, independently of
// the harness, how long it really took; the harness's step percentiles must match that ground
// truth within 2%.
TEST_F(SelfTest, ReportedPercentilesMatchGroundTruthWithin2Percent) {
  const auto vus = param("vus", {4, 8, 32}, 1, 1000);
  const auto iterations = param("iterations", {1'500, 10'000, 100'000}, 100, 10'000'000);
  std::vector<std::vector<double>> truth_us(static_cast<std::size_t>(vus));
  std::vector<std::mt19937_64> rngs;
  for (std::int64_t v = 0; v < vus; ++v) rngs.emplace_back(1234 + v);

  const Plan plan{.name = "ground-truth",
                  .model = ClosedModel{.vus = vus, .iterations = iterations},
                  .thresholds = {"work: error_rate==0"}};
  const auto result = run(plan, [&](IterationContext& ctx) {
    auto& rng = rngs[static_cast<std::size_t>(ctx.vu_id())];
    const double sleep_us = std::exp(std::normal_distribution<double>(std::log(3000.0), 0.6)(rng));
    ctx.step("work", [&] {
      const auto begin = std::chrono::steady_clock::now();
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<std::int64_t>(sleep_us)));
      const auto elapsed = std::chrono::steady_clock::now() - begin;
      truth_us[static_cast<std::size_t>(ctx.vu_id())].push_back(
          std::chrono::duration<double, std::micro>(elapsed).count());
    });
  });

  std::vector<double> all;
  for (const auto& v : truth_us) all.insert(all.end(), v.begin(), v.end());
  const auto* work = result.metrics.find("work");
  ASSERT_NE(work, nullptr);
  ASSERT_EQ(work->latency.total_count(), static_cast<std::int64_t>(all.size()));
  for (const double pct : {50.0, 90.0, 95.0, 99.0}) {
    const double exact = exact_percentile_us(all, pct);
    const auto reported = static_cast<double>(work->latency.value_at_percentile(pct));
    EXPECT_NEAR(reported, exact, exact * 0.02) << "p(" << pct << ")";
  }
}

// Constant open-model arrival rates: the executor starts what the plan asks, on time.
TEST_F(SelfTest, OpenModelAchievesThePlannedRateWithin1Percent) {
  const auto duration = param("duration", {2s, 5s, 30s}, 1s, 1h);
  for (const double rate : {1'000.0, 5'000.0, 20'000.0}) {
    const Plan plan{.name = "rate-" + std::to_string(static_cast<int>(rate)),
                    .model = OpenModel{.profile = ConstantRate{rate, duration},
                                       .pre_allocated_vus = 8,
                                       .max_vus = 64},
                    .thresholds = {"dropped==0", "error_rate==0"}};
    const auto result =
        run(plan, [](IterationContext&) {}, {.label = std::to_string(static_cast<int>(rate))});
    EXPECT_NEAR(result.achieved_rate_per_s, rate, rate * 0.01) << "at " << rate << "/s";
    const auto planned = static_cast<std::int64_t>(
        std::llround(rate * std::chrono::duration<double>(duration).count()));
    EXPECT_EQ(result.metrics.iteration.total() + result.metrics.dropped, planned);
  }
}

// A target that stalls for 1 s every 5 s, everything arriving during a stall waits for its end.
class StallingTarget {
 public:
  explicit StallingTarget(std::chrono::steady_clock::time_point origin) : origin_(origin) {}
  void call() const {
    const auto now = std::chrono::steady_clock::now();
    const auto phase = (now - origin_) % kPeriod;
    if (phase >= kPeriod - kStall) std::this_thread::sleep_until(now + (kPeriod - phase));
    std::this_thread::sleep_for(1ms);
  }
  static constexpr std::chrono::nanoseconds kPeriod = 5s;
  static constexpr std::chrono::nanoseconds kStall = 1s;

 private:
  std::chrono::steady_clock::time_point origin_;
};

// Coordinated omission: at a constant 200/s the open model measures every arrival that waited
// through a stall from its intended start, so p99 shows the stall (>= 800 ms). The closed model
// with 10 users only sees 10 slow iterations per stall among thousands of fast ones: its p99
// looks healthy. Both figures go to the JUnit XML as properties and into each run's result.
TEST_F(SelfTest, OpenModelReportsStallsThatTheClosedModelHides) {
  const auto duration = param("stall_duration", {10s, 20s, 60s}, 10s, 1h);
  const Plan open_plan{.name = "stall-open",
                       .model = OpenModel{.profile = ConstantRate{200, duration},
                                          .pre_allocated_vus = 50,
                                          .max_vus = 400},
                       .thresholds = {}};
  const StallingTarget open_target(std::chrono::steady_clock::now());
  const auto open =
      run(open_plan, [&](IterationContext& ctx) { ctx.step("call", [&] { open_target.call(); }); },
          {.label = "open"});

  const Plan closed_plan{.name = "stall-closed",
                         .model = ClosedModel{.vus = 10, .duration = duration},
                         .thresholds = {}};
  const StallingTarget closed_target(std::chrono::steady_clock::now());
  const auto closed = run(
      closed_plan, [&](IterationContext& ctx) { ctx.step("call", [&] { closed_target.call(); }); },
      {.label = "closed"});

  const auto open_p99 = open.metrics.iteration.latency.value_at_percentile(99);
  const auto closed_p99 = closed.metrics.iteration.latency.value_at_percentile(99);
  RecordProperty("open_p99_us", std::to_string(open_p99));
  RecordProperty("closed_p99_us", std::to_string(closed_p99));
  std::cout << "coordinated omission: open-model p99 " << open_p99 << " us, closed-model p99 "
            << closed_p99 << " us\n";
  EXPECT_GE(open_p99, 800'000) << "the open model must see the 1 s stalls";
  EXPECT_LT(closed_p99 * 4, open_p99) << "the closed model under-reports the stalls";
}

}  // namespace
}  // namespace gauntlet

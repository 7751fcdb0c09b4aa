#include "gauntlet/report/result_merge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "gauntlet/metrics/recorder.hpp"
#include "gauntlet/metrics/threshold.hpp"
#include "gauntlet/report/json_reporter.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const auto kStart = std::chrono::steady_clock::time_point{} + 100s;
const auto kWallStart = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

// Records iterations `i` of a fixed sequence (latency, step, error, time) for which pick(i) is
// true into one Recorder, and returns the result as a process would write it (JSON round trip).
template <class Pick>
RunResult record_part(Pick pick) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(7.5, 0.6);  // ~2 ms, long tail
  for (int i = 0; i < 6000; ++i) {
    const auto us = std::chrono::microseconds(static_cast<std::int64_t>(latency(rng)));
    const auto at = kStart + std::chrono::milliseconds(i);  // 6 seconds
    const bool fails = i % 97 == 0;
    if (!pick(i)) continue;
    const std::optional<ErrorClass> error =
        fails ? std::optional(ErrorClass::kHttp5xx) : std::nullopt;
    shard.record_step("call", us, error, at);
    if (fails) shard.record_error_message("", ErrorClass::kHttp5xx, "503");
    shard.record_iteration(us, error, at);
    shard.add_count("rows", 1);
  }
  recorder.sample_active_vus(kStart, pick(0) && pick(1) ? 4 : 2);
  FinishedRun run;
  run.name = "Merge.Halves";
  run.scale = "smoke";
  run.started_at = kWallStart;
  run.ended_at = kWallStart + 6s;
  run.load_duration = 6s;
  run.metrics = recorder.finish();
  const std::vector<Threshold> thresholds =
      parse_thresholds({"p(95)<3ms", "rows>100"}, {{{"rows", MetricKind::kCounter}}});
  return run_result_from_json(to_json(assemble_result(std::move(run), thresholds)));
}

// The acceptance test of `gauntlet report merge`: two processes that each recorded half of the
// iterations merge into exactly what one process recording all of them holds.
TEST(ResultMerge, TheMergeOfTwoHalvesEqualsOneProcessesResult) {
  const RunResult whole = record_part([](int) { return true; });
  const RunResult halves[] = {record_part([](int i) { return i % 2 == 0; }),
                              record_part([](int i) { return i % 2 == 1; })};
  const RunResult merged = merge_results(halves);

  EXPECT_EQ(merged.metrics.iteration.latency, whole.metrics.iteration.latency);
  EXPECT_EQ(merged.metrics.iteration.ok, whole.metrics.iteration.ok);
  EXPECT_EQ(merged.metrics.iteration.failed, whole.metrics.iteration.failed);
  const auto e5xx = static_cast<std::size_t>(ErrorClass::kHttp5xx);
  EXPECT_EQ(merged.metrics.iteration.errors[e5xx].count,
            whole.metrics.iteration.errors[e5xx].count);
  ASSERT_EQ(merged.metrics.steps.size(), 1u);
  EXPECT_EQ(merged.metrics.steps[0].latency, whole.metrics.steps[0].latency);
  EXPECT_EQ(merged.metrics.steps[0].total(), whole.metrics.steps[0].total());
  ASSERT_EQ(merged.metrics.series.size(), whole.metrics.series.size());
  for (std::size_t s = 0; s < whole.metrics.series.size(); ++s) {
    const SeriesPoint& m = merged.metrics.series[s];
    const SeriesPoint& w = whole.metrics.series[s];
    EXPECT_EQ(m.completed, w.completed) << "second " << s;
    EXPECT_EQ(m.failed, w.failed) << "second " << s;
    ASSERT_TRUE(m.latency && w.latency);
    EXPECT_EQ(*m.latency, *w.latency) << "second " << s;
    EXPECT_EQ(m.p99_us, w.p99_us) << "second " << s;
  }
  EXPECT_EQ(merged.metrics.series[0].active_vus, 4);  // 2 users in each process
  ASSERT_EQ(merged.metrics.counters.size(), 1u);
  EXPECT_EQ(merged.metrics.counters[0].value, 6000);
  // Thresholds judged again on the merged data: the counter passes only once both halves add up.
  ASSERT_EQ(merged.thresholds.size(), 2u);
  EXPECT_EQ(merged.thresholds[0].measured, whole.thresholds[0].measured);
  EXPECT_EQ(merged.thresholds[1].measured, 6000);
  EXPECT_EQ(merged.extra["merged_from"], 2);
}

TEST(ResultMerge, AlignsSeriesByWallTime) {
  RunResult a = record_part([](int i) { return i < 3000; });
  RunResult b = a;
  b.started_at += 2s;
  const RunResult merged = merge_results(std::vector<RunResult>{a, b});
  ASSERT_EQ(merged.metrics.series.size(), a.metrics.series.size() + 2);
  EXPECT_EQ(merged.metrics.series[0].completed, a.metrics.series[0].completed);
  EXPECT_EQ(merged.metrics.series[2].completed,
            a.metrics.series[2].completed + b.metrics.series[0].completed);
}

// Counts add up; the monitor's leak figures (a slope, a ratio, a difference of rates) do not:
// two processes each at p99_drift 1.2 are not a run drifting 2.4.
TEST(ResultMerge, CountsAddUpButLeakFiguresKeepTheLargest) {
  RunResult a = record_part([](int i) { return i % 2 == 0; });
  RunResult b = record_part([](int i) { return i % 2 == 1; });
  a.metrics.figures = {{"lost", 1, {"a-1"}},
                       {"p99_drift", 1.2, {}},
                       {"error_rate_drift", 0.004, {}},
                       {"rss_slope.generator", 3, {}}};
  b.metrics.figures = {{"lost", 2, {"b-1"}},
                       {"p99_drift", 1.5, {}},
                       {"error_rate_drift", 0.001, {}},
                       {"rss_slope.generator", 2, {}}};
  const RunResult merged = merge_results(std::vector<RunResult>{a, b});
  const auto value = [&](std::string_view name) {
    const Figure* f = merged.metrics.find_figure(name);
    return f ? f->value : -1;
  };
  EXPECT_EQ(value("lost"), 3);
  EXPECT_EQ(value("p99_drift"), 1.5);
  EXPECT_EQ(value("error_rate_drift"), 0.004);
  EXPECT_EQ(value("rss_slope.generator"), 3);
}

TEST(ResultMerge, RefusesResultsOfAnotherTestOrScale) {
  const RunResult a = record_part([](int i) { return i < 10; });
  RunResult other = a;
  other.name = "Merge.Other";
  try {
    merge_results(std::vector<RunResult>{a, other});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("input 2 (Merge.Other) is another test than input 1"));
  }
  RunResult bigger = a;
  bigger.scale = "ci";
  EXPECT_THROW(merge_results(std::vector<RunResult>{a, bigger}), std::invalid_argument);
  EXPECT_THROW(merge_results(std::vector<RunResult>{}), std::invalid_argument);
}

}  // namespace
}  // namespace gauntlet

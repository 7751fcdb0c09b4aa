#include "gauntlet/metrics/recorder.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

// An arbitrary fake start: nothing here reads a real clock.
const TimePoint kStart = TimePoint{} + 1000s;
constexpr HistogramLayout kSecondLayout{1, 3'600'000'000, 2};
constexpr std::array<std::string_view, 3> kSteps = {"login", "browse", "checkout"};

struct Call {
  bool iteration = false;  // else a step
  std::string_view step;
  std::chrono::nanoseconds latency{};
  std::optional<ErrorClass> error;
  TimePoint completed_at;
};

// Thread `thread`'s deterministic calls: iterations of three back-to-back steps (0.1..20 ms each),
// then the iteration itself; about 30 s of fake time for 1000 iterations.
std::vector<Call> script(int thread, int iterations) {
  std::vector<Call> calls;
  TimePoint cursor = kStart + thread * 1ms;
  for (int i = 0; i < iterations; ++i) {
    const TimePoint began = cursor;
    std::optional<ErrorClass> iteration_error;
    for (std::size_t s = 0; s < kSteps.size(); ++s) {
      const int k = thread * 7919 + i * 3 + static_cast<int>(s);
      const std::chrono::microseconds latency{100 + (k * 7877) % 20000};
      std::optional<ErrorClass> error;
      if (k % 11 == 0) error = ErrorClass::kHttp5xx;
      if (k % 13 == 0) error = ErrorClass::kTimeout;
      cursor += latency;
      calls.push_back({false, kSteps[s], latency, error, cursor});
      if (error && !iteration_error) iteration_error = error;
    }
    calls.push_back({true, {}, cursor - began, iteration_error, cursor});
  }
  return calls;
}

void play(const std::vector<Call>& calls, RecorderShard& shard) {
  for (const Call& c : calls) {
    if (c.iteration) {
      shard.record_iteration(c.latency, c.error, c.completed_at);
    } else {
      shard.record_step(c.step, c.latency, c.error, c.completed_at);
      if (c.error)
        shard.record_error_message(c.step, *c.error, "status from " + std::string(c.step));
    }
  }
}

void expect_same_series(const std::vector<SeriesPoint>& a, const std::vector<SeriesPoint>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("second " + std::to_string(i));
    EXPECT_EQ(a[i].second, b[i].second);
    EXPECT_EQ(a[i].completed, b[i].completed);
    EXPECT_EQ(a[i].failed, b[i].failed);
    EXPECT_EQ(a[i].dropped, b[i].dropped);
    EXPECT_EQ(a[i].rps, b[i].rps);
    EXPECT_EQ(a[i].p50_us, b[i].p50_us);
    EXPECT_EQ(a[i].p95_us, b[i].p95_us);
    EXPECT_EQ(a[i].p99_us, b[i].p99_us);
    EXPECT_EQ(a[i].active_vus, b[i].active_vus);
  }
}

// The exact figures, counted from the scripts without the recorder.
void expect_counts_from_scripts(const RunMetrics& merged,
                                const std::vector<std::vector<Call>>& scripts) {
  std::int64_t runs = 0;
  for (const auto& calls : scripts) {
    runs += static_cast<std::int64_t>(calls.size() / (kSteps.size() + 1));  // 3 steps + 1 iteration
  }
  std::map<std::string_view, std::array<std::int64_t, kErrorClassCount>> errors;
  std::int64_t iteration_failed = 0;
  for (const auto& calls : scripts) {
    for (const Call& c : calls) {
      if (c.iteration && c.error) ++iteration_failed;
      if (!c.iteration && c.error) ++errors[c.step][static_cast<std::size_t>(*c.error)];
    }
  }
  for (const StepStats& s : merged.steps) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.total(), runs);
    EXPECT_EQ(s.latency.total_count(), runs);
    for (std::size_t c = 0; c < kErrorClassCount; ++c)
      EXPECT_EQ(s.errors[c].count, errors[s.name][c]);
    EXPECT_EQ(s.failed, errors[s.name][static_cast<std::size_t>(ErrorClass::kHttp5xx)] +
                            errors[s.name][static_cast<std::size_t>(ErrorClass::kTimeout)]);
  }
  EXPECT_EQ(merged.iteration.total(), runs);
  EXPECT_EQ(merged.iteration.failed, iteration_failed);
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  for (const SeriesPoint& p : merged.series) {
    completed += p.completed;
    failed += p.failed;
  }
  EXPECT_EQ(completed, runs);
  EXPECT_EQ(failed, iteration_failed);
}

TEST(Recorder, EightThreadsMergeToExactlyWhatOneThreadRecords) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 1000;
  std::vector<std::vector<Call>> scripts;
  for (int t = 0; t < kThreads; ++t) scripts.push_back(script(t, kIterations));

  Recorder parallel({kStart, 10});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { play(scripts[static_cast<std::size_t>(t)], parallel.make_shard()); });
  }
  for (std::thread& t : threads) t.join();
  const RunMetrics merged = parallel.finish();

  // One shard, the threads' calls one after the other: time jumps back at each thread boundary,
  // which exercises the shard's late-second path too.
  Recorder serial({kStart, 10});
  RecorderShard& only = serial.make_shard();
  for (const auto& calls : scripts) play(calls, only);
  const RunMetrics expected = serial.finish();

  ASSERT_EQ(merged.steps.size(), 3u);
  for (std::size_t s = 0; s < 3; ++s) {
    EXPECT_EQ(merged.steps[s].name, expected.steps[s].name);
    EXPECT_TRUE(merged.steps[s].latency == expected.steps[s].latency) << merged.steps[s].name;
    EXPECT_EQ(merged.steps[s].ok, expected.steps[s].ok);
    EXPECT_EQ(merged.steps[s].failed, expected.steps[s].failed);
  }
  EXPECT_TRUE(merged.iteration.latency == expected.iteration.latency);
  EXPECT_EQ(merged.iteration.ok, expected.iteration.ok);
  expect_same_series(merged.series, expected.series);

  expect_counts_from_scripts(merged, scripts);
  EXPECT_EQ(merged.iteration.total(), kThreads * kIterations);
}

TEST(Recorder, StepsComeInOrderOfFirstUseAcrossShards) {
  Recorder recorder({kStart, 10});
  RecorderShard& a = recorder.make_shard();
  RecorderShard& b = recorder.make_shard();
  a.record_step("search", 100ms, std::nullopt, kStart + 2s);    // started at 1.9 s
  a.record_step("checkout", 100ms, std::nullopt, kStart + 3s);  // started at 2.9 s
  b.record_step("login", 500ms, std::nullopt, kStart + 2s);     // started at 1.5 s
  b.record_step("search", 100ms, std::nullopt, kStart + 1s);    // started at 0.9 s
  // Same start on two shards: the name decides, so the order never depends on thread timing.
  a.record_step("zeta", 1s, std::nullopt, kStart + 6s);
  b.record_step("alpha", 1s, std::nullopt, kStart + 6s);
  const RunMetrics m = recorder.finish();
  std::vector<std::string> names;
  for (const StepStats& s : m.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"search", "login", "checkout", "alpha", "zeta"}));
  EXPECT_EQ(m.find("search")->ok, 2);
}

TEST(Recorder, CountsErrorsByClassAndKeepsFirstDistinctSamples) {
  Recorder recorder({kStart, 3});
  RecorderShard& a = recorder.make_shard();
  RecorderShard& b = recorder.make_shard();
  for (int i = 0; i < 5; ++i) a.record_step("upload", 1ms, ErrorClass::kHttp5xx, kStart + 1s);
  a.record_step("upload", 1ms, ErrorClass::kTimeout, kStart + 1s);
  a.record_step("upload", 1ms, std::nullopt, kStart + 1s);
  a.record_error_message("upload", ErrorClass::kHttp5xx, "503 busy");
  a.record_error_message("upload", ErrorClass::kHttp5xx, "503 busy");  // duplicate: dropped
  a.record_error_message("upload", ErrorClass::kHttp5xx, "500 oops");
  b.record_error_message("upload", ErrorClass::kHttp5xx, "500 oops");  // duplicate across shards
  b.record_error_message("upload", ErrorClass::kHttp5xx, "502 gateway");
  b.record_error_message("upload", ErrorClass::kHttp5xx, "504 late");  // over the limit of 3
  a.record_error_message("", ErrorClass::kAssertion, "checker said no");
  const RunMetrics m = recorder.finish();

  const StepStats* upload = m.find("upload");
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ(upload->ok, 1);
  EXPECT_EQ(upload->failed, 6);
  EXPECT_EQ(upload->errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)].count, 5);
  EXPECT_EQ(upload->errors[static_cast<std::size_t>(ErrorClass::kTimeout)].count, 1);
  EXPECT_EQ(upload->errors[static_cast<std::size_t>(ErrorClass::kConnect)].count, 0);
  EXPECT_EQ(upload->errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)].samples,
            (std::vector<std::string>{"503 busy", "500 oops", "502 gateway"}));
  EXPECT_DOUBLE_EQ(upload->error_rate(), 6.0 / 7.0);
  // Messages only sample; they never count as failures.
  EXPECT_EQ(m.iteration.failed, 0);
  EXPECT_EQ(m.iteration.errors[static_cast<std::size_t>(ErrorClass::kAssertion)].samples,
            (std::vector<std::string>{"checker said no"}));
}

TEST(Recorder, TrimsMessagesTo200BytesOfValidUtf8) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  shard.record_error_message("s", ErrorClass::kProtocol, std::string(500, 'x'));
  // 199 ASCII bytes then a 2-byte character: it would straddle byte 200, so it is left out.
  shard.record_error_message("s", ErrorClass::kProtocol, std::string(199, 'y') + "\xC3\xA9tail");
  shard.record_error_message("s", ErrorClass::kProtocol, "bad \xFF byte \xC3\xA9");
  const RunMetrics m = recorder.finish();
  const auto& samples =
      m.find("s")->errors[static_cast<std::size_t>(ErrorClass::kProtocol)].samples;
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0], std::string(200, 'x'));
  EXPECT_EQ(samples[1], std::string(199, 'y'));
  EXPECT_EQ(samples[2], "bad ? byte \xC3\xA9");
}

TEST(RecorderSeries, CountsEachSecondExactlyFillsGapsAndCarriesActiveVus) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  recorder.sample_active_vus(kStart + 200ms, 4);
  recorder.sample_active_vus(kStart + 800ms, 5);           // the last sample of second 0 wins
  shard.record_iteration(4ms, std::nullopt, kStart - 3s);  // before the start: second 0
  shard.record_iteration(1ms, std::nullopt, kStart + 100ms);
  shard.record_iteration(2ms, ErrorClass::kTimeout, kStart + 500ms);
  shard.record_iteration(3ms, std::nullopt, kStart + 999ms);
  shard.record_dropped(kStart - 1s);
  // Second 1: nothing at all. Second 2: 100 completions of 1..100 ms, every 10th failed.
  Histogram second2(kSecondLayout);
  for (int i = 1; i <= 100; ++i) {
    shard.record_iteration(i * 1ms,
                           i % 10 == 0 ? std::optional(ErrorClass::kHttp5xx) : std::nullopt,
                           kStart + 2s + i * 5ms);
    second2.record(i * 1000);
  }
  shard.record_dropped(kStart + 2500ms);
  shard.record_dropped(kStart + 2600ms);
  recorder.sample_active_vus(kStart + 2300ms, 8);
  recorder.sample_active_vus(kStart + 3400ms, 0);  // the run's last second: nothing completed
  const RunMetrics m = recorder.finish();

  ASSERT_EQ(m.series.size(), 4u);
  const SeriesPoint& s0 = m.series[0];
  EXPECT_EQ(s0.completed, 4);
  EXPECT_EQ(s0.failed, 1);
  EXPECT_EQ(s0.dropped, 1);
  EXPECT_EQ(s0.rps, 4.0);
  Histogram second0(kSecondLayout);
  for (int us : {4000, 1000, 2000, 3000}) second0.record(us);
  EXPECT_EQ(s0.p50_us, second0.value_at_percentile(50));
  EXPECT_NEAR(static_cast<double>(s0.p50_us), 2000.0, 20.0);  // 2 significant digits
  EXPECT_NEAR(static_cast<double>(s0.p99_us), 4000.0, 40.0);
  EXPECT_EQ(s0.active_vus, 5);

  const SeriesPoint& s1 = m.series[1];
  EXPECT_EQ(s1.second, 1);
  EXPECT_EQ(s1.completed + s1.failed + s1.dropped + s1.p50_us + s1.p99_us, 0);
  EXPECT_EQ(s1.rps, 0.0);
  EXPECT_EQ(s1.active_vus, 5);  // carried forward

  const SeriesPoint& s2 = m.series[2];
  EXPECT_EQ(s2.completed, 100);
  EXPECT_EQ(s2.failed, 10);
  EXPECT_EQ(s2.dropped, 2);
  EXPECT_EQ(s2.p50_us, second2.value_at_percentile(50));
  EXPECT_EQ(s2.p95_us, second2.value_at_percentile(95));
  EXPECT_EQ(s2.p99_us, second2.value_at_percentile(99));
  EXPECT_NEAR(static_cast<double>(s2.p50_us), 50'000.0, 500.0);
  EXPECT_NEAR(static_cast<double>(s2.p95_us), 95'000.0, 950.0);
  EXPECT_NEAR(static_cast<double>(s2.p99_us), 99'000.0, 990.0);
  EXPECT_EQ(s2.active_vus, 8);

  EXPECT_EQ(m.series[3].completed, 0);
  EXPECT_EQ(m.series[3].active_vus, 0);
  EXPECT_EQ(m.dropped, 3);
  EXPECT_EQ(m.iteration.total(), 104);
}

TEST(RecorderSeries, MergesTheSameSecondAcrossShardsExactly) {
  Recorder split({kStart, 10});
  Recorder whole({kStart, 10});
  RecorderShard& a = split.make_shard();
  RecorderShard& b = split.make_shard();
  RecorderShard& all = whole.make_shard();
  for (int i = 0; i < 300; ++i) {
    const auto latency = std::chrono::microseconds(500 + i * 997 % 40000);
    const TimePoint at = kStart + i * 10ms;  // 3 s of completions
    (i % 3 == 0 ? a : b).record_iteration(latency, std::nullopt, at);
    all.record_iteration(latency, std::nullopt, at);
  }
  const RunMetrics m = split.finish();
  expect_same_series(m.series, whole.finish().series);
  ASSERT_EQ(m.series.size(), 3u);
  EXPECT_EQ(m.series[1].completed, 100);
}

TEST(RecorderSeries, ACompletionEarlierThanTheShardsCurrentSecondCountsInItsOwnSecond) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  shard.record_iteration(5ms, std::nullopt, kStart + 3200ms);
  shard.record_iteration(7ms, ErrorClass::kException, kStart + 1500ms);
  shard.record_dropped(kStart + 1600ms);
  const RunMetrics m = recorder.finish();
  ASSERT_EQ(m.series.size(), 4u);
  EXPECT_EQ(m.series[1].completed, 1);
  EXPECT_EQ(m.series[1].failed, 1);
  EXPECT_EQ(m.series[1].dropped, 1);
  EXPECT_NEAR(static_cast<double>(m.series[1].p50_us), 7000.0, 70.0);
  EXPECT_EQ(m.series[3].completed, 1);
}

TEST(RecorderLive, SeesOnlySecondsThatEveryShardHasClosed) {
  Recorder recorder({kStart, 10});
  RecorderShard& a = recorder.make_shard();
  RecorderShard& b = recorder.make_shard();
  a.record_iteration(10ms, std::nullopt, kStart + 500ms);
  b.record_iteration(20ms, std::nullopt, kStart + 600ms);
  EXPECT_TRUE(recorder.live_series(kStart + 900ms).empty());
  a.record_iteration(10ms, std::nullopt, kStart + 1200ms);     // a closes second 0
  EXPECT_TRUE(recorder.live_series(kStart + 1300ms).empty());  // b has not
  b.record_iteration(30ms, std::nullopt, kStart + 2100ms);     // now b has
  const std::vector<SeriesPoint> live = recorder.live_series(kStart + 2200ms);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].completed, 2);
  EXPECT_NEAR(static_cast<double>(live[0].p99_us), 20'000.0, 200.0);

  // A shard that stops recording holds nothing back once its second is 2 s old.
  const std::vector<SeriesPoint> later = recorder.live_series(kStart + 5500ms);
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(later[0].completed, 2);
  // The final series has every completion, the still-open seconds included.
  const RunMetrics m = recorder.finish();
  ASSERT_EQ(m.series.size(), 3u);
  EXPECT_EQ(m.series[1].completed, 1);
  EXPECT_EQ(m.series[2].completed, 1);
}

TEST(RecorderLive, ReadingWhileShardsWriteLosesNothing) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  Recorder recorder({kStart, 10});
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      const std::vector<SeriesPoint> live = recorder.live_series(kStart + 3s);
      for (std::size_t i = 0; i < live.size(); ++i)
        ASSERT_EQ(live[i].second, static_cast<std::int64_t>(i));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&recorder] {
      RecorderShard& shard = recorder.make_shard();
      for (int i = 0; i < kPerThread; ++i) {
        shard.record_step("get", 1ms, std::nullopt, kStart + i * 2ms);
        shard.record_iteration(1ms, std::nullopt, kStart + i * 2ms);  // 10 s of fake time
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  reader.join();
  const RunMetrics m = recorder.finish();
  std::int64_t completed = 0;
  for (const SeriesPoint& p : m.series) completed += p.completed;
  EXPECT_EQ(completed, kThreads * kPerThread);
  EXPECT_EQ(m.find("get")->ok, kThreads * kPerThread);
}

TEST(RunMetrics, FindReturnsTheStepTheIterationOrNull) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  shard.record_step("upload", 3ms, std::nullopt, kStart + 1s);
  shard.record_iteration(4ms, std::nullopt, kStart + 1s);
  const RunMetrics m = recorder.finish();
  ASSERT_NE(m.find("upload"), nullptr);
  EXPECT_EQ(m.find("upload")->name, "upload");
  ASSERT_NE(m.find("iteration"), nullptr);
  EXPECT_EQ(m.find("iteration")->latency.max(), m.iteration.latency.max());
  EXPECT_EQ(m.find("download"), nullptr);
}

// Custom metrics merge exactly across threads: counters add, trends merge bucket by bucket, a
// gauge keeps the value set last in time (whichever thread set it) and the extremes of all.
TEST(RecorderCustomMetrics, MergeExactlyAcrossThreads) {
  Recorder recorder({kStart, 10});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&recorder, t] {
      RecorderShard& shard = recorder.make_shard();
      for (int i = 0; i < 1000; ++i) {
        shard.add_count("rows_written", 2);
        shard.record_trend("queue_wait", std::chrono::microseconds(100 + i));
      }
      shard.set_gauge("queue_depth", 10.0 * (t + 1), kStart + std::chrono::seconds(t));
    });
  }
  for (std::thread& th : threads) th.join();
  const RunMetrics m = recorder.finish();
  ASSERT_NE(m.find_counter("rows_written"), nullptr);
  EXPECT_EQ(m.find_counter("rows_written")->value, 8000);
  ASSERT_NE(m.find_trend("queue_wait"), nullptr);
  const Histogram& wait = m.find_trend("queue_wait")->values;
  EXPECT_EQ(wait.total_count(), 4000);
  EXPECT_EQ(wait.min(), 100);
  EXPECT_EQ(wait.max(), 1099);
  ASSERT_NE(m.find_gauge("queue_depth"), nullptr);
  const GaugeStats& depth = *m.find_gauge("queue_depth");
  EXPECT_EQ(depth.last, 40.0);  // set at kStart + 3s, the latest
  EXPECT_EQ(depth.min, 10.0);
  EXPECT_EQ(depth.max, 40.0);
  EXPECT_EQ(depth.sets, 4);
  EXPECT_EQ(m.find_counter("never"), nullptr);
}

TEST(RecorderCustomMetrics, AGaugeKeepsItsLastValueNotItsLargest) {
  Recorder recorder({kStart, 10});
  RecorderShard& shard = recorder.make_shard();
  shard.set_gauge("in_flight", 7, kStart + std::chrono::seconds(1));
  shard.set_gauge("in_flight", 2, kStart + std::chrono::seconds(2));
  const RunMetrics m = recorder.finish();
  EXPECT_EQ(m.find_gauge("in_flight")->last, 2.0);
  EXPECT_EQ(m.find_gauge("in_flight")->max, 7.0);
}

}  // namespace
}  // namespace gauntlet

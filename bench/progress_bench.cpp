// What the live progress line costs a virtual user: nothing on its hot path, by design (the
// supervising thread reads the recorder's complete seconds once a second). Shown by timing the
// recorder's hot path alone ("before": no progress) and with a reader taking the progress
// snapshot 1000 times more often than the real once a second ("after"). The figures of the
// two must be the same within the benchmark's noise.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gauntlet/load/progress.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

// A record a fake microsecond: a million a second per shard, so each second closes (and a live
// reader finds complete seconds) well inside the measurement. The fake time is published every
// 1024 records (in both benchmarks alike) for the reader.
void record_ops(benchmark::State& state, RecorderShard& shard,
                std::atomic<std::int64_t>& published_us) {
  TimePoint now{};
  std::int64_t i = 0;
  for (auto _ : state) {
    now += std::chrono::microseconds(1);
    shard.record_iteration(std::chrono::microseconds(200 + (i % 64) * 37), std::nullopt, now);
    if ((++i & 1023) == 0) published_us.store(i, std::memory_order_relaxed);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HotPathWithoutProgress(benchmark::State& state) {
  Recorder recorder({TimePoint{}, 10});
  std::atomic<std::int64_t> published_us{0};
  record_ops(state, recorder.make_shard(), published_us);
}
BENCHMARK(BM_HotPathWithoutProgress);

void BM_HotPathWithProgressEveryMs(benchmark::State& state) {
  Recorder recorder({TimePoint{}, 10});
  RecorderShard& shard = recorder.make_shard();
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> snapshots{0};
  std::atomic<std::int64_t> published_us{0};
  std::jthread reader([&] {
    while (!done.load()) {
      const TimePoint now =
          TimePoint{} + std::chrono::microseconds(published_us.load(std::memory_order_relaxed));
      const auto live = recorder.live_series(now);
      benchmark::DoNotOptimize(progress_line(progress_snapshot(live, {}, {}, 1)));
      snapshots.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  record_ops(state, shard, published_us);
  done.store(true);
  reader.join();
  state.counters["snapshots"] = static_cast<double>(snapshots.load());
}
BENCHMARK(BM_HotPathWithProgressEveryMs);

}  // namespace
}  // namespace gauntlet

// The recorder's hot path: what a virtual user pays per timed step. Goal: <= 50 ns per step and
// no allocation once warm (the only allocations are a step name's first sight and the close of
// each second, once a second per shard).
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "alloc_counter.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

constexpr std::array<std::string_view, 3> kSteps = {"login", "browse", "checkout"};

// Latencies spread over 0.2..50 ms, so records touch many buckets as real ones do.
constexpr std::array<std::chrono::nanoseconds, 64> kLatencies = [] {
  std::array<std::chrono::nanoseconds, 64> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = std::chrono::microseconds(200 + static_cast<std::int64_t>(i * i * 12));
  }
  return out;
}();

// Plays a 3-step scenario into one shard: one op is one record_step; every third op also
// records the iteration. Fake time advances by `fake_ns_per_op`, so the once-a-second close of
// the per-second data is paid at the rate it would be if the shard recorded that fast.
class ScenarioPlayer {
 public:
  ScenarioPlayer(RecorderShard& shard, std::chrono::nanoseconds per_op)
      : shard_(shard), per_op_(per_op) {}

  void op() noexcept {
    now_ += per_op_;
    const std::chrono::nanoseconds latency = kLatencies[op_ % kLatencies.size()];
    const std::size_t step = op_ % kSteps.size();
    const bool failed = op_ % 97 == 0;
    shard_.record_step(kSteps[step], latency,
                       failed ? std::optional(ErrorClass::kHttp5xx) : std::nullopt, now_);
    if (step + 1 == kSteps.size()) shard_.record_iteration(latency * 3, std::nullopt, now_);
    ++op_;
  }

 private:
  RecorderShard& shard_;
  std::chrono::nanoseconds per_op_;
  TimePoint now_{};
  std::size_t op_ = 0;
};

void BM_RecorderStep(benchmark::State& state) {
  Recorder recorder({TimePoint{}, 10});
  ScenarioPlayer player(recorder.make_shard(), std::chrono::nanoseconds(state.range(0)));
  for (int i = 0; i < 1000; ++i) player.op();  // warm: step slots exist, a second is open
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) player.op();
  bench::report_allocs_per_op(state, before);
  state.SetItemsProcessed(state.iterations());
  benchmark::DoNotOptimize(recorder.finish());  // after the loop: not timed
}
// 0: every record in one second (the pure hot path). 1000: a record every fake microsecond, a
// million per second per shard, far above any real scenario: the per-second close is included.
BENCHMARK(BM_RecorderStep)->ArgName("fake_ns_per_op")->Arg(0)->Arg(1000);

// The price of closing a second (compaction into the sparse list, reset, the lock), paid once a
// second per shard: every op here lands in a new second.
void BM_RecorderSecondClose(benchmark::State& state) {
  Recorder recorder({TimePoint{}, 10});
  RecorderShard& shard = recorder.make_shard();
  TimePoint now{};
  std::size_t i = 0;
  for (auto _ : state) {
    now += std::chrono::seconds(1);
    for (int k = 0; k < 8; ++k) {  // a few latencies per second, so the close has buckets to copy
      shard.record_iteration(kLatencies[(i + static_cast<std::size_t>(k)) % kLatencies.size()],
                             std::nullopt, now);
    }
    ++i;
  }
}
BENCHMARK(BM_RecorderSecondClose);

// Custom metrics on the hot path: a counter add and a trend record among a scenario's four names,
// once each name has been seen. Expect 0 allocations per operation.
void BM_RecorderCustomMetrics(benchmark::State& state) {
  Recorder recorder({TimePoint{}, 10});
  RecorderShard& shard = recorder.make_shard();
  constexpr std::array<std::string_view, 4> kNames = {"rows_written", "retries", "queue_wait",
                                                      "claim_wait"};
  for (std::string_view name : kNames) {  // warm: every name has its slot
    shard.add_count(name, 1);
    shard.record_trend(name, std::chrono::microseconds(1));
  }
  const std::uint64_t before = bench::allocations();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string_view name = kNames[i++ % kNames.size()];
    shard.add_count(name, 1);
    shard.record_trend(name, kLatencies[i % kLatencies.size()]);
  }
  bench::report_allocs_per_op(state, before);
  state.SetItemsProcessed(state.iterations());
  benchmark::DoNotOptimize(recorder.finish());
}
BENCHMARK(BM_RecorderCustomMetrics);

}  // namespace
}  // namespace gauntlet

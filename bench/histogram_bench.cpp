// Histogram hot paths: record() must stay O(1), about 10 ns or less, with no allocation.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "gauntlet/metrics/histogram.hpp"

namespace gauntlet {
namespace {

// Power of two so the loop indexes with a mask; large enough to defeat branch prediction on
// the values, small enough (512 KB) to stay in L2.
constexpr std::size_t kValueCount = std::size_t{1} << 16;

// Latency-like values (us): lognormal, median 5 ms, seeded so every run records the same data.
std::vector<std::int64_t> lognormal_us(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(5000.0), 0.6);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = std::llround(dist(rng));
  return out;
}

Histogram filled(std::size_t n, std::uint64_t seed) {
  Histogram h;
  for (const std::int64_t v : lognormal_us(n, seed)) h.record(v);
  return h;
}

void BM_HistogramRecord(benchmark::State& state) {
  const std::vector<std::int64_t> values = lognormal_us(kValueCount, 1);
  Histogram h;
  std::size_t i = 0;
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.record(values[i++ & (kValueCount - 1)]));
  }
  bench::report_allocs_per_op(state, before);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

// Argument: the percentile times 100 (9999 is p99.99). The scan walks buckets from min().
void BM_HistogramValueAtPercentile(benchmark::State& state) {
  const Histogram h = filled(1'000'000, 2);
  const double percentile = static_cast<double>(state.range(0)) / 100.0;
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) benchmark::DoNotOptimize(h.value_at_percentile(percentile));
  bench::report_allocs_per_op(state, before);
}
BENCHMARK(BM_HistogramValueAtPercentile)->ArgName("p_x100")->Arg(5000)->Arg(9900)->Arg(9999);

// Merging one thread's histogram (default layout, 23552 buckets) into the run's.
void BM_HistogramMerge(benchmark::State& state) {
  const Histogram source = filled(100'000, 3);
  Histogram target = filled(100'000, 4);
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) {
    target.merge(source);
    benchmark::ClobberMemory();
  }
  bench::report_allocs_per_op(state, before);
}
BENCHMARK(BM_HistogramMerge);

void BM_HistogramToJson(benchmark::State& state) {
  const Histogram h = filled(1'000'000, 5);
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) benchmark::DoNotOptimize(h.to_json());
  bench::report_allocs_per_op(state, before);
  state.counters["json_bytes"] = static_cast<double>(h.to_json().dump().size());
}
BENCHMARK(BM_HistogramToJson);

void BM_HistogramFromJson(benchmark::State& state) {
  const nlohmann::json doc = filled(1'000'000, 6).to_json();
  const std::uint64_t before = bench::allocations();
  for (auto _ : state) benchmark::DoNotOptimize(Histogram::from_json(doc));
  bench::report_allocs_per_op(state, before);
}
BENCHMARK(BM_HistogramFromJson);

}  // namespace
}  // namespace gauntlet

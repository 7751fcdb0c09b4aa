#pragma once
// Counts heap allocations per thread, so a benchmark can report allocs_per_op and prove a hot
// path allocation-free. alloc_counter.cpp replaces the global operator new/delete (every form:
// plain, array, nothrow, aligned) for the whole bench_core executable; each operator new bumps
// a thread-local counter and forwards to malloc/aligned_alloc, each delete to free.
//
// Usage in a benchmark (the counter only grows; take a difference around the timed loop):
//
//   const std::uint64_t before = gauntlet::bench::allocations();
//   for (auto _ : state) { ... }
//   gauntlet::bench::report_allocs_per_op(state, before);
//
// Only allocations made by the calling thread are seen: a benchmark that starts worker threads
// must read allocations() in each of them.
#include <benchmark/benchmark.h>

#include <cstdint>

namespace gauntlet::bench {

// Calls of any operator new made by the calling thread since it started. Never allocates.
std::uint64_t allocations() noexcept;

// Sets state.counters["allocs_per_op"] to (allocations() - before) / iterations.
inline void report_allocs_per_op(benchmark::State& state, std::uint64_t before) {
  const auto made = static_cast<double>(allocations() - before);
  state.counters["allocs_per_op"] = benchmark::Counter(made, benchmark::Counter::kAvgIterations);
}

}  // namespace gauntlet::bench

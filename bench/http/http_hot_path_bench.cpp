// The per-request work gauntlet itself adds in the engine, apart from libcurl and the kernel:
// building a request (generator and header list), classifying the response, recording it.
// Run: <builddir>/bin/bench_http
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>

#include "../../harness/src/http/curl_transport.hpp"  // HeaderNodes: internal to the engine
#include "gauntlet/http/outcome.hpp"
#include "gauntlet/http/request_source.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {
namespace {

const Request kTemplate{
    "POST",
    "http://127.0.0.1:8080/v1/generate",
    {{"Content-Type", "application/json"}, {"X-Team", "ads"}, {"Authorization", "Bearer t0k3n"}},
    R"({"prompt":"a short video about shoes","seconds":15})"};

// What a connection does per request when its source is not fixed: fill, then header list.
void build_requests(benchmark::State& state, const RequestSource& source) {
  Request request;
  HeaderNodes nodes;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    source.fill(seq++, 0, request);
    benchmark::DoNotOptimize(nodes.build(request.headers));
  }
}

void BM_RequestBuildGenerated(benchmark::State& state) {
  const RequestSource source =
      RequestSource::generated(kTemplate, [](std::uint64_t seq, int, Request& out) {
        out.method = kTemplate.method;
        out.url = kTemplate.url;
        out.headers = kTemplate.headers;
        out.body = kTemplate.body;
        benchmark::DoNotOptimize(seq);
      });
  build_requests(state, source);
}
BENCHMARK(BM_RequestBuildGenerated);

void BM_RequestBuildRotatingBodies(benchmark::State& state) {
  const RequestSource source = RequestSource::rotating_bodies(
      kTemplate, {R"({"prompt":"shoes"})", R"({"prompt":"a longer prompt about hats"})",
                  R"({"prompt":"socks"})"});
  build_requests(state, source);
}
BENCHMARK(BM_RequestBuildRotatingBodies);

void BM_ClassifySuccess(benchmark::State& state) {
  long status = 200;
  for (auto _ : state) {
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(classify_outcome(CURLE_OK, status));
  }
}
BENCHMARK(BM_ClassifySuccess);

void BM_ClassifyAndDescribeFailure(benchmark::State& state) {
  std::array<char, 256> buf{};
  const char* detail = "Operation timed out after 5001 milliseconds with 0 bytes received";
  for (auto _ : state) {
    benchmark::DoNotOptimize(classify_outcome(CURLE_OPERATION_TIMEDOUT, 0));
    benchmark::DoNotOptimize(describe_outcome(CURLE_OPERATION_TIMEDOUT, 0, detail, buf));
  }
}
BENCHMARK(BM_ClassifyAndDescribeFailure);

void BM_RecordIteration(benchmark::State& state) {
  const auto start = std::chrono::steady_clock::now();
  Recorder recorder({.start = start});
  RecorderShard& shard = recorder.make_shard();
  Histogram uncorrected;
  auto now = start;
  std::int64_t i = 0;
  for (auto _ : state) {
    now += std::chrono::microseconds(10);  // 100,000 requests a second of simulated time
    const auto latency = std::chrono::microseconds(200 + (i++ & 1023));
    shard.record_iteration(latency, std::nullopt, now);
    uncorrected.record(latency.count());
  }
}
BENCHMARK(BM_RecordIteration);

// Everything above for one request of a fixed template: classify, record (no build: a fixed
// template is set up once per connection).
void BM_HotPathFixedTemplate(benchmark::State& state) {
  const auto start = std::chrono::steady_clock::now();
  Recorder recorder({.start = start});
  RecorderShard& shard = recorder.make_shard();
  Histogram uncorrected;
  std::array<std::int64_t, 600> status_counts{};
  auto now = start;
  for (auto _ : state) {
    now += std::chrono::microseconds(10);
    const long status = 200;
    const auto error = classify_outcome(CURLE_OK, status);
    shard.record_iteration(std::chrono::microseconds(250), error, now);
    uncorrected.record(250);
    ++status_counts[static_cast<std::size_t>(status)];
  }
  benchmark::DoNotOptimize(status_counts);
}
BENCHMARK(BM_HotPathFixedTemplate);

}  // namespace
}  // namespace gauntlet

// The per-request work gauntlet itself adds in the engine, apart from the kernel and, on the curl
// path, libcurl: building a request, reading the response (native path), classifying and
// recording it.
//   - curl path:   BM_RequestBuild* (generator fill + curl header list), BM_Classify*,
//                  BM_RecordIteration, BM_HotPathFixedTemplate (classify + record);
//   - native path: BM_NativeRequestHeadGenerated (write_request_head into a reused string),
//                  BM_NativeRequestBuildGenerated (fill + head: compare with
//                  BM_RequestBuildGenerated), BM_NativeResponseParse/* (ResponseReader reset + feed
//                  of a small nginx response, Content-Length or chunked),
//                  BM_NativeHotPathFixedTemplate (reset + feed + classify + record + status count:
//                  everything gauntlet does per request on the fixed-template native path, between
//                  the recv and the next sendmsg).
// Allocations per iteration are not counted here: bench_http has no allocation counter, and the
// only way to count (bench/alloc_counter.cpp's global operator new replacement) would change the
// allocator every benchmark of this binary goes through.
// Run: <builddir>/bin/bench_http
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string_view>

#include "../../harness/src/http/curl_transport.hpp"  // HeaderNodes: internal to the engine
#include "../../harness/src/http/native_http.hpp"     // ResponseReader: internal to the engine
#include "gauntlet/http/engine_stats.hpp"
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

// What nginx answers to scripts/bench-http's `return 200 "ok\n"`, as one recv() gets it.
constexpr std::string_view kNginxResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 14 May 2024 10:00:00 GMT\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 3\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "ok\n";

// The same response with a chunked body (what a proxied or streamed answer looks like).
constexpr std::string_view kNginxChunkedResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 14 May 2024 10:00:00 GMT\r\n"
    "Content-Type: text/plain\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "3\r\nok\n\r\n"
    "0\r\n\r\n";

RequestSource generated_source() {
  return RequestSource::generated(kTemplate, [](std::uint64_t seq, int, Request& out) {
    out.method = kTemplate.method;
    out.url = kTemplate.url;
    out.headers = kTemplate.headers;
    out.body = kTemplate.body;
    benchmark::DoNotOptimize(seq);
  });
}

// What a connection does per request when its source is not fixed: fill, then `build` (the
// transport's own per-request work).
template <typename Build>
void build_requests(benchmark::State& state, const RequestSource& source, Build build) {
  Request request;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    source.fill(seq++, 0, request);
    build(request);
  }
}

// The curl transport's build: a header list for curl_easy_setopt.
void build_curl_requests(benchmark::State& state, const RequestSource& source) {
  HeaderNodes nodes;
  build_requests(state, source,
                 [&nodes](const Request& r) { benchmark::DoNotOptimize(nodes.build(r.headers)); });
}

void BM_RequestBuildGenerated(benchmark::State& state) {
  build_curl_requests(state, generated_source());
}
BENCHMARK(BM_RequestBuildGenerated);

void BM_RequestBuildRotatingBodies(benchmark::State& state) {
  const RequestSource source = RequestSource::rotating_bodies(
      kTemplate, {R"({"prompt":"shoes"})", R"({"prompt":"a longer prompt about hats"})",
                  R"({"prompt":"socks"})"});
  build_curl_requests(state, source);
}
BENCHMARK(BM_RequestBuildRotatingBodies);

// The native transport's head for a generated request, the URL already parsed (it is parsed again
// only when a request's URL differs from the connection's last one).
void BM_NativeRequestHeadGenerated(benchmark::State& state) {
  const HttpTarget target = parse_http_target(kTemplate.url);
  std::string head;
  for (auto _ : state) {
    write_request_head(kTemplate, target.authority, target.path_query, head);
    benchmark::DoNotOptimize(head.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_NativeRequestHeadGenerated);

// The native counterpart of BM_RequestBuildGenerated: fill, the URL check (parsed again only when
// it changed, as the transport does), then the head.
void BM_NativeRequestBuildGenerated(benchmark::State& state) {
  HttpTarget target = parse_http_target(kTemplate.url);
  std::string applied_url = kTemplate.url;
  std::string head;
  build_requests(state, generated_source(), [&](const Request& r) {
    if (r.url != applied_url) {
      target = parse_http_target(r.url);
      applied_url = r.url;
    }
    write_request_head(r, target.authority, target.path_query, head);
    benchmark::DoNotOptimize(head.data());
  });
}
BENCHMARK(BM_NativeRequestBuildGenerated);

// Fails the benchmark unless `response` reads as one whole 200 response that keeps the
// connection: a benchmark of a parse that errors out early would measure nothing.
bool check_reads_whole(benchmark::State& state, ResponseReader& reader, std::string_view response) {
  reader.reset(false);
  if (reader.feed(response) != ResponseReader::State::kDone || reader.status() != 200 ||
      reader.body_bytes() != 3 || !reader.keep_alive() || reader.excess_bytes() != 0) {
    state.SkipWithError("the canned response did not read as one whole 200 keep-alive response");
    return false;
  }
  return true;
}

void BM_NativeResponseParse(benchmark::State& state, std::string_view response) {
  ResponseReader reader;
  if (!check_reads_whole(state, reader, response)) return;
  for (auto _ : state) {
    reader.reset(false);
    benchmark::DoNotOptimize(reader.feed(response));
  }
}
BENCHMARK_CAPTURE(BM_NativeResponseParse, content_length, kNginxResponse);
BENCHMARK_CAPTURE(BM_NativeResponseParse, chunked, kNginxChunkedResponse);

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
    const auto error = classify_transfer(TransferFailure::kNone, status);
    shard.record_iteration(std::chrono::microseconds(250), error, now);
    uncorrected.record(250);
    ++status_counts[static_cast<std::size_t>(status)];
  }
  benchmark::DoNotOptimize(status_counts);
}
BENCHMARK(BM_HotPathFixedTemplate);

// The fixed-template native path per request, as the transport's begin()/receive()/complete()
// and the loop's finished() do it: reset the reader, feed it the response, decide whether the
// connection stays, classify, record both latency views, count status and bytes. The head is
// written once per run, so no build.
void BM_NativeHotPathFixedTemplate(benchmark::State& state) {
  const auto start = std::chrono::steady_clock::now();
  Recorder recorder({.start = start});
  RecorderShard& shard = recorder.make_shard();
  EngineStats stats;
  ResponseReader reader;
  if (!check_reads_whole(state, reader, kNginxResponse)) return;
  auto now = start;
  std::int64_t kept = 0;
  for (auto _ : state) {
    now += std::chrono::microseconds(10);
    reader.reset(false);
    if (reader.feed(kNginxResponse) != ResponseReader::State::kDone) continue;
    kept += reader.keep_alive() && reader.excess_bytes() == 0 ? 1 : 0;
    const long status = reader.status();
    const auto error = classify_transfer(TransferFailure::kNone, status);
    shard.record_iteration(std::chrono::microseconds(250), error, now);
    stats.uncorrected.record(250);
    ++stats.status_counts[status >= 0 && status <= kMaxStatusCode ? static_cast<std::size_t>(status)
                                                                  : 0];
    stats.bytes_received += reader.body_bytes();
    ++stats.completed;
  }
  benchmark::DoNotOptimize(kept);
  benchmark::DoNotOptimize(stats.status_counts);
  if (stats.completed != static_cast<std::int64_t>(state.iterations())) {
    state.SkipWithError("a response did not read as whole");
  }
}
BENCHMARK(BM_NativeHotPathFixedTemplate);

}  // namespace
}  // namespace gauntlet

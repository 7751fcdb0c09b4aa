#include "gauntlet/http/engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "support/test_server.hpp"

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;

namespace gauntlet {
namespace {

using http_test::TestServer;

struct Outcome {
  EngineStats stats;
  RunMetrics metrics;
};

Outcome run_with(EngineKind kind, EngineOptions options, RequestSource source,
                 std::stop_token stop = {}) {
  options.kind = kind;
  Engine engine(options, std::move(source));
  EngineRun run = engine.run(stop);
  return {std::move(run.stats), std::move(run.metrics)};
}

// Every behaviour below holds for both transports: the native one and libcurl's.
class EngineTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  Outcome run_engine(const EngineOptions& options, RequestSource source,
                     std::stop_token stop = {}) const {
    return run_with(GetParam(), options, std::move(source), stop);
  }
};

// CTest and JUnit show a parameterised test's value as gtest prints it: a name, not raw bytes
// ("1-byte object <01>").
TEST(EngineKindPrinting, ParametersPrintAsTheirNames) {
  EXPECT_EQ(::testing::PrintToString(EngineKind::kNative), "native");
  EXPECT_EQ(::testing::PrintToString(std::make_tuple(EngineKind::kCurl, true)), "(curl, true)");
}

INSTANTIATE_TEST_SUITE_P(Transports, EngineTest,
                         ::testing::Values(EngineKind::kNative, EngineKind::kCurl),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

Request get(std::string url) { return Request{"GET", std::move(url), {}, {}}; }

std::int64_t errors(const RunMetrics& m, ErrorClass c) {
  return m.iteration.errors[static_cast<std::size_t>(c)].count;
}

const std::vector<std::string>& samples(const RunMetrics& m, ErrorClass c) {
  return m.iteration.errors[static_cast<std::size_t>(c)].samples;
}

TEST_P(EngineTest, ClosedModeSendsExactlyTheRequestCountOverReusedConnections) {
  TestServer server({.threads = 2});
  const Outcome out = run_engine({.threads = 2, .connections = 4, .requests = 1000},
                                 RequestSource::fixed(get(server.url("/ok"))));
  EXPECT_EQ(out.stats.sent, 1000);
  EXPECT_EQ(out.stats.completed, 1000);
  EXPECT_EQ(out.stats.status_counts[200], 1000);
  EXPECT_EQ(out.metrics.iteration.ok, 1000);
  EXPECT_EQ(out.metrics.iteration.failed, 0);
  EXPECT_EQ(out.stats.uncorrected.total_count(), 1000);
  EXPECT_EQ(out.stats.bytes_received, 2000);  // "ok" each
  EXPECT_EQ(server.requests(), 1000);
  EXPECT_EQ(out.stats.connections_opened, 4);
  EXPECT_EQ(server.connections(), 4);
  EXPECT_FALSE(out.stats.stopped);
  EXPECT_EQ(out.stats.abandoned, 0);
  EXPECT_EQ(out.stats.thread_busy.size(), 2U);
}

TEST_P(EngineTest, CountsEveryStatusClassExactlyWithAGenerator) {
  TestServer server;
  const std::vector<std::string> urls = {server.url("/status/200"), server.url("/status/404"),
                                         server.url("/status/500"), server.url("/status/503")};
  auto source = RequestSource::generated(get(urls[0]), [&](std::uint64_t seq, int, Request& out) {
    out.method = "GET";
    out.url = urls[seq % urls.size()];
  });
  const Outcome out = run_engine({.threads = 2, .connections = 4, .requests = 400}, source);
  EXPECT_EQ(out.stats.status_counts[200], 100);
  EXPECT_EQ(out.stats.status_counts[404], 100);
  EXPECT_EQ(out.stats.status_counts[500], 100);
  EXPECT_EQ(out.stats.status_counts[503], 100);
  EXPECT_EQ(out.metrics.iteration.ok, 100);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kHttp4xx), 100);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kHttp5xx), 200);
  EXPECT_EQ(samples(out.metrics, ErrorClass::kHttp4xx), std::vector<std::string>{"HTTP 404"});
  EXPECT_THAT(samples(out.metrics, ErrorClass::kHttp5xx), Contains("HTTP 500"));
  EXPECT_THAT(samples(out.metrics, ErrorClass::kHttp5xx), Contains("HTTP 503"));
  EXPECT_EQ(server.requests(), 400);
}

TEST_P(EngineTest, SendsGeneratedMethodsHeadersAndBodies) {
  TestServer server;
  auto source =
      RequestSource::generated(get(server.url("/echo")), [&](std::uint64_t seq, int, Request& out) {
        out.method = seq % 2 == 0 ? "POST" : "GET";
        out.url = server.url("/echo");
        out.headers = {{"X-Seq", std::to_string(seq)}};
        out.body = seq % 2 == 0 ? "payload" : "";
      });
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 50}, source);
  EXPECT_EQ(out.metrics.iteration.ok, 50);
  EXPECT_EQ(server.requests(), 50);
}

TEST_P(EngineTest, ClassifiesRefusedConnections) {
  const std::string url = "http://127.0.0.1:" + std::to_string(http_test::unused_port()) + "/";
  const Outcome out =
      run_engine({.threads = 1, .connections = 2, .requests = 20}, RequestSource::fixed(get(url)));
  EXPECT_EQ(out.stats.completed, 20);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kConnect), 20);
  EXPECT_EQ(out.stats.status_counts[0], 20);
  ASSERT_FALSE(samples(out.metrics, ErrorClass::kConnect).empty());
  EXPECT_THAT(samples(out.metrics, ErrorClass::kConnect)[0], HasSubstr("Failed to connect"));
}

TEST_P(EngineTest, TimesOutRequestsThatOutliveTheTimeout) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 4, .requests = 4, .timeout = 200ms},
                                 RequestSource::fixed(get(server.url("/delay/5000"))));
  EXPECT_EQ(out.stats.completed, 4);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kTimeout), 4);
}

TEST_P(EngineTest, ServerClosingMidResponseIsAProtocolError) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 10},
                                 RequestSource::fixed(get(server.url("/close-mid"))));
  EXPECT_EQ(errors(out.metrics, ErrorClass::kProtocol), 10);
  EXPECT_EQ(out.metrics.iteration.ok, 0);
}

TEST_P(EngineTest, ReadsChunkedResponsesWhole) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 20},
                                 RequestSource::fixed(get(server.url("/chunked/10"))));
  EXPECT_EQ(out.metrics.iteration.ok, 20);
  // "chunk 0\n" .. "chunk 9\n": 8 bytes each.
  EXPECT_EQ(out.stats.bytes_received, 20 * 10 * 8);
}

TEST_P(EngineTest, UploadsFiveMegabyteBodies) {
  TestServer server;
  Request upload{"POST",
                 server.url("/upload"),
                 {{"Content-Type", "application/octet-stream"}},
                 std::string(5 * 1024 * 1024, 'x')};
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 4},
                                 RequestSource::fixed(std::move(upload)));
  EXPECT_EQ(out.metrics.iteration.ok, 4);
  EXPECT_EQ(server.requests(), 4);
}

TEST_P(EngineTest, OpenModeStartsEveryScheduledArrival) {
  TestServer server;
  EngineOptions options{.threads = 2, .connections = 8};
  options.profile = RateProfile(ConstantRate{200, 1s});
  const Outcome out = run_engine(options, RequestSource::fixed(get(server.url("/ok"))));
  EXPECT_TRUE(out.stats.open_model);
  EXPECT_EQ(out.stats.sent + out.stats.dropped, 200);
  EXPECT_EQ(out.metrics.iteration.total() + out.metrics.dropped, 200);
  EXPECT_EQ(out.stats.scheduling_lag.total_count(), 200);
  EXPECT_DOUBLE_EQ(out.stats.requested_rate_per_s, 200.0);
}

TEST_P(EngineTest, OpenModeStopsAtTheRequestCount) {
  TestServer server;
  EngineOptions options{.threads = 2, .connections = 4, .requests = 30};
  options.profile = RateProfile(ConstantRate{1000, 60s});
  const Outcome out = run_engine(options, RequestSource::fixed(get(server.url("/ok"))));
  EXPECT_EQ(out.stats.sent + out.stats.dropped, 30);
}

TEST_P(EngineTest, OpenModeDropsArrivalsThatFindNoConnectionInTime) {
  TestServer server;
  EngineOptions options{.threads = 1, .connections = 1, .max_wait = 30ms};
  options.profile = RateProfile(ConstantRate{50, 1s});
  const Outcome out = run_engine(options, RequestSource::fixed(get(server.url("/delay/300"))));
  EXPECT_GT(out.stats.dropped, 0);
  EXPECT_EQ(out.metrics.dropped, out.stats.dropped);
  EXPECT_EQ(out.stats.sent + out.stats.dropped, 50);
}

TEST_P(EngineTest, AStopRequestEndsTheRunAndMarksIt) {
  TestServer server;
  std::stop_source stop;
  std::jthread stopper([&] {
    while (server.requests() < 10) std::this_thread::sleep_for(1ms);
    stop.request_stop();
  });
  const Outcome out = run_engine({.threads = 1, .connections = 2, .duration = 60s},
                                 RequestSource::fixed(get(server.url("/ok"))), stop.get_token());
  EXPECT_TRUE(out.stats.stopped);
  EXPECT_GE(out.stats.completed, 8);
  EXPECT_EQ(out.stats.completed + out.stats.abandoned, out.stats.sent);
}

TEST_P(EngineTest, RecordsWhichTransportCarriedTheRequests) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 1, .requests = 3},
                                 RequestSource::fixed(get(server.url("/ok"))));
  EXPECT_EQ(out.stats.engine, to_string(GetParam()));
  EXPECT_EQ(out.stats.to_json().at("engine"), to_string(GetParam()));
}

TEST_P(EngineTest, ConnectionCloseResponsesOpenANewConnectionForEachRequest) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 20},
                                 RequestSource::fixed(get(server.url("/close-after"))));
  EXPECT_EQ(out.metrics.iteration.ok, 20);
  EXPECT_EQ(out.stats.connections_opened, 20);
  EXPECT_EQ(server.connections(), 20);
}

TEST_P(EngineTest, ReplacesConnectionsTheServerClosedWithoutCountingErrors) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 50},
                                 RequestSource::fixed(get(server.url("/drop-after"))));
  EXPECT_EQ(out.metrics.iteration.ok, 50);
  EXPECT_EQ(out.metrics.iteration.failed, 0);
  EXPECT_EQ(server.requests(), 50);
}

TEST_P(EngineTest, ReadsABodyThatRunsUntilTheClose) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 10},
                                 RequestSource::fixed(get(server.url("/until-close"))));
  EXPECT_EQ(out.metrics.iteration.ok, 10);
  EXPECT_EQ(out.stats.bytes_received, 10 * std::string_view("body until close").size());
}

TEST_P(EngineTest, AResponseThatIsNotHttpIsAProtocolError) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 6},
                                 RequestSource::fixed(get(server.url("/garbage"))));
  EXPECT_EQ(errors(out.metrics, ErrorClass::kProtocol), 6);
  EXPECT_FALSE(samples(out.metrics, ErrorClass::kProtocol).empty());
}

TEST_P(EngineTest, HeadRequestsReadNoBody) {
  TestServer server;
  const Outcome out = run_engine({.threads = 1, .connections = 2, .requests = 10},
                                 RequestSource::fixed(Request{"HEAD", server.url("/ok"), {}, {}}));
  EXPECT_EQ(out.metrics.iteration.ok, 10);
  EXPECT_EQ(out.stats.bytes_received, 0);
  EXPECT_EQ(out.stats.connections_opened, 2);  // the connections stayed usable
}

// A host name, not an address: resolved once per loop. (Where localhost resolves to ::1 first,
// this also passes through the fallback to 127.0.0.1, which is all the server listens on; this
// machine resolves it to 127.0.0.1 only, so the fallback itself is not proven here.)
TEST_P(EngineTest, ReachesTheServerThroughAHostName) {
  TestServer server;
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/ok";
  const Outcome out =
      run_engine({.threads = 1, .connections = 2, .requests = 10}, RequestSource::fixed(get(url)));
  EXPECT_EQ(out.metrics.iteration.ok, 10);
}

// Sockets running out (EMFILE) fail connects at once, while short timeouts expire around them:
// every request is still reported exactly once, and the run ends when the last one is.
TEST_P(EngineTest, CountsEveryRequestOnceWhenSocketsRunOut) {
  const std::string url = "http://127.0.0.1:" + std::to_string(http_test::unused_port()) + "/";
  // With no descriptor free, UBSan's -fsanitize=vptr check reports every live object it has not
  // checked before as having an "invalid vptr": on a miss in its type cache it proves the vtable
  // readable with pipe(2) (sanitizer_common's IsAccessibleMemoryRange), which fails with EMFILE.
  // So the first report of a transfer must not come while the table is full. A run with
  // descriptors to spare first has the transport report to its loop once (the loop types and
  // vtables are the same for the run below); without a sanitizer it changes nothing.
  run_engine({.threads = 1, .connections = 1, .requests = 1}, RequestSource::fixed(get(url)));
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::size_t open_now = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++open_now;
  }
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, open_now + 40);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  struct Restore {
    rlimit limit;
    ~Restore() { setrlimit(RLIMIT_NOFILE, &limit); }
  } restore{saved};
  const Outcome out = run_engine({.threads = 1,
                                  .connections = 500,
                                  .requests = 20'000,
                                  .connect_timeout = 1ms,
                                  .timeout = 1ms},
                                 RequestSource::fixed(get(url)));
  EXPECT_EQ(out.stats.sent, 20'000);
  EXPECT_EQ(out.stats.completed, 20'000);
  EXPECT_EQ(out.stats.abandoned, 0);
  EXPECT_EQ(out.metrics.iteration.failed, 20'000);
}

// A server refusing an upload from its header alone answers and closes with the body unread;
// the send then meets a reset, but the answer is still there to read, and it is the outcome.
TEST(Engine, NativeReadsAnAnswerThatCameBeforeTheWholeBodyWasSent) {
  TestServer server;
  Request upload{"POST", server.url("/reject-early"), {}, std::string(5 * 1024 * 1024, 'x')};
  const Outcome out =
      run_with(EngineKind::kNative, {.threads = 1, .connections = 2, .requests = 10},
               RequestSource::fixed(std::move(upload)));
  EXPECT_EQ(out.stats.status_counts[413], 10);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kHttp4xx), 10);
  EXPECT_EQ(server.requests(), 10);  // none sent twice
}

// Both transports must load a server alike: the same request line, headers and body.
TEST(Engine, BothTransportsSendTheSameRequest) {
  TestServer server({.keep_last_request = true});
  const Request post{"POST",
                     server.url("/echo?x=1"),
                     {{"X-Team", "ads"}, {"Authorization", "Bearer t0k3n"}},
                     R"({"prompt":"shoes"})"};
  const Request put{"PUT", server.url("/echo"), {{"Content-Type", "application/json"}}, "{}"};
  const Request get_request = get(server.url("/echo"));
  for (const Request& request : {post, put, get_request}) {
    std::vector<nlohmann::json> seen;
    for (EngineKind kind : {EngineKind::kNative, EngineKind::kCurl}) {
      const Outcome out = run_with(kind, {.threads = 1, .connections = 1, .requests = 1},
                                   RequestSource::fixed(request));
      ASSERT_EQ(out.metrics.iteration.ok, 1) << to_string(kind);
      seen.push_back(nlohmann::json::parse(server.last_request()));
    }
    EXPECT_EQ(seen[0], seen[1]) << request.method << "\nnative: " << seen[0].dump()
                                << "\ncurl:   " << seen[1].dump();
  }
}

TEST(Engine, AutoPicksNativeForHttpAndCurlForHttps) {
  const std::string port = std::to_string(http_test::unused_port());
  const EngineOptions options{.threads = 1, .connections = 1, .requests = 1};
  EXPECT_EQ(run_with(EngineKind::kAuto, options,
                     RequestSource::fixed(get("http://127.0.0.1:" + port + "/")))
                .stats.engine,
            "native");
  EXPECT_EQ(run_with(EngineKind::kAuto, options,
                     RequestSource::fixed(get("https://127.0.0.1:" + port + "/")))
                .stats.engine,
            "curl");
  EngineOptions http2 = options;
  http2.http_version = HttpVersion::kHttp2;
  EXPECT_EQ(run_with(EngineKind::kAuto, http2,
                     RequestSource::fixed(get("http://127.0.0.1:" + port + "/")))
                .stats.engine,
            "curl");
}

TEST(Engine, NativeRefusesWhatItCannotCarryBeforeSendingAnything) {
  const auto problem = [](EngineOptions options, const Request& request) -> std::string {
    options.kind = EngineKind::kNative;
    try {
      Engine engine(options, RequestSource::fixed(request));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  const EngineOptions options{.threads = 1, .connections = 1, .requests = 1};
  EXPECT_THAT(problem(options, get("https://127.0.0.1:1/")),
              HasSubstr("engine.kind native carries plain-text http:// at http/1.1 only, got "
                        "\"https://127.0.0.1:1/\""));
  EngineOptions http2 = options;
  http2.http_version = HttpVersion::kHttp2;
  EXPECT_THAT(problem(http2, get("http://127.0.0.1:1/")), HasSubstr("at http/2"));
  EXPECT_THAT(problem(options, Request{"GET", "http://127.0.0.1:1/", {{"X-A", "1\r\nX-B: 2"}}, {}}),
              HasSubstr("request header \"X-A\" has a CR, LF or NUL"));
  EXPECT_THAT(problem(options, Request{"GE T", "http://127.0.0.1:1/", {}, {}}),
              HasSubstr("method \"GE T\" is not an HTTP token"));
}

TEST(Engine, NativeCountsARequestToASecondOriginAsFailedAndCarriesOn) {
  TestServer first;
  TestServer second;
  const std::vector<std::string> urls = {first.url("/ok"), second.url("/ok")};
  auto source = RequestSource::generated(get(urls[0]), [&](std::uint64_t seq, int, Request& out) {
    out.method = "GET";
    out.url = urls[seq % 2];
  });
  const Outcome out =
      run_with(EngineKind::kNative, {.threads = 1, .connections = 1, .requests = 10}, source);
  EXPECT_EQ(out.metrics.iteration.ok, 5);
  EXPECT_EQ(errors(out.metrics, ErrorClass::kException), 5);
  ASSERT_FALSE(samples(out.metrics, ErrorClass::kException).empty());
  EXPECT_THAT(samples(out.metrics, ErrorClass::kException)[0], HasSubstr("--engine curl"));
  EXPECT_EQ(second.requests(), 0);
}

TEST(Engine, ValidationNamesEveryBadField) {
  try {
    Engine({.threads = 0, .connections = 0, .timeout = 0ms}, RequestSource::fixed(get("")));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string all = e.what();
    EXPECT_THAT(all, HasSubstr("engine.threads must be in 1..256, got 0"));
    EXPECT_THAT(all, HasSubstr("engine.connections"));
    EXPECT_THAT(all, HasSubstr("engine.timeout must be > 0ms, got 0ms"));
    EXPECT_THAT(all, HasSubstr("both 0"));
    EXPECT_THAT(all, HasSubstr("URL is empty"));
  }
}

}  // namespace
}  // namespace gauntlet

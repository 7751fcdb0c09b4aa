#pragma once
// The event-driven engine for raw endpoint load: one epoll loop per thread, many connections per
// loop, requests carried by one of two transports (EngineOptions::kind): the native one,
// plain-text HTTP/1.1 keep-alive on gauntlet's own sockets with Boost.Beast's response parser, at
// wrk's cost per request; or libcurl's multi interface driven through its socket API
// (curl_multi_socket_action), for TLS, HTTP/2 and anything else libcurl speaks. See
// docs/http-engines.md.
// Closed model for maximum throughput, open model on any rate profile with latency measured from
// the intended start (coordinated omission corrected). Each loop owns its state and its recorder
// shard; nothing is shared on the hot path, and once warm a request allocates nothing in gauntlet
// (the native transport allocates nothing at all; libcurl has bookkeeping of its own).
//
//   Engine engine(options, RequestSource::fixed({"GET", "http://127.0.0.1:8080/"}));
//   EngineRun run = engine.run(stop_token);   // run.stats, run.metrics
//
// The engine is bound to real time (it waits in the kernel), so it reads steady_clock itself
// instead of taking a Clock; plans and schedules are tested on fake time in gauntlet::load.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <vector>

#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/engine_stats.hpp"
#include "gauntlet/http/request_source.hpp"
#include "gauntlet/load/rate_curve.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

// A live view, once a second while the engine runs.
struct EngineProgress {
  std::chrono::nanoseconds elapsed{0};
  std::int64_t sent = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t dropped = 0;
  std::int64_t active_connections = 0;     // requests in flight right now
  std::optional<SeriesPoint> last_second;  // the last complete second, once there is one
};

// What one run of the engine measured: its own figures, and every request's, merged.
struct EngineRun {
  EngineStats stats;
  RunMetrics metrics;
};

class Engine {
 public:
  using ProgressFn = std::function<void(const EngineProgress&)>;

  // Validates the options (ConfigError listing every problem) and the source's sample URL; for
  // the native transport also the sample request (an http:// URL, a method that is a token, no
  // line breaks in headers).
  Engine(EngineOptions options, RequestSource source);

  // Runs the plan on options.threads loop threads and returns when every loop has finished.
  // Records every request as an iteration (and each failure's first distinct messages) into a
  // recorder of its own, started with the run and finished once every loop has joined, one shard
  // per loop thread. Calls on_progress from the calling thread about once a second. A stop request
  // ends the run early: stats.stopped is set and in-flight requests are abandoned. Throws
  // std::system_error when epoll cannot be set up, std::runtime_error when libcurl cannot; request
  // failures are data, never exceptions.
  EngineRun run(std::stop_token stop, const ProgressFn& on_progress = {});

  const EngineOptions& options() const noexcept { return options_; }

 private:
  void check_native(Problems& problems) const;
  EngineStats summarise(std::vector<EngineStats>& per_loop, const RateCurve* curve,
                        std::chrono::steady_clock::time_point start) const;

  CurlGlobal global_;
  EngineOptions options_;
  RequestSource source_;
};

}  // namespace gauntlet

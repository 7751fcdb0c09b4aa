#pragma once
// What the event-driven engine runs: pure data, validated before anything is sent.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

#include "gauntlet/config_error.hpp"
#include "gauntlet/http/request.hpp"
#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

// Bounds beyond which an engine setting is a typo rather than a plan.
inline constexpr int kMaxEngineThreads = 256;
inline constexpr int kMaxEngineConnections = 1'000'000;

// Which transport carries the requests (see docs/http-engines.md).
enum class EngineKind : std::uint8_t {
  kAuto,    // native for http:// at HTTP/1.1, curl for anything else
  kNative,  // plain-text HTTP/1.1 keep-alive on gauntlet's own sockets, Beast's parser: wrk's cost
  kCurl,    // libcurl's multi interface: TLS, HTTP/2, every URL libcurl takes
};
std::string_view to_string(EngineKind kind) noexcept;
// Writes to_string(kind): logs, and test parameters that read "native" rather than raw bytes.
std::ostream& operator<<(std::ostream& out, EngineKind kind);
// "auto", "native" or "curl"; nullopt otherwise.
std::optional<EngineKind> parse_engine_kind(std::string_view text) noexcept;
// Whether the native transport can carry requests to `url` at `version`: an http:// URL (any
// case) and HTTP/1.1.
bool native_engine_supports(std::string_view url, HttpVersion version) noexcept;
// kAuto made concrete for a run whose requests go to `url`.
EngineKind resolve_engine_kind(EngineKind kind, std::string_view url, HttpVersion version) noexcept;

struct EngineOptions {
  EngineKind kind = EngineKind::kAuto;
  int threads = 1;
  // In total, spread evenly over the threads (the first threads take the remainder). Each
  // connection carries one request at a time (HTTP/1.1 keep-alive).
  int connections = 10;
  // The run ends when either bound is reached; at least one must be set. 0 = unbounded.
  std::chrono::nanoseconds duration{0};
  std::int64_t requests = 0;

  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{5000};  // whole request, connect included
  HttpVersion http_version = HttpVersion::kHttp1_1;
  bool verify_tls = true;
  // The curl transport's receive buffer per connection (the native one reads into one buffer per
  // thread). 0 = automatic: 16 KB (libcurl's default) up to 100
  // connections per thread, 4 KB up to 1,000, then 1 KB, so that 10,000 connections cost
  // memory for their state and not for buffers. Otherwise 1024..524288.
  std::size_t receive_buffer_bytes = 0;

  // Open model when set: requests start on the profile's arrival schedule, latency counts from
  // each request's intended start, and a request that finds no free connection waits up to
  // max_wait (the wait counts as latency), then is counted as dropped. Closed model otherwise:
  // every connection sends its next request as soon as the previous one ends.
  std::optional<RateProfile> profile{};
  std::chrono::nanoseconds max_wait{std::chrono::seconds(5)};

  // After the last request is sent, in-flight requests get this long to finish; those still
  // running are abandoned (counted, not recorded). Ctrl-C abandons them at once.
  std::chrono::nanoseconds drain_timeout{std::chrono::seconds(5)};

  // Self-validation: the generator reports itself as the bottleneck when the 99th percentile of
  // its scheduling lag (from a request's intended start until the loop released it) exceeds
  // max_scheduling_lag, or a loop thread was busy on the CPU for more than max_thread_busy of
  // the run (0..1).
  std::chrono::nanoseconds max_scheduling_lag{std::chrono::milliseconds(10)};
  double max_thread_busy = 0.9;

  // Adds one problem per invalid field to `problems` (names like "engine.threads"); also
  // validates the profile. Never throws.
  void validate(Problems& problems) const;
};

}  // namespace gauntlet
